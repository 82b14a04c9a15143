"""An emailed status update that never reached the client (withdrawn before it left, bounced, given up on)
is undone in the ledger as if it had never been logged (cases.services.updates_undone.status_update_not_given).
Found by an audit, each of these left the ledger otherwise:

- the late update of a missed one had moved the beat after the miss; taken back, the beat stayed moved, so a
  late update emailed and withdrawn just before each beat made a whole silence one broken promise;
- a call given after the email counted as an extra beside it, and still did once the email failed: the
  promise broke although the client was called before its deadline, and the count depended on whether the
  email failed before or after the call;
- on a case resolved meanwhile the promise stood pending again where no sweep acts;
- a beat the update opened and a new cadence moved stayed renegotiated, for a promise the client never held.

Cadence 60 min, T0 10:00, the first update due at 11:00."""
import datetime as dt

import pytest

from cases import services
from cases.models import CaseEvent, Channel, Escalation, PromiseKind, PromiseStatus, Step
from cases.services.client_messages import client_message_bounced
from tests.cases.helpers import advance_to
from tests.cases.test_client_messages import HOUR, MIN, T0, UPDATE, at, deliver_at, emailed_case, send
from tests.cases.test_client_survey_owed import details
from tests.cases.test_withdrawn_update_not_kept import EVENING, SEVEN_AM, THREE_AM

pytestmark = pytest.mark.django_db
BOUNCE = "550 No such mailbox"


def ups(case):
    return case.promises.filter(kind=PromiseKind.STATUS_UPDATE).order_by("due_at", "id")


def counts(case):
    return (ups(case).filter(status=PromiseStatus.KEPT).count(), ups(case).filter(status=PromiseStatus.BROKEN).count())


def phone(rep, case, moment):
    with at(moment):
        return services.status_update_log(user=rep, case=case, summary=UPDATE, channel=Channel.PHONE,
                                          client_mood="anxious")


def bounce(message, moment):
    with at(moment):
        client_message_bounced(message_ids=[message.message_id], reason=BOUNCE, at=moment)


def new_address(rep, client, case, moment, email):
    with at(moment):
        client.refresh_from_db()
        services.client_update(user=rep, client=client, case=case, **details(client, email))


# 1. The late update of a missed one, taken back: the beat after the miss is where the sweep had it.
def test_a_late_update_taken_back_puts_the_beat_back_and_each_silent_hour_breaks_one(rep, dennis):
    case = emailed_case(rep, dennis)
    missed = ups(case).get(status=PromiseStatus.PENDING)
    with at(T0 + HOUR + MIN):
        services.promise_break(promise=missed)
    addresses = ["dennis.other@example.org", dennis.email]
    for hour in range(3):
        beat = ups(case).get(status=PromiseStatus.PENDING)
        deadline = beat.due_at
        assert beat.after_missed and deadline == T0 + (2 + hour) * HOUR
        send(rep, case, deadline - 5 * MIN)  # the late update, by email: the beat moves to 12:55
        new_address(rep, dennis, case, deadline - 3 * MIN, addresses[hour % 2])  # and it is taken back
        beat.refresh_from_db()
        assert (beat.status, beat.due_at, beat.after_missed) == (PromiseStatus.PENDING, deadline, True)
        with at(deadline + MIN):
            assert services.promise_break(promise=beat) is not None  # the sweep breaks it where it was due
    missed.refresh_from_db()
    assert missed.status == PromiseStatus.BROKEN and missed.kept_at is None
    assert counts(case) == (0, 4)  # four silent hours, four broken promises


def test_a_late_update_bouncing_after_the_beats_deadline_breaks_the_beat_once(rep, dennis):
    case = emailed_case(rep, dennis)
    with at(T0 + HOUR + MIN):
        services.promise_break(promise=ups(case).get(status=PromiseStatus.PENDING))
    beat = ups(case).get(status=PromiseStatus.PENDING)
    message = send(rep, case, T0 + 115 * MIN)
    deliver_at(T0 + 116 * MIN)

    bounce(message, T0 + 2 * HOUR + 10 * MIN)  # the beat was due at 12:00

    beat.refresh_from_db()
    assert beat.status == PromiseStatus.BROKEN and beat.due_at == T0 + 2 * HOUR
    assert CaseEvent.objects.filter(case=case, verb="promise broken", data__promise=beat.pk).count() == 1
    after = ups(case).get(status=PromiseStatus.PENDING)
    assert after.after_missed and after.due_at > T0 + 2 * HOUR + 10 * MIN


# 2. A call after the email kept the beat the email opened: the same ledger whichever came first.
def _bounce_and_call(rep, dennis, bounce_first):
    case = emailed_case(rep, dennis)
    p = ups(case).get(status=PromiseStatus.PENDING)
    message = send(rep, case, T0 + 50 * MIN)
    deliver_at(T0 + 51 * MIN)
    if bounce_first:
        bounce(message, T0 + 52 * MIN)
        with at(T0 + HOUR + MIN):
            services.promise_break(promise=p)
    phone(rep, case, T0 + 85 * MIN)
    if not bounce_first:
        bounce(message, T0 + 90 * MIN)
    p.refresh_from_db()
    pending = ups(case).get(status=PromiseStatus.PENDING)
    return counts(case), p.kept_at, (pending.due_at, pending.after_missed)


def test_a_bounce_before_or_after_a_later_call_gives_the_same_ledger(rep, dennis):
    """Bounced first, the promise broke and the 11:25 call was its late update; bounced after the call (which had
    kept the beat the email opened), the call is that late update all the same: nothing kept, one broken."""
    expected = ((0, 1), T0 + 85 * MIN, (T0 + 145 * MIN, False))
    assert _bounce_and_call(rep, dennis, bounce_first=False) == expected
    assert _bounce_and_call(rep, dennis, bounce_first=True) == expected


# 3. A call that was an extra only beside the email keeps the promise once the email fails.
def test_a_call_before_the_deadline_keeps_the_promise_when_the_email_beside_it_bounces(rep, dennis):
    case = emailed_case(rep, dennis)
    p = ups(case).get(status=PromiseStatus.PENDING)
    message = send(rep, case, T0 + 50 * MIN)
    deliver_at(T0 + 51 * MIN)
    call = phone(rep, case, T0 + 55 * MIN)
    assert call.extra

    bounce(message, T0 + 57 * MIN)

    p.refresh_from_db()
    call.refresh_from_db()
    assert (p.status, p.kept_at) == (PromiseStatus.KEPT, T0 + 55 * MIN) and call.kept_promise == p
    beat = ups(case).get(status=PromiseStatus.PENDING)
    assert beat.due_at == T0 + 2 * HOUR and call.opened_promise == beat
    assert phone(rep, case, T0 + 58 * MIN).extra  # one kept promise per beat still
    with at(T0 + HOUR + MIN):
        assert services.promise_break(promise=p) is None
    assert counts(case) == (1, 0)


def test_the_call_keeps_it_even_when_the_bounce_comes_after_the_deadline(rep, dennis):
    case = emailed_case(rep, dennis)
    p = ups(case).get(status=PromiseStatus.PENDING)
    message = send(rep, case, T0 + 50 * MIN)
    deliver_at(T0 + 51 * MIN)
    phone(rep, case, T0 + 55 * MIN)

    bounce(message, T0 + 70 * MIN)

    p.refresh_from_db()
    assert (p.status, p.kept_at) == (PromiseStatus.KEPT, T0 + 55 * MIN)
    assert counts(case) == (1, 0) and not Escalation.objects.filter(case=case).exists()


# 4. The email bounces after the case was resolved: settled as the close would have settled it.
def _resolved_after_email(rep, dennis, resolved_at=T0 + 53 * MIN):
    case = emailed_case(rep, dennis)
    with at(T0 + 10 * MIN):
        case = advance_to(case, Step.DELIVER, rep)
    p = ups(case).get(status=PromiseStatus.PENDING)
    message = send(rep, case, T0 + 50 * MIN)
    deliver_at(T0 + 51 * MIN)
    with at(resolved_at):
        case = advance_to(case, Step.RESOLVED, rep)
    return case, p, message


@pytest.mark.parametrize("when", [55 * MIN, 2 * HOUR], ids=["before-the-deadline", "after-the-deadline"])
def test_a_bounce_after_the_case_was_resolved_lets_the_delivery_call_keep_the_promise(rep, dennis, when):
    case, p, message = _resolved_after_email(rep, dennis)

    bounce(message, T0 + when)

    p.refresh_from_db()
    case.refresh_from_db()
    assert case.step == Step.RESOLVED
    assert (p.status, p.kept_at) == (PromiseStatus.KEPT, case.resolved_at)
    assert not ups(case).filter(status=PromiseStatus.PENDING).exists()
    assert case.next_promise_due_at != p.due_at and case.open_escalation_count == 0
    assert counts(case) == (1, 0)


def test_a_bounce_after_a_close_past_the_deadline_breaks_it_with_no_open_escalation(rep, dennis):
    # Resolved at 11:10: the next beat (12:00) is not due, and the delivery call keeps no second one.
    case, p, message = _resolved_after_email(rep, dennis, resolved_at=T0 + 70 * MIN)

    bounce(message, T0 + 80 * MIN)

    p.refresh_from_db()
    case.refresh_from_db()
    assert p.status == PromiseStatus.BROKEN and p.kept_at is None
    assert case.step == Step.RESOLVED and case.open_escalation_count == 0
    assert not ups(case).filter(status=PromiseStatus.PENDING).exists()
    assert counts(case) == (0, 1)


# 5. A beat the update opened, moved by a new cadence: the whole chain is taken back.
def test_a_new_cadence_after_a_held_update_taken_back_moves_the_promise_owed_again(rep, dennis):
    dennis.quiet_hours_start, dennis.quiet_hours_end = dt.time(22), dt.time(7)
    dennis.save()
    case = emailed_case(rep, dennis, when=EVENING, cadence=12 * 60)
    p = ups(case).get(status=PromiseStatus.PENDING)
    send(rep, case, THREE_AM)  # keeps the 07:00 promise, opens 19:00
    said = "Dennis asked to hear from us every six hours from now on"
    with at(THREE_AM + 10 * MIN):
        services.cadence_set(user=rep, case=case, minutes=6 * 60, channel=Channel.EMAIL, agreed_channel="phone",
                             agreed_text=said)

    new_address(rep, dennis, case, THREE_AM + 20 * MIN, "dennis.h@example.org")

    p.refresh_from_db()
    assert p.due_at == SEVEN_AM and p.status == PromiseStatus.RENEGOTIATED and p.kept_at is None
    # Only the promise the client held is in the ledger, moved as the new cadence moved it at 03:10.
    assert list(ups(case).values_list("pk", "status")) == [
        (p.pk, PromiseStatus.RENEGOTIATED), (p.replaced_by.pk, PromiseStatus.PENDING)]
    moved = p.replaced_by
    assert moved.due_at == THREE_AM + 10 * MIN + 6 * HOUR and moved.agreed_text == said and moved.moved_count == 1


# The late update of a missed one, emailed and bouncing only after the case closed: the beat after the miss is
# settled as the close would have settled it had the update never been logged (found by an audit: kept by the
# delivery call, or withdrawn by an override, for a beat the client was never answered on).
def _late_update_then_close(rep, supervisor, dennis, *, bounce_before_close, force):
    case = emailed_case(rep, dennis)
    with at(T0 + 10 * MIN):
        case = advance_to(case, Step.DELIVER, rep)
    missed = ups(case).get(status=PromiseStatus.PENDING)  # due 11:00
    with at(T0 + HOUR + MIN):
        services.promise_break(promise=missed)  # the beat after it opens, due 12:00
    beat = ups(case).get(status=PromiseStatus.PENDING)
    message = send(rep, case, T0 + 110 * MIN)  # 11:50: the late update moves the beat to 12:50
    deliver_at(T0 + 111 * MIN)
    if bounce_before_close:
        bounce(message, T0 + 140 * MIN)
    with at(T0 + 150 * MIN):
        if force:
            services.case_force_close(user=supervisor, case=case,
                                      reason="The client moved to another provider entirely")
        else:
            case = advance_to(case, Step.RESOLVED, rep)
    if not bounce_before_close:
        bounce(message, T0 + 160 * MIN)
    beat.refresh_from_db()
    return counts(case), beat.status, beat.due_at


@pytest.mark.parametrize("force", [False, True], ids=["resolved", "force-closed"])
def test_a_late_update_bouncing_after_the_close_leaves_the_ledger_a_bounce_before_it_leaves(
        rep, supervisor, dennis, force):
    before = _late_update_then_close(rep, supervisor, dennis, bounce_before_close=True, force=force)
    after = _late_update_then_close(rep, supervisor, dennis, bounce_before_close=False, force=force)

    assert before == after == ((0, 2), PromiseStatus.BROKEN, T0 + 2 * HOUR)
