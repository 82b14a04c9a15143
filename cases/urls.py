from django.urls import path

from . import views
from .views.actions import ACTION_LIST
from .views.search import search
from .views.zones import time_zone_options
from .views.clients import client_detail, client_history
from .views.case import case_part
from .views.client_messages import client_message_send_view

app_name = "cases"

urlpatterns = [
    path("", views.my_cases, name="my_cases"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/<str:reference>/", views.case_detail, name="case_detail"),
] + [
    path(f"cases/<str:reference>/{a.path}", views.case_action, {"action": a.name}, name=a.name)
    for a in ACTION_LIST
]
urlpatterns += [
    path("clients/<int:pk>/", client_detail, name="client_detail"),
    path("clients/<int:pk>/history/", client_history, name="client_history"),
    path("clients/history/", client_history, name="client_history_picked"),
]
urlpatterns += [path("search/", search, name="search")]
urlpatterns += [path("time-zones/", time_zone_options, name="time_zone_options")]
# Message the client by email (cases.views.client_messages).
urlpatterns += [path("cases/<str:reference>/client-message/", client_message_send_view,
                     name="client_message_send")]
# A form of the case page drawn when opened (cases.views.parts).
urlpatterns += [path("cases/<str:reference>/part/<str:key>/", case_part, name="case_part")]
