from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from cases.session_expired import SignInView
from cases.views_status import client_answer, client_status_page, client_survey

urlpatterns = [
    path("admin/", admin.site.urls),
    # Django's sign-in, whose `next` never leads by GET to a POST-only URL (cases/session_expired.py).
    path("login/", SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("playbook/", include("playbook.urls")),
    path("supervisor/", include("cases.urls_supervisor")),
    path("status/<str:token>/", client_status_page, name="client_status"),
    # The client's own word, posted back through the same signed link (issue 11).
    path("status/<str:token>/answer/", client_answer, name="client_status_answer"),
    path("status/<str:token>/survey/", client_survey, name="client_status_survey"),
    # Client email coming in: the providers' inbound webhooks (each checks its own signature or basic
    # auth; mailin/webhooks.py accepts only the configured ones), and the reps' pages for it.
    path("anymail/", include("mailin.webhook_urls")),
    path("mail/", include("mailin.urls")),
    path("", include("notifications.urls")),
    path("", include("cases.urls")),
]
