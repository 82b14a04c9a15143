"""Wider quiet hours push every later slot of an agreed update rhythm, not only the pending promise: an
hourly rhythm under 23 quiet hours a day is one update a day. So widening a client's quiet hours while
a case of theirs has a rhythm needs the client's recorded agreement even when no pending deadline moves
now (cases.services.client_schedule.rhythm_agreement, schedule.quiet_widened); narrowing them, or a client with
no rhythm agreed, does not."""
import datetime as dt

import pytest

from cases import services
from cases.errors import CaseRuleError
from cases.models import CaseEvent, PromiseKind, PromiseStatus, Step
from cases.schedule import quiet_widened
from tests.cases.helpers import advance_to, open_case, plan_ready
from tests.factories import ClientFactory

NOW = dt.datetime(2025, 6, 30, 9, 0, tzinfo=dt.UTC)  # a Monday morning
AGREED = {"agreed_channel": "phone", "agreed_text": "Dennis asked for calls only in the morning"}
FIELDS = ("name", "organisation", "email", "phone", "time_zone", "quiet_hours_start", "quiet_hours_end")
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def _client(quiet=(dt.time(22), dt.time(7))):
    return ClientFactory(name="Dennis", time_zone="UTC", quiet_hours_start=quiet[0], quiet_hours_end=quiet[1])


def _update(user, client, case, start, end, **agreed):
    data = {**{f: getattr(client, f) for f in FIELDS}, "quiet_hours_start": start, "quiet_hours_end": end}
    return services.client_update(user=user, client=client, case=case, **data, **agreed)


def _with_rhythm(rep, client):
    case = plan_ready(advance_to(open_case(rep, client), Step.PLAN, rep), rep)
    case.refresh_from_db()
    assert case.cadence_minutes
    return case


def test_wider_quiet_hours_that_move_no_pending_deadline_still_need_the_clients_agreement(rep):
    client = _client()
    case = _with_rhythm(rep, client)
    pending = case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING)
    assert pending.due_at.hour < 11  # the next slot falls before the new quiet hours begin

    with pytest.raises(CaseRuleError, match=f"change when {case.reference} get the updates") as refused:
        _update(rep, client, case, dt.time(11), dt.time(10))

    client.refresh_from_db()
    assert refused.value.field == "agreed_channel" and client.quiet_hours_start == dt.time(22)
    _update(rep, client, case, dt.time(11), dt.time(10), **AGREED)
    event = CaseEvent.objects.get(case=case, verb="client details updated")
    assert AGREED["agreed_text"] in event.note
    pending.refresh_from_db()
    # It still falls due when the client may be reached, but the rhythm after it thins: counted once, as a
    # renegotiation to the same deadline with the client's agreement.
    successor = case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING)
    assert pending.status == PromiseStatus.RENEGOTIATED
    assert (successor.replaces, successor.due_at, successor.agreed_text) == (pending, pending.due_at,
                                                                           AGREED["agreed_text"])


def test_narrower_quiet_hours_need_no_agreement(rep):
    client = _client()
    case = _with_rhythm(rep, client)

    _update(rep, client, case, dt.time(23), dt.time(6))

    client.refresh_from_db()
    assert (client.quiet_hours_start, client.quiet_hours_end) == (dt.time(23), dt.time(6))


def test_a_client_with_no_agreed_rhythm_may_have_any_quiet_hours_that_leave_time(rep):
    client = _client()
    case = advance_to(open_case(rep, client), Step.GATHER, rep)
    assert not case.cadence_minutes

    _update(rep, client, case, dt.time(11), dt.time(10))

    client.refresh_from_db()
    assert client.quiet_hours_start == dt.time(11)


@pytest.mark.parametrize("old, new, wider", [
    ((None, None), (dt.time(22), dt.time(7)), True),
    ((dt.time(22), dt.time(7)), (None, None), False),
    ((dt.time(22), dt.time(7)), (dt.time(23), dt.time(6)), False),
    ((dt.time(22), dt.time(7)), (dt.time(21), dt.time(7)), True),
    ((dt.time(22), dt.time(7)), (dt.time(22), dt.time(8)), True),
    ((dt.time(1), dt.time(5)), (dt.time(22), dt.time(7)), True),
    ((dt.time(22), dt.time(7)), (dt.time(1), dt.time(5)), False),
])
def test_quiet_widened_reads_the_window_across_midnight(old, new, wider):
    assert quiet_widened(*old, *new) is wider
