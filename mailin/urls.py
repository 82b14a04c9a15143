from django.urls import path

from . import views

app_name = "mailin"

urlpatterns = [
    path("", views.client_mail, name="inbox"),
    path("cases/<str:reference>/", views.case_mail, name="case_mail"),
    path("cases/<str:reference>/claim/", views.case_claim, name="claim"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
]
