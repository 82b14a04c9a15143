from django.urls import path

from .supervisor_views import escalations, status_link, team
from .supervisor_views import all_cases

app_name = "supervisor"

urlpatterns = [
    path("", escalations.queue, name="queue"),
    path("escalations/<int:pk>/", escalations.escalation_detail, name="escalation"),
    path("escalations/<int:pk>/take/", escalations.take, name="take"),
    path("escalations/<int:pk>/note/", escalations.add_note, name="add_note"),
    path("escalations/<int:pk>/resolve/", escalations.resolve, name="resolve"),
    path("escalations/<int:pk>/reassign/", escalations.reassign, name="reassign"),
    path("escalations/<int:pk>/close/", escalations.force_close, name="force_close"),
    # The queue is one row per case: a case's escalations are worked together from its page.
    path("cases/<str:reference>/escalations/", escalations.case_escalations, name="case_escalations"),
    path("cases/<str:reference>/escalations/take/", escalations.case_take, name="case_take"),
    path("cases/<str:reference>/escalations/note/", escalations.case_note, name="case_note"),
    path("cases/<str:reference>/escalations/resolve/", escalations.case_resolve, name="case_resolve"),
    path("cases/<str:reference>/reassign/", escalations.case_reassign, name="case_reassign"),
    path("cases/<str:reference>/close/", escalations.case_force_close, name="case_force_close"),
    path("team/", team.dashboard, name="dashboard"),
    path("cases/<str:reference>/status-link/", status_link.status_link, name="status_link"),
    path("cases/<str:reference>/status-link/revoke/", status_link.status_link_revoke, name="status_link_revoke"),
    path("cases/", all_cases.all_cases, name="all_cases"),
]
