from django.urls import path

from . import views
from .views.actions import ACTION_LIST

app_name = "cases"

urlpatterns = [
    path("", views.my_cases, name="my_cases"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/<str:reference>/", views.case_detail, name="case_detail"),
] + [
    path(f"cases/<str:reference>/{a.path}", views.case_action, {"action": a.name}, name=a.name)
    for a in ACTION_LIST
]
