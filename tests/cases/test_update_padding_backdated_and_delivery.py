"""One kept promise per beat of the update rhythm, however the updates are dated or the case is closed
(found by a padding audit). An update less than half an interval after the previous one is an extra
contact; the half-interval runs from when the previous update was logged, not from the time it was dated
to, so backdating one update cannot make a quick second one keep the next beat. The delivery call settles
a pending update promise only when an update logged at that moment would keep it: one minute after an
update, the next beat has not started, and it is withdrawn (counted neither kept nor broken)."""
import datetime as dt

import pytest

from cases import services
from cases.models import Channel, Mood, PromiseKind, PromiseStatus, Step
from cases.selectors import promise_keeping_rate, promises_for_rate
from tests.factories import ClientFactory
from tests.cases.helpers import advance_to, meet_gate, open_case

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # a Monday; the cadence is hourly, first update due 10:00
M = dt.timedelta(minutes=1)
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def _log(rep, case, **kw):
    return services.status_update_log(user=rep, case=case, summary="Mail back within two hours",
                                      channel=Channel.PHONE, client_mood=Mood.ANXIOUS, **kw)


def _updates(case):
    return case.promises.filter(kind=PromiseKind.STATUS_UPDATE)


def _pending(case):
    return _updates(case).get(status=PromiseStatus.PENDING)


def test_backdated_late_update_lets_a_quick_second_one_keep_the_next_beat(rep, dennis, frozen):
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    missed = _pending(case)  # due 10:00
    frozen.move_to(missed.due_at + 10 * M)
    _log(rep, case, given_at=missed.due_at - 15 * M)  # 10:10, dated 09:45: the late answer to the miss
    beat = _pending(case)
    assert beat.due_at == missed.due_at + 70 * M  # the rhythm restarts from 10:10

    frozen.shift(6 * M)
    second = _log(rep, case)  # 10:16: the client heard from us six minutes ago

    assert second.extra and second.kept_promise is None
    assert _pending(case).pk == beat.pk and _pending(case).due_at == beat.due_at
    assert not _updates(case).filter(status=PromiseStatus.KEPT).exists()


def test_an_on_time_update_dated_back_keeps_its_slot_but_not_the_next_one_minutes_later(rep, dennis, frozen):
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    slot = _pending(case)  # due 10:00
    frozen.move_to(slot.due_at - 5 * M)
    first = _log(rep, case, given_at=slot.due_at - 35 * M)  # a call at 09:25, logged at 09:55: keeps 10:00
    slot.refresh_from_db()
    assert not first.extra and slot.status == PromiseStatus.KEPT
    nxt = _pending(case)
    assert nxt.due_at == slot.due_at + 60 * M

    frozen.move_to(slot.due_at + M)
    second = _log(rep, case)  # 10:01, six minutes after the first was logged

    assert second.extra
    assert _pending(case).pk == nxt.pk
    assert _updates(case).filter(status=PromiseStatus.KEPT).count() == 1


def _resolved_after_an_update(rep, client, frozen, *, minutes_after):
    """A case in deliver whose 10:00 update was given at 09:55 (the 11:00 one opened), resolved
    `minutes_after` the update."""
    frozen.move_to(NOW)
    case = advance_to(open_case(rep, client), Step.DELIVER, rep)
    slot = _pending(case)
    frozen.move_to(slot.due_at - 5 * M)
    _log(rep, case)
    nxt = _pending(case)
    frozen.shift(minutes_after * M)
    services.case_transition(user=rep, case=meet_gate(case, rep), name="complete_deliver")
    nxt.refresh_from_db()
    return case, nxt


def test_the_delivery_call_keeps_the_next_update_only_when_an_update_then_would(rep, dennis, frozen):
    soon, beat = _resolved_after_an_update(rep, dennis, frozen, minutes_after=1)  # 09:56: 11:00 not begun

    assert beat.status == PromiseStatus.WITHDRAWN and beat.kept_at is None
    assert _updates(soon).filter(status=PromiseStatus.KEPT).count() == 1
    assert soon.events.filter(verb="promise withdrawn", data__promise=beat.pk).exists()
    rate = promises_for_rate(owner=rep).filter(case=soon, kind=PromiseKind.STATUS_UPDATE)
    assert promise_keeping_rate(rate) == 1.0 and rate.filter(status__in=["kept", "broken"]).count() == 1

    # A delivery call inside the next beat's interval, half an interval on, keeps it as before.
    later, kept = _resolved_after_an_update(rep, ClientFactory(name="Maria", time_zone="Europe/London"), frozen,
                                            minutes_after=40)  # 10:35
    assert kept.status == PromiseStatus.KEPT
    assert _updates(later).filter(status=PromiseStatus.KEPT).count() == 2
