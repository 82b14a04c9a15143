from django.urls import path

from .supervisor_views import escalations, status_link, team

app_name = "supervisor"

urlpatterns = [
    path("", escalations.queue, name="queue"),
    path("escalations/<int:pk>/", escalations.escalation_detail, name="escalation"),
    path("escalations/<int:pk>/take/", escalations.take, name="take"),
    path("escalations/<int:pk>/note/", escalations.add_note, name="add_note"),
    path("escalations/<int:pk>/resolve/", escalations.resolve, name="resolve"),
    path("escalations/<int:pk>/reassign/", escalations.reassign, name="reassign"),
    path("escalations/<int:pk>/close/", escalations.force_close, name="force_close"),
    path("team/", team.dashboard, name="dashboard"),
    path("cases/<str:reference>/status-link/", status_link.status_link, name="status_link"),
]
