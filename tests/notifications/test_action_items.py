"""Sweep 3, action-item deadlines: the assignee is reminded before the due time; when it passes,
the assignee and the case owner (accountable for teammates' items) are told, once."""
import pytest

from cases import services
from cases.models import ActionItem, PromiseKind, PromiseStatus
from notifications.models import OutboxMessage
from notifications.sweeps import sweep_item_reminders, sweep_overdue_items
from tests.notifications.conftest import HOUR, MIN, T0, at, planned_case

DUE = T0 + 3 * HOUR  # 13:00


def _case(rep, dennis, assignee=None):
    return planned_case(rep, dennis, assignee=assignee, item_due=3 * HOUR, cadence_minutes=600)


@pytest.mark.django_db
def test_the_assignee_is_reminded_an_hour_before_the_item_is_due(rep, teammate, dennis):
    case = _case(rep, dennis, assignee=teammate)

    with at(DUE - 60 * MIN):
        done = sweep_item_reminders()

    assert done == 1
    row = OutboxMessage.objects.get(kind="item_reminder")
    assert row.to == [teammate.email]
    assert row.subject == f"{case.reference}: your action item is due at 13:00 GMT"
    assert "Restore the mail server from backup" in row.body_text
    assert f"/cases/{case.reference}/" in row.body_text


@pytest.mark.django_db
def test_no_item_reminder_before_the_lead_time(rep, teammate, dennis):
    _case(rep, dennis, assignee=teammate)

    with at(DUE - 61 * MIN):
        done = sweep_item_reminders()

    assert done == 0


@pytest.mark.django_db
def test_item_reminder_run_twice_is_queued_once(rep, teammate, dennis):
    case = _case(rep, dennis, assignee=teammate)

    with at(DUE - 30 * MIN):
        first, second = sweep_item_reminders(), sweep_item_reminders()

    assert (first, second) == (1, 0)
    assert OutboxMessage.objects.filter(kind="item_reminder").count() == 1
    assert case.action_items.get().reminded_at == DUE - 30 * MIN


@pytest.mark.django_db
def test_an_overdue_item_is_told_to_the_assignee_and_the_case_owner(rep, teammate, dennis):
    case = _case(rep, dennis, assignee=teammate)

    with at(DUE + MIN):
        done = sweep_overdue_items()

    assert done == 1
    to_assignee = OutboxMessage.objects.get(kind="item_overdue")
    to_owner = OutboxMessage.objects.get(kind="item_overdue_owner")
    assert to_assignee.to == [teammate.email] and to_owner.to == [rep.email]
    assert "Alex Moreau's action item is overdue" in to_owner.subject
    assert "You stay accountable for it" in to_owner.body_text
    assert case.action_items.get().overdue_notified_at == DUE + MIN


@pytest.mark.django_db
def test_an_owner_who_holds_the_item_gets_one_overdue_email_not_two(rep, dennis):
    _case(rep, dennis)

    with at(DUE + MIN):
        sweep_overdue_items()

    assert list(OutboxMessage.objects.values_list("kind", "to")) == [("item_overdue", [rep.email])]


@pytest.mark.django_db
def test_overdue_run_twice_notifies_once(rep, teammate, dennis):
    _case(rep, dennis, assignee=teammate)

    with at(DUE + 2 * MIN):
        first, second = sweep_overdue_items(), sweep_overdue_items()
    with at(DUE + 30 * MIN):
        later = sweep_overdue_items()

    assert (first, second, later) == (1, 0, 0)
    assert OutboxMessage.objects.filter(kind__startswith="item_overdue").count() == 2


@pytest.mark.django_db
def test_a_done_item_is_never_overdue(rep, teammate, dennis):
    case = _case(rep, dennis, assignee=teammate)
    with at(DUE - 10 * MIN):
        services.action_item_complete(user=teammate, item=case.action_items.get())

    with at(DUE + MIN):
        done = sweep_overdue_items()

    assert done == 0


@pytest.mark.django_db
def test_a_renegotiated_due_time_gets_its_own_reminder_and_overdue_notice(rep, teammate, dennis):
    case = _case(rep, dennis, assignee=teammate)
    with at(DUE - 30 * MIN):
        sweep_item_reminders()
        promise = case.promises.get(kind=PromiseKind.ACTION_ITEM, status=PromiseStatus.PENDING)
        services.promise_renegotiate(user=rep, promise=promise, new_due_at=DUE + 2 * HOUR,
                                     agreed_channel="phone", agreed_text="Dennis agreed to 15:00")

    with at(DUE + 2 * HOUR - 30 * MIN):
        reminded = sweep_item_reminders()
    with at(DUE + MIN):
        early = sweep_overdue_items()
    with at(DUE + 2 * HOUR + MIN):
        overdue = sweep_overdue_items()

    assert (reminded, early, overdue) == (1, 0, 1)
    assert OutboxMessage.objects.filter(kind="item_reminder").count() == 2
    item = ActionItem.objects.get(case=case)
    assert item.due_at == DUE + 2 * HOUR and item.overdue_notified_at == DUE + 2 * HOUR + MIN


@pytest.mark.django_db
def test_item_times_are_shown_in_the_assignees_zone_as_well(rep, teammate, dennis):
    teammate.staff_profile.time_zone = "America/New_York"
    teammate.staff_profile.save()
    _case(rep, dennis, assignee=teammate)

    with at(DUE - 10 * MIN):
        sweep_item_reminders()

    body = OutboxMessage.objects.get(kind="item_reminder").body_text
    assert "due at 13:00 GMT (08:00 EST your time)" in body
