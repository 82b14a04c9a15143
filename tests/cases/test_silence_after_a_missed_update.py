"""The update rhythm goes on through a silence: when a status update breaks, the next beat opens a
cadence after the missed deadline (Promise.after_missed), so every beat the client does not hear from us is
one more broken promise, not one for the whole silence. One escalation stands for a run of missed updates
while it is open. The rep's first update after a miss is the late one it was: it records the late
fulfilment and the rhythm starts again from it, exactly as before, whether the sweep or the rep's own update
noticed the miss first."""
import datetime as dt

import pytest
import time_machine

from cases import services
from cases.models import Channel, EscalationReason, Mood, PromiseKind, PromiseStatus, Step
from notifications.sweeps import sweep_broken_promises
from tests.cases.helpers import advance_to, meet_gate, open_case

T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone.utc)  # a Monday; the cadence is hourly
MIN = dt.timedelta(minutes=1)


def at(moment):
    return time_machine.travel(moment, tick=False)


def in_manage_anxiety(rep, client):
    with at(T0):
        return advance_to(open_case(rep, client), Step.MANAGE_ANXIETY, rep)


def sweep_every_few_minutes(until, start=T0):
    moment = start
    while moment <= until:
        with at(moment):
            sweep_broken_promises()
        moment += 7 * MIN


def log(rep, case, moment, **kw):
    with at(moment):
        return services.status_update_log(user=rep, case=case, summary="Mail back in 2 hours",
                                          channel=Channel.PHONE, client_mood=Mood.ANXIOUS, **kw)


def missed_update_escalations(case):
    return case.escalations.filter(reason=EscalationReason.BROKEN_PROMISE,
                                   promise__kind=PromiseKind.STATUS_UPDATE).count()


def updates(case):
    return case.promises.filter(kind=PromiseKind.STATUS_UPDATE)


@pytest.mark.django_db
def test_five_hours_of_silence_on_an_hourly_rhythm_are_five_broken_promises_and_one_escalation(rep, dennis):
    case = in_manage_anxiety(rep, dennis)

    sweep_every_few_minutes(until=T0 + 5 * 60 * MIN + 30 * MIN)

    broken = updates(case).filter(status=PromiseStatus.BROKEN).order_by("due_at")
    assert [p.due_at for p in broken] == [T0 + h * 60 * MIN for h in range(1, 6)]
    waiting = updates(case).get(status=PromiseStatus.PENDING)
    assert waiting.due_at == T0 + 6 * 60 * MIN and waiting.after_missed
    assert missed_update_escalations(case) == 1  # (the plan's item and estimate broke too, each escalated)


@pytest.mark.django_db
def test_the_first_update_after_the_silence_is_the_late_one_and_restarts_the_rhythm(rep, dennis):
    case = in_manage_anxiety(rep, dennis)
    sweep_every_few_minutes(until=T0 + 2 * 60 * MIN + 30 * MIN)  # the 11:00 and 12:00 updates missed

    log(rep, case, T0 + 2 * 60 * MIN + 40 * MIN)

    latest_missed = updates(case).get(due_at=T0 + 2 * 60 * MIN)
    assert latest_missed.status == PromiseStatus.BROKEN and latest_missed.kept_at == T0 + 2 * 60 * MIN + 40 * MIN
    waiting = updates(case).get(status=PromiseStatus.PENDING)
    assert waiting.due_at == T0 + 3 * 60 * MIN + 40 * MIN and not waiting.after_missed  # a cadence after it
    assert updates(case).filter(status=PromiseStatus.KEPT).count() == 0  # it kept nothing on time


@pytest.mark.django_db
def test_an_escalation_resolved_during_the_silence_lets_the_next_miss_escalate_again(rep, supervisor, dennis):
    case = in_manage_anxiety(rep, dennis)
    sweep_every_few_minutes(until=T0 + 60 * MIN + 10 * MIN)
    escalation = case.escalations.get(reason=EscalationReason.BROKEN_PROMISE,
                                      promise__kind=PromiseKind.STATUS_UPDATE)
    with at(T0 + 80 * MIN):
        services.escalation_resolve(user=supervisor, escalation=escalation, resolution="Called the rep: on it now")

    sweep_every_few_minutes(start=T0 + 84 * MIN, until=T0 + 2 * 60 * MIN + 10 * MIN)

    assert missed_update_escalations(case) == 2


def ledger(case):
    return sorted((p.due_at, p.status, p.kept_at, p.after_missed) for p in updates(case))


@pytest.mark.django_db
@pytest.mark.parametrize("late_by", [5, 50])
def test_an_update_after_a_miss_leaves_the_same_ledger_whether_or_not_the_sweep_got_there_first(
        late_by, rep, dennis):
    swept, unswept = in_manage_anxiety(rep, dennis), in_manage_anxiety(rep, dennis)
    with at(T0 + 60 * MIN + MIN):
        services.promise_break(promise=updates(swept).get(status=PromiseStatus.PENDING))  # the sweep, on one

    log(rep, swept, T0 + (60 + late_by) * MIN)
    log(rep, unswept, T0 + (60 + late_by) * MIN)

    assert ledger(swept) == ledger(unswept)
    assert ledger(swept)[-1] == (T0 + (120 + late_by) * MIN, PromiseStatus.PENDING, None, False)
    assert [c.escalations.count() for c in (swept, unswept)] == [1, 1]


@pytest.mark.django_db
def test_a_silence_nobody_could_see_breaks_once_and_the_next_beat_is_a_cadence_from_when_it_was_seen(rep, dennis):
    """The worker was down from 10:30 to 13:10: the 11:00 update breaks when the sweep runs again, and the
    next beat is 14:10, not 12:00 and 13:00 broken at once with their emails."""
    case = in_manage_anxiety(rep, dennis)

    with at(T0 + 3 * 60 * MIN + 10 * MIN):
        sweep_broken_promises()
        sweep_broken_promises()

    assert updates(case).filter(status=PromiseStatus.BROKEN).count() == 1
    assert updates(case).get(status=PromiseStatus.PENDING).due_at == T0 + 4 * 60 * MIN + 10 * MIN


# --- found by review: the beat through every other path ------------------------------------------------
def sweep(moment):
    with at(moment):
        sweep_broken_promises()


def pending(case):
    return updates(case).get(status=PromiseStatus.PENDING)


def after_the_11_oclock_miss(rep, client, *, swept):
    """A case whose 11:00 update was missed, seen by the sweep at 11:01 (`swept`) or not yet."""
    case = in_manage_anxiety(rep, client)
    if swept:
        sweep(T0 + 61 * MIN)
    return case


@pytest.mark.django_db
@pytest.mark.parametrize("swept", [False, True])
def test_resolving_right_after_a_missed_update_keeps_nothing_whoever_saw_the_miss(swept, rep, dennis):
    """The delivery call answers the miss, late: the beat after it is withdrawn, not kept."""
    with at(T0):
        case = advance_to(open_case(rep, dennis), Step.DELIVER, rep)
    if swept:
        sweep(T0 + 61 * MIN)
    with at(T0 + 90 * MIN):
        services.case_transition(user=rep, case=meet_gate(case, rep), name="complete_deliver")

    assert updates(case).filter(status=PromiseStatus.BROKEN).count() == 1
    assert not updates(case).filter(status=PromiseStatus.KEPT).exists()


@pytest.mark.django_db
def test_a_second_silence_after_the_rep_came_back_is_escalated_again(rep, dennis):
    case = in_manage_anxiety(rep, dennis)
    sweep(T0 + 61 * MIN)  # 11:00 missed and escalated; the escalation stays open in the queue
    log(rep, case, T0 + 70 * MIN)  # the late update: the rhythm restarts, next due 12:10
    sweep(T0 + 131 * MIN)  # 12:10 missed: a new silence

    assert missed_update_escalations(case) == 2


@pytest.mark.django_db
def test_the_new_owners_own_silence_is_escalated_on_them(rep, other_rep, supervisor, dennis):
    case = in_manage_anxiety(rep, dennis)
    sweep(T0 + 61 * MIN)  # the rep's 11:00 missed; beat 12:00
    with at(T0 + 65 * MIN):
        services.case_reassign(user=supervisor, case=case, to_user=other_rep, reason="Rep is off sick today",
                               client_informed=True)
    sweep(T0 + 121 * MIN)  # the 12:00 beat, left with the rep (within HANDOVER_MIN_MINUTES), missed
    sweep(T0 + 181 * MIN)  # the teammate's 13:00 missed

    counted_for = set(case.escalations.filter(promise__kind=PromiseKind.STATUS_UPDATE)
                      .values_list("case_owner", flat=True))
    assert counted_for == {rep.pk, other_rep.pk}


@pytest.mark.django_db
def test_renegotiating_the_beat_does_not_turn_the_late_update_into_a_kept_promise(rep, dennis):
    case = in_manage_anxiety(rep, dennis)
    sweep(T0 + 61 * MIN)
    with at(T0 + 65 * MIN):
        services.promise_renegotiate(user=rep, promise=pending(case), new_due_at=T0 + 125 * MIN,
                                     agreed_channel=Channel.PHONE, agreed_text="Yes call me by five past twelve")
    log(rep, case, T0 + 70 * MIN)

    assert updates(case).get(due_at=T0 + 60 * MIN).kept_at == T0 + 70 * MIN  # the late one
    assert not updates(case).filter(status=PromiseStatus.KEPT).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("swept", [False, True])
def test_renegotiating_right_after_a_miss_counts_the_same_whoever_saw_it(swept, rep, dennis):
    case = after_the_11_oclock_miss(rep, dennis, swept=swept)
    with at(T0 + 65 * MIN):
        services.promise_renegotiate(user=rep, promise=pending(case), new_due_at=T0 + 150 * MIN,
                                     agreed_channel=Channel.PHONE, agreed_text="Yes call me by half past twelve")

    assert updates(case).filter(status=PromiseStatus.RENEGOTIATED).count() == 1  # the beat, moved with agreement
    assert (pending(case).due_at, pending(case).after_missed) == (T0 + 150 * MIN, True)


@pytest.mark.django_db
@pytest.mark.parametrize("swept", [False, True])
def test_force_close_then_reopen_after_a_miss_leaves_the_same_ledger_whoever_saw_it(swept, rep, supervisor, dennis):
    case = after_the_11_oclock_miss(rep, dennis, swept=swept)
    with at(T0 + 65 * MIN):
        case = services.case_transition(user=supervisor, case=case, name="force_close",
                                        reason="Client moved to another provider entirely")
    with at(T0 + 70 * MIN):
        case = services.case_transition(user=supervisor, case=case, name="reopen",
                                        reason="Client came back, still needs the mail fixed")
    log(rep, case, T0 + 75 * MIN)

    assert updates(case).get(due_at=T0 + 60 * MIN).kept_at == T0 + 75 * MIN  # the late one, either way
    assert not updates(case).filter(status=PromiseStatus.KEPT).exists()
    assert pending(case).due_at == T0 + 135 * MIN


@pytest.mark.django_db
@pytest.mark.parametrize("swept", [False, True])
def test_a_denser_cadence_right_after_a_miss_needs_no_agreement_and_counts_nothing(swept, rep, dennis):
    case = after_the_11_oclock_miss(rep, dennis, swept=swept)
    with at(T0 + 65 * MIN):
        services.cadence_set(user=rep, case=case, minutes=30, channel=Channel.PHONE)

    assert not updates(case).filter(status=PromiseStatus.RENEGOTIATED).exists()
    assert (pending(case).due_at, pending(case).after_missed) == (T0 + 95 * MIN, True)


@pytest.mark.django_db
def test_a_same_cadence_set_again_does_not_push_the_beat_later(rep, dennis):
    case = in_manage_anxiety(rep, dennis)
    sweep(T0 + 61 * MIN)  # beat at 12:00
    with at(T0 + 115 * MIN):  # about to miss it again
        services.cadence_set(user=rep, case=case, minutes=60, channel=Channel.EMAIL)

    assert pending(case).due_at == T0 + 120 * MIN


@pytest.mark.django_db
def test_a_re_timed_beat_on_a_short_cadence_is_not_reminded_minutes_after_the_late_update(rep, dennis):
    """As a freshly opened update: reminded no earlier than half its span after the late update."""
    from notifications.sweeps import sweep_update_reminders
    case = in_manage_anxiety(rep, dennis)
    with at(T0):
        services.cadence_set(user=rep, case=case, minutes=20, channel=Channel.PHONE,
                             agreed_channel=Channel.PHONE, agreed_text="Every twenty minutes suits me")
    first = pending(case).due_at  # 10:20
    sweep(first + MIN)  # broken; the beat opened at 10:21, due 10:40
    log(rep, case, first + 18 * MIN)  # 10:38, the late update: re-timed to 10:58

    with at(first + 23 * MIN):  # 10:43
        assert sweep_update_reminders() == 0
    with at(first + 28 * MIN):  # 10:48, half its span on
        assert sweep_update_reminders() == 1
