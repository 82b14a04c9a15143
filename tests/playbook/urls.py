"""URLconf for the playbook endpoint tests, independent of whether config/urls.py includes it yet."""
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("playbook/", include("playbook.urls")),
]
