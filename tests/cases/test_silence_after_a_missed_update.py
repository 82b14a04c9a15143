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
from tests.cases.helpers import advance_to, open_case

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
