"""Sweep 1, the update reminder: a lead time before a status update is due, the case owner is told
who expects what by when, in the client's time and their own."""
import datetime as dt

import pytest
from django.conf import settings
from django.core import mail
from django.test import override_settings

from cases import services
from cases.models import PromiseKind, PromiseStatus
from notifications.models import OutboxMessage, OutboxStatus
from notifications.sweeps import sweep_item_reminders, sweep_outbox, sweep_update_reminders
from tests.notifications.conftest import HOUR, MIN, T0, at, log_update, planned_case


def _pending_update(case):
    return case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING)


@pytest.mark.django_db
def test_the_owner_is_reminded_fifteen_minutes_before_an_update_is_due(rep, dennis):
    case = planned_case(rep, dennis)  # hourly cadence set at 10:00: update due 11:00

    with at(T0 + 45 * MIN):
        done = sweep_update_reminders()

    assert done == 1
    row = OutboxMessage.objects.get(kind="update_reminder")
    assert row.to == [rep.email]
    promise = _pending_update(case)
    assert row.key == f"update-reminder:{promise.pk}:{int(promise.due_at.timestamp())}:{rep.pk}"
    assert row.subject == f"{case.reference}: Dennis Hale expects an update by 11:00 GMT"
    assert f"http://127.0.0.1:8000/cases/{case.reference}/" in row.body_text
    assert f'href="http://127.0.0.1:8000/cases/{case.reference}/"' in row.body_html


@pytest.mark.django_db
def test_no_reminder_before_the_lead_time(rep, dennis):
    planned_case(rep, dennis)

    with at(T0 + 44 * MIN):
        done = sweep_update_reminders()

    assert done == 0
    assert not OutboxMessage.objects.filter(kind="update_reminder").exists()


@pytest.mark.django_db
@override_settings(UPDATE_REMINDER_LEAD_MINUTES=30)
def test_the_lead_time_is_a_setting(rep, dennis):
    planned_case(rep, dennis)

    with at(T0 + 30 * MIN):
        done = sweep_update_reminders()

    assert done == 1


@pytest.mark.django_db
def test_the_reminder_shows_the_due_time_in_the_reps_own_time_zone_too(rep, dennis):
    rep.staff_profile.time_zone = "Europe/Paris"
    rep.staff_profile.save()
    planned_case(rep, dennis)

    with at(T0 + 50 * MIN):
        sweep_update_reminders()

    body = OutboxMessage.objects.get(kind="update_reminder").body_text
    assert "Dennis Hale expects an update by 11:00 GMT (12:00 CET your time)" in body


@pytest.mark.django_db
def test_run_twice_at_the_same_instant_the_reminder_is_queued_once(rep, dennis):
    case = planned_case(rep, dennis)

    with at(T0 + 46 * MIN):
        first, second = sweep_update_reminders(), sweep_update_reminders()

    assert (first, second) == (1, 0)
    assert OutboxMessage.objects.filter(kind="update_reminder").count() == 1
    assert _pending_update(case).reminded_at == T0 + 46 * MIN


@pytest.mark.django_db
def test_a_later_run_does_not_remind_again(rep, dennis):
    planned_case(rep, dennis)
    with at(T0 + 46 * MIN):
        sweep_update_reminders()

    with at(T0 + 55 * MIN):
        done = sweep_update_reminders()

    assert done == 0
    assert OutboxMessage.objects.filter(kind="update_reminder").count() == 1


@pytest.mark.django_db
def test_the_next_promise_after_an_update_gets_its_own_reminder(rep, dennis):
    case = planned_case(rep, dennis)
    with at(T0 + 46 * MIN):
        sweep_update_reminders()
    log_update(rep, case, T0 + 50 * MIN)  # kept the 11:00 slot: the next update is due 12:00

    with at(T0 + 104 * MIN):
        too_early = sweep_update_reminders()
    with at(T0 + 105 * MIN):
        done = sweep_update_reminders()

    assert too_early == 0

    assert done == 1
    assert OutboxMessage.objects.filter(kind="update_reminder").count() == 2


@pytest.mark.django_db
def test_a_short_cadence_is_not_reminded_the_moment_an_update_is_logged(rep, dennis):
    case = planned_case(rep, dennis, cadence_minutes=10)  # due 10:10, inside the 15-minute lead at once

    with at(T0 + 1 * MIN):
        too_early = sweep_update_reminders()
    with at(T0 + 5 * MIN):
        halfway = sweep_update_reminders()

    assert too_early == 0
    assert halfway == 1
    assert _pending_update(case).reminded_at == T0 + 5 * MIN


@pytest.mark.django_db
def test_a_promise_already_past_due_is_not_reminded(rep, dennis):
    planned_case(rep, dennis)

    with at(T0 + 61 * MIN):
        done = sweep_update_reminders()

    assert done == 0


@pytest.mark.django_db
def test_a_reminder_still_waiting_when_the_update_is_logged_is_taken_back_not_sent(rep, dennis):
    """Queued at 10:45; the outbox could not send it (a backlog, the mail server down) before the rep gave the
    update at 10:50: at 10:51 it no longer describes anything to do, and is withdrawn."""
    case = planned_case(rep, dennis)
    with at(T0 + 45 * MIN):
        sweep_update_reminders()
    log_update(rep, case, T0 + 50 * MIN)

    with at(T0 + 51 * MIN):
        sweep_outbox()

    assert OutboxMessage.objects.get(kind="update_reminder").status == OutboxStatus.WITHDRAWN
    assert not [m for m in mail.outbox if "expects an update" in m.subject]


@pytest.mark.django_db
def test_an_item_reminder_for_an_item_done_or_moved_since_is_taken_back_and_a_current_one_goes(rep, teammate, dennis):
    done, moved, current = (planned_case(rep, dennis, assignee=teammate) for _ in range(3))
    items = [case.action_items.get() for case in (done, moved, current)]
    lead = dt.timedelta(minutes=settings.ACTION_ITEM_REMINDER_LEAD_MINUTES)
    with at(items[0].due_at - lead + MIN):
        assert sweep_item_reminders() == 3
        services.action_item_complete(user=teammate, item=items[0])
        services.action_item_update(user=rep, item=items[1], description=items[1].description, kind=items[1].kind,
                                    assignee=teammate, due_at=items[1].due_at + 2 * HOUR, agreed_channel="phone",
                                    agreed_text="Dennis is fine with the afternoon instead")

        sweep_outbox()

    status = dict(OutboxMessage.objects.filter(kind="item_reminder").values_list("key", "status"))
    assert sorted(status.values()) == [OutboxStatus.SENT, OutboxStatus.WITHDRAWN, OutboxStatus.WITHDRAWN]
    assert [key for key, s in status.items() if s == OutboxStatus.SENT][0].startswith(f"item-reminder:{items[2].pk}:")


@pytest.mark.django_db
def test_a_reminder_queued_before_the_case_changed_hands_goes_to_the_new_owner_not_the_old(
        rep, teammate, supervisor, dennis):
    case = planned_case(rep, dennis)
    with at(T0 + 45 * MIN):
        sweep_update_reminders()
    with at(T0 + 46 * MIN):
        services.case_reassign(user=supervisor, case=case, to_user=teammate, reason="Rep is off sick from noon",
                               client_informed=True)
    with at(T0 + 47 * MIN):
        sweep_outbox()
        sweep_update_reminders()
        sweep_outbox()

    reminded = [m.to for m in mail.outbox if "expects an update" in m.subject]
    assert reminded == [[teammate.email]]


@pytest.mark.django_db
def test_the_beat_after_a_missed_update_is_reminded_and_reminded_again_once_the_late_update_re_times_it(
        rep, dennis):
    """11:00 missed; the beat after it (12:00) is reminded at 11:45; the rep's late update at 11:50 moves it
    to 12:50: the 11:45 reminder, not yet sent, is taken back, and 12:35 brings one for 12:50."""
    from notifications.sweeps import sweep_broken_promises
    case = planned_case(rep, dennis)
    with at(T0 + 61 * MIN):
        sweep_broken_promises()
    with at(T0 + 105 * MIN):
        assert sweep_update_reminders() == 1
    log_update(rep, case, T0 + 110 * MIN)

    with at(T0 + 111 * MIN):
        sweep_outbox()
    with at(T0 + 155 * MIN):
        assert sweep_update_reminders() == 1
        sweep_outbox()

    assert _pending_update(case).due_at == T0 + 170 * MIN
    statuses = sorted(OutboxMessage.objects.filter(kind="update_reminder").values_list("status", flat=True))
    assert statuses == sorted([OutboxStatus.WITHDRAWN, OutboxStatus.SENT])
