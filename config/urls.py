from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from cases.views_status import client_status_page

urlpatterns = [
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("playbook/", include("playbook.urls")),
    path("supervisor/", include("cases.urls_supervisor")),
    path("status/<str:token>/", client_status_page, name="client_status"),
    path("", include("notifications.urls")),
    path("", include("cases.urls")),
]
