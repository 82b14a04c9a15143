"""Data safety: people leave, history stays. Deleting a user who ever touched a case is refused (every
foreign key from the case history to a user is PROTECT or SET_NULL, never CASCADE) and deactivating
one keeps every case and record; the audit trail (the timeline, the promise ledger, escalations,
handoffs, every step record, the outbox) cannot be added, edited or deleted through the admin; cases
are never hard-deleted: no URL of the app deletes anything, and the admin offers no delete."""
import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import ProtectedError
from django.test import Client as HttpClient
from django.urls import reverse

from cases.models import Case, CaseEvent, Promise
from tests.security.support import build_world, url_patterns

pytestmark = pytest.mark.django_db
User = get_user_model()

# Foreign keys to a user that may cascade, and why that loses no history.
CASCADE_ALLOWED = {
    "cases.StaffProfile.user": "the profile is the user's own settings (time zone, supervisor), not history",
    "cases.FormSubmission.user": "a form's one-time token (cases/once.py), kept a day, not history",
}
# The models that are history: nothing may delete them with their user or their case's user.
AUDIT_MODELS = ["cases.Case", "cases.CaseEvent", "cases.Promise", "cases.Escalation", "cases.EscalationNote",
                "cases.Handoff", "cases.Concern", "cases.Acknowledgement", "cases.Recommitment", "cases.Fact",
                "cases.ActionItem", "cases.StatusUpdate", "cases.Delivery", "cases.Client",
                "cases.ClientAnswer", "cases.ClientSurvey", "cases.ClientMessage",
                "mailin.InboundMessage", "notifications.OutboxMessage"]


def _user_foreign_keys():
    for model in apps.get_models():
        if model._meta.app_label not in ("cases", "notifications", "playbook", "mailin"):
            continue
        for field in model._meta.get_fields():
            if isinstance(field, (models.ForeignKey, models.OneToOneField)) and field.related_model is User:
                yield f"{model._meta.app_label}.{model.__name__}.{field.name}", field.remote_field.on_delete


def test_no_foreign_key_from_history_to_a_user_cascades():
    cascading = [name for name, on_delete in _user_foreign_keys()
                 if on_delete is models.CASCADE and name not in CASCADE_ALLOWED]

    assert cascading == [], "deleting a user would delete these rows: make them PROTECT or SET_NULL"


def test_the_check_sees_the_foreign_keys_it_is_about():
    names = dict(_user_foreign_keys())

    assert names["cases.Case.owner"] is models.PROTECT and names["cases.CaseEvent.actor"] is models.PROTECT


def test_deleting_a_user_with_cases_is_refused_and_keeps_everything():
    world = build_world()
    before = (Case.objects.count(), CaseEvent.objects.count(), Promise.objects.count())

    for user in (world.owner, world.teammate, world.colleague):
        with pytest.raises(ProtectedError):
            User.objects.get(pk=user.pk).delete()

    assert (Case.objects.count(), CaseEvent.objects.count(), Promise.objects.count()) == before


def test_deleting_a_user_in_the_admin_is_refused_while_they_have_history():
    world = build_world()
    root = User.objects.create_superuser("root", "root@example.com", "a-long-test-password-1")
    http = HttpClient()
    http.force_login(root)

    http.post(reverse("admin:auth_user_delete", args=[world.owner.pk]), {"post": "yes"})

    assert User.objects.filter(pk=world.owner.pk).exists()
    assert Case.objects.filter(owner=world.owner).count() == 1


def test_a_deactivated_user_keeps_their_cases_history_and_pages():
    world = build_world()
    events = CaseEvent.objects.filter(case=world.case).count()
    world.owner.is_active = False
    world.owner.save(update_fields=["is_active"])
    http = HttpClient()
    http.force_login(world.supervisor)

    response = http.get(reverse("cases:case_detail", args=[world.case.reference]))

    assert response.status_code == 200
    assert Case.objects.get(pk=world.case.pk).owner == world.owner
    assert CaseEvent.objects.filter(case=world.case).count() == events


def test_a_deactivated_user_can_no_longer_do_anything():
    world = build_world()
    world.owner.is_active = False
    world.owner.save(update_fields=["is_active"])
    http = HttpClient()
    http.force_login(world.owner)

    response = http.post(reverse("cases:ack", args=[world.case.reference]), {"text": "I hear you and I am sorry"})

    assert response.status_code in (401, 403, 404)  # 401: signed out now (cases/session_expired.py)
    assert world.case.acknowledgements.count() == 1  # only the one advance_to recorded


# --- The admin: read-only history ----------------------------------------------------------------
@pytest.fixture
def root_http(db):
    root = User.objects.create_superuser("root", "root@example.com", "a-long-test-password-1")
    http = HttpClient()
    http.force_login(root)
    return root, http


@pytest.mark.parametrize("label", AUDIT_MODELS)
def test_the_admin_cannot_add_change_or_delete_history(label, rf, root_http):
    root, _ = root_http
    model = apps.get_model(label)
    model_admin = admin.site._registry[model]
    request = rf.get("/admin/")
    request.user = root

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert "delete_selected" not in model_admin.get_actions(request)


def test_a_forged_admin_delete_or_edit_of_a_case_or_its_timeline_changes_nothing(root_http):
    _, http = root_http
    world = build_world()
    event = CaseEvent.objects.filter(case=world.case).first()

    responses = [
        http.post(reverse("admin:cases_case_delete", args=[world.case.pk]), {"post": "yes"}),
        http.post(reverse("admin:cases_caseevent_delete", args=[event.pk]), {"post": "yes"}),
        http.post(reverse("admin:cases_caseevent_change", args=[event.pk]), {"note": "rewritten", "verb": "x"}),
        http.post(reverse("admin:cases_promise_changelist"),
                  {"action": "delete_selected", "_selected_action": [world.promise.pk], "post": "yes"}),
    ]

    assert [r.status_code for r in responses[:3]] == [403, 403, 403]
    assert Case.objects.filter(pk=world.case.pk).exists()
    event.refresh_from_db()
    assert event.note != "rewritten"
    assert Promise.objects.filter(pk=world.promise.pk).exists()


def test_no_url_of_the_app_deletes_anything():
    deleting = [f"{name} {route}" for name, route in url_patterns()
                if "delete" in name.lower() or "delete" in route.lower() or "remove" in route.lower()]

    assert deleting == []



def test_deleting_the_supervisor_an_irate_case_has_as_co_owner_is_refused():
    """The irate rule's co-owner leaves when the client calms down, with a line on the timeline; deleting
    the user dropped them silently (found by review)."""
    world = build_world()
    supervisor = User.objects.create_user("newsup", "newsup@example.com", "a-long-test-password-1")
    Case.objects.filter(pk=world.case.pk).update(co_owner=supervisor)  # as the irate rule sets it

    with pytest.raises(ProtectedError):
        User.objects.get(pk=supervisor.pk).delete()

    assert Case.objects.get(pk=world.case.pk).co_owner_id == supervisor.pk
