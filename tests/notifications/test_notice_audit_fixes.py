"""Four findings of an audit of the notifications, each fixed where its rule lives:

1. Sending is a wall-clock act: the outbox sends as of the clock, whatever moment it is given
   (notifications.sweeps.outbox.sending_moment), so replaying a past moment (`run_sweeps --now`) neither
   sends inside a client's quiet hours nor records a send time, or a failure's backoff, that never was.
   The other sweeps still act as of the replayed moment.
2. A notice about a case's open work that waits (coalescing) is withdrawn at send time once the work no
   longer needs it: an overdue item no longer open with that due time, a broken promise or an escalation on
   a case closed since (cases.services.automation.RECHECKED, the one table of what is re-checked). Emails to
   the client, and the notices the close itself queued, are not.
3. An item that changes hands is reminded afresh (ActionItem.give clears reminded_at): after an accepted
   hand-back the owner is reminded; given again to whoever already holds it, nobody is reminded twice.
4. A promise left on the previous owner's count by a late reassignment, when it breaks, is told to the case's
   owner now as well, who makes the late call; the supervisors read that the case owner was told."""
import datetime as dt
import smtplib
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from cases import services
from cases.models import ActionItem, ClientMessageStatus, Escalation, EscalationReason, PromiseKind, PromiseStatus
from cases.services.handoffs import tell_of_move
from notifications.models import OutboxMessage, OutboxStatus
from notifications.sweeps import sweep_broken_promises, sweep_item_reminders, sweep_outbox
from tests.cases.test_client_messages import emailed_case, row_of, send
from tests.notifications.conftest import HOUR, MIN, T0, at, planned_case, queue_notice

pytestmark = pytest.mark.django_db

UTC = dt.timezone.utc
BEFORE_QUIET = dt.datetime(2026, 3, 2, 21, 59, 30, tzinfo=UTC)  # 21:59:30 in London (GMT in March)
REPLAYED = dt.datetime(2026, 3, 2, 21, 59, 45, tzinfo=UTC)
WALL = dt.datetime(2026, 3, 2, 23, 30, tzinfo=UTC)  # inside quiet hours 22:00-07:00
NEXT_MORNING = dt.datetime(2026, 3, 3, 7, 0, tzinfo=UTC)
DUE = T0 + 3 * HOUR  # 13:00, the action item's due time
CLOSE_REASON = "The client withdrew the complaint by phone"


def _run_sweeps(*args):
    out = StringIO()
    call_command("run_sweeps", *args, stdout=out)
    return out.getvalue()


def _to(address):
    return [m for m in mail.outbox if address in m.to]


def _text(message):
    return message.body + "".join(content for content, _ in getattr(message, "alternatives", []))


# --- 1. The outbox sends as of the wall clock ----------------------------------------------------------
@pytest.fixture
def quiet_dennis(dennis):
    dennis.quiet_hours_start, dennis.quiet_hours_end = dt.time(22), dt.time(7)
    dennis.save()
    return dennis


def _email_due_before_quiet_hours(rep, client):
    """An update emailed to `client` at 21:59:30, due then (just before their quiet hours), not sent yet."""
    case = emailed_case(rep, client, when=dt.datetime(2026, 3, 2, 18, 0, tzinfo=UTC), cadence=12 * 60)
    message = send(rep, case, BEFORE_QUIET)
    assert row_of(message).next_attempt_at == BEFORE_QUIET
    return message


def test_replaying_a_moment_before_quiet_hours_does_not_send_a_client_email_inside_them(rep, quiet_dennis):
    message = _email_due_before_quiet_hours(rep, quiet_dennis)

    with at(WALL):
        _run_sweeps("--now", REPLAYED.isoformat(), "--only", "outbox")

    message.refresh_from_db()
    row = row_of(message)
    assert _to(quiet_dennis.email) == []
    assert (row.status, row.sent_at, row.next_attempt_at) == (OutboxStatus.PENDING, None, NEXT_MORNING)
    assert (message.status, message.sent_at) == (ClientMessageStatus.QUEUED, None)


def test_a_client_email_held_past_a_replay_is_recorded_sent_when_it_really_goes(rep, quiet_dennis):
    message = _email_due_before_quiet_hours(rep, quiet_dennis)
    with at(WALL):
        sweep_outbox(REPLAYED)

    with at(NEXT_MORNING + MIN):
        sweep_outbox(REPLAYED)

    message.refresh_from_db()
    assert len(_to(quiet_dennis.email)) == 1
    assert row_of(message).sent_at == message.sent_at == NEXT_MORNING + MIN


def test_a_team_notice_sent_during_a_replay_is_recorded_sent_at_the_wall_clock():
    row = queue_notice("escalation-raised:1")

    with at(T0 + 2 * HOUR):
        sweep_outbox(T0 + MIN)

    row.refresh_from_db()
    assert (row.status, row.sent_at) == (OutboxStatus.SENT, T0 + 2 * HOUR)


def test_a_failure_during_a_replay_backs_off_from_the_wall_clock(monkeypatch, settings):
    from notifications.sweeps import outbox

    def refuse(self, msg):
        raise smtplib.SMTPDataError(554, b"Message refused")

    monkeypatch.setattr(outbox._Sender, "send", refuse)
    row = queue_notice("escalation-raised:1")

    with at(T0 + 2 * HOUR):
        sweep_outbox(T0 + MIN)

    row.refresh_from_db()
    assert row.attempts == 1
    assert row.next_attempt_at == T0 + 2 * HOUR + dt.timedelta(seconds=settings.OUTBOX_BACKOFF_SECONDS)


def test_the_other_sweeps_still_act_as_of_the_replayed_moment(rep, dennis):
    case = planned_case(rep, dennis)  # its first update is due at 11:00

    with at(T0 + 3 * HOUR):
        _run_sweeps("--now", (T0 + 30 * MIN).isoformat(), "--only", "broken_promises")
        not_yet = case.promises.filter(status=PromiseStatus.BROKEN).count()
        _run_sweeps("--now", (T0 + 61 * MIN).isoformat(), "--only", "broken_promises")

    broken = case.promises.get(status=PromiseStatus.BROKEN)
    assert not_yet == 0 and broken.broken_at == T0 + 61 * MIN


def test_the_commands_help_says_delivery_goes_by_the_real_clock():
    from notifications.management.commands.run_sweeps import Command

    parser = Command().create_parser("manage.py", "run_sweeps")

    assert "Email delivery still sends as of the real clock" in " ".join(parser.format_help().split())


# --- 2. Waiting notices about work the case no longer has are withdrawn --------------------------------
def _held_notices(rep, teammate, supervisor, dennis):
    """Fran's case with Alex's item due at 13:00. Alex and Sam were each told something about the case at
    13:00, so the notices of the broken item promise at 13:01 (Alex: overdue; Sam: broken promise) wait
    for the coalescing window. Returns (case, Alex's overdue row, Sam's broken-promise row)."""
    case = planned_case(rep, dennis, assignee=teammate, item_due=3 * HOUR, cadence_minutes=600)
    with at(DUE):
        tell_of_move(case=case, people=[teammate, supervisor], actor=rep, key="news", headline="A note")
        sweep_outbox()
    with at(DUE + MIN):
        sweep_broken_promises()
    overdue = OutboxMessage.objects.get(kind="item_overdue")
    boss = OutboxMessage.objects.get(kind="promise_broken_supervisor")
    assert overdue.to == [teammate.email] and boss.to == [supervisor.email]
    assert overdue.next_attempt_at > DUE + MIN and boss.next_attempt_at > DUE + MIN  # held by coalescing
    mail.outbox.clear()
    return case, overdue, boss


def test_held_notices_about_a_case_force_closed_before_they_leave_are_withdrawn(rep, teammate, supervisor, dennis):
    case, overdue, boss = _held_notices(rep, teammate, supervisor, dennis)
    with at(DUE + 3 * MIN):
        services.case_force_close(user=supervisor, case=case, reason=CLOSE_REASON)

    with at(DUE + 15 * MIN):
        sweep_outbox()

    overdue.refresh_from_db()
    boss.refresh_from_db()
    assert (overdue.status, boss.status) == (OutboxStatus.WITHDRAWN, OutboxStatus.WITHDRAWN)
    texts = [_text(m) for m in mail.outbox]
    assert not any("Finish it and mark it done" in t or "open in your queue" in t for t in texts)


@pytest.mark.parametrize("reopened", [False, True])
def test_an_escalation_notice_not_yet_sent_when_the_case_is_closed_is_withdrawn(rep, supervisor, dennis, reopened):
    """Reopened since, too: the close resolved the escalation and a reopen does not open it again, so "open
    in your queue" has nothing to open (a doubt of an earlier note: only a case still closed withdrew it)."""
    case = planned_case(rep, dennis)
    with at(T0 + MIN):
        services.escalation_raise(user=rep, case=case, reason=EscalationReason.NO_PLAN,
                                  note="The host will not say when the server is back")
    with at(T0 + 2 * MIN):
        services.case_force_close(user=supervisor, case=case, reason=CLOSE_REASON)
        if reopened:
            services.case_reopen(user=supervisor, case=case, reason="The client rang: the site is down again")

    with at(T0 + 3 * MIN):
        sweep_outbox()

    assert OutboxMessage.objects.get(kind="escalation_raised").status == OutboxStatus.WITHDRAWN


def test_a_held_overdue_notice_is_withdrawn_once_the_item_is_done(rep, teammate, supervisor, dennis):
    case, overdue, boss = _held_notices(rep, teammate, supervisor, dennis)
    with at(DUE + 3 * MIN):
        services.action_item_complete(user=teammate, item=case.action_items.get())

    with at(DUE + 15 * MIN):
        sweep_outbox()

    overdue.refresh_from_db()
    boss.refresh_from_db()
    assert overdue.status == OutboxStatus.WITHDRAWN
    assert boss.status == OutboxStatus.SENT  # the case is open: the broken promise is still news to Sam


def test_the_notices_a_close_itself_queues_are_sent(rep, teammate, supervisor, dennis):
    """The close broke the promises already due: those notices ("nothing left to chase") were queued by the
    close, at the very instant it closed the case on the frozen clock, and go."""
    case = planned_case(rep, dennis, assignee=teammate, item_due=3 * HOUR)
    with at(DUE + 5 * MIN):
        services.case_force_close(user=supervisor, case=case, reason=CLOSE_REASON)

    with at(DUE + 30 * MIN):  # past every coalescing window
        sweep_outbox()

    rows = OutboxMessage.objects.filter(kind__in=["promise_broken", "promise_broken_supervisor"])
    assert rows.count() == 4 and set(rows.values_list("status", flat=True)) == {OutboxStatus.SENT}


def test_an_email_to_the_client_is_never_withdrawn_by_the_send_time_check(rep, supervisor, dennis):
    """Only notices to staff about open work are re-checked: an email to the client still waiting when the case
    closes (here one the close did not take back) goes."""
    case = planned_case(rep, dennis)
    with at(T0):
        row = OutboxMessage.objects.create(
            key="client-message:closing", kind="client_message", to=[dennis.email], subject="Your case is closed",
            body_text="We have closed your case.", case=case, from_email="Support <support@cases.example>")
    with at(T0 + 5 * MIN):
        services.case_force_close(user=supervisor, case=case, reason=CLOSE_REASON)

    with at(T0 + 6 * MIN):
        sweep_outbox()

    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT and len(_to(dennis.email)) == 1


# --- 3. An item that changes hands is reminded afresh -------------------------------------------------
def test_after_an_accepted_hand_back_the_owner_is_reminded_instead(rep, teammate, dennis):
    case = planned_case(rep, dennis, assignee=teammate, item_due=3 * HOUR, cadence_minutes=600)
    item = case.action_items.get()
    with at(DUE - 50 * MIN):
        sweep_item_reminders()  # Alex reminded; the outbox is behind
    with at(DUE - 45 * MIN):
        services.action_item_hand_back(user=teammate, item=item, note="I am off sick this afternoon")
        services.action_item_answer_hand_back(user=rep, item=item, accept=True)

    with at(DUE - 40 * MIN):
        sweep_item_reminders()
        sweep_outbox()

    reminders = {row.to[0]: row.status for row in OutboxMessage.objects.filter(kind="item_reminder")}
    item.refresh_from_db()
    assert reminders == {teammate.email: OutboxStatus.WITHDRAWN, rep.email: OutboxStatus.SENT}
    assert item.reminded_at == DUE - 40 * MIN
    assert len([m for m in _to(rep.email) if "your action item is due" in m.subject]) == 1


def test_giving_an_item_to_someone_new_clears_its_reminder_marker(rep, teammate):
    item = ActionItem(assignee=teammate, reminded_at=T0)

    item.give(rep, by=rep, now=T0 + MIN)

    assert item.reminded_at is None and item.assignee == rep


def test_giving_an_item_again_to_whoever_holds_it_keeps_its_reminder_marker(rep, teammate):
    item = ActionItem(assignee=teammate, reminded_at=T0)

    item.give(teammate, by=rep, now=T0 + MIN)

    assert item.reminded_at == T0


# --- 4. A promise left on the previous owner's count tells the new owner too ---------------------------
@pytest.fixture
def broken_after_late_reassignment(rep, teammate, supervisor, dennis, settings):
    """Fran's case reassigned to Alex two minutes before its 11:00 update (inside HANDOVER_MIN_MINUTES, so the
    promise stays on Fran's count); the update is missed and broken at 11:01. Returns (case, promise)."""
    settings.HANDOVER_MIN_MINUTES = 60
    case = planned_case(rep, dennis)
    update = case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING)
    with at(update.due_at - 2 * MIN):
        services.case_reassign(user=supervisor, case=case, to_user=teammate, reason="Fran is off sick from now",
                               client_informed=True)
    with at(update.due_at + MIN):
        sweep_broken_promises()
    update.refresh_from_db()
    return case, update


def test_a_promise_broken_after_a_late_reassignment_is_told_to_the_new_owner_too(
        broken_after_late_reassignment, rep, teammate, dennis):
    case, update = broken_after_late_reassignment

    to_new_owner = OutboxMessage.objects.get(key=f"promise-broken:{update.pk}:case-owner")

    assert to_new_owner.to == [teammate.email]
    assert f"Contact {dennis.name} now" in to_new_owner.body_text
    assert "Fran Lindqvist held this promise when it fell due" in to_new_owner.body_text
    assert f"the call to {dennis.name} is yours" in to_new_owner.body_html
    assert f"You own {case.reference}." in to_new_owner.body_html


def test_the_previous_owner_still_holds_the_count_and_is_told_the_call_is_the_new_owners(
        broken_after_late_reassignment, rep, teammate, dennis):
    case, update = broken_after_late_reassignment

    to_holder = OutboxMessage.objects.get(key=f"promise-broken:{update.pk}:owner")

    escalation = Escalation.objects.get(promise=update, reason=EscalationReason.BROKEN_PROMISE)
    assert update.owner == rep and escalation.case_owner == rep
    assert to_holder.to == [rep.email]
    assert "so it counts for you" in to_holder.body_text
    assert f"Alex Moreau owns the case now\nand has been told too: the call to {dennis.name} is theirs" in (
        to_holder.body_text)
    assert f"Contact {dennis.name} now" not in to_holder.body_text
    assert f"Contact {dennis.name} now" not in to_holder.body_html


def test_the_supervisor_reads_that_the_case_owner_was_told(broken_after_late_reassignment, rep, teammate, supervisor):
    case, update = broken_after_late_reassignment

    boss = OutboxMessage.objects.get(key=f"promise-broken:{update.pk}:supervisors")

    assert boss.to == [supervisor.email]
    assert "Held by: Fran Lindqvist (case owner: Alex Moreau)" in boss.body_text
    assert "Alex Moreau, the case owner, has been told to contact the client now." in boss.body_text
