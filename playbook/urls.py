from django.urls import path

from . import views

app_name = "playbook"

urlpatterns = [
    path("coach/", views.coach, name="coach"),
]
