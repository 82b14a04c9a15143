"""An update owed again after its email bounced is passed on as each change of hands since it was kept would
have passed it, when that happened (cases.services.updates_undone._follow_the_hands), and a cadence agreed since
is re-applied judged when it changed. Found by the fourth red team of the rule that a promise counts for whoever
held it when it fell due: a take and give-back left it with the taker, a bounce after the deadline broke it on
the rep who had handed the case over, a handover was judged at the bounce, and a supervisor's cadence change with
hours to spare became the supervisor's."""
import pytest

from cases import services
from cases.models import Channel, PromiseKind, PromiseStatus
from tests.cases.test_client_messages import HOUR, MIN, T0, at, deliver_at, emailed_case, send
from tests.cases.test_deadline_holder_undone import AGREED, _bounce, _pending_update, _reassign

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def an_hour_to_hand_on(settings):
    settings.HANDOVER_MIN_MINUTES = 60


def test_take_then_give_back_after_bounce_returns_the_promise_to_the_rep(rep, supervisor, dennis):
    """Without the bounce (promise pending at the take) the give-back returns it to the rep however close."""
    case = emailed_case(rep, dennis, cadence=60)
    message = send(rep, case, T0 + 10 * MIN)
    deliver_at(T0 + 11 * MIN)
    _reassign(supervisor, case, supervisor, T0 + 12 * MIN)
    _bounce(message, T0 + 13 * MIN)
    p = _pending_update(case)
    assert (p.due_at, p.owner) == (T0 + HOUR, supervisor)
    _reassign(supervisor, case, rep, T0 + 14 * MIN)  # given straight back, 46 minutes to run
    p = _pending_update(case)
    assert p.owner == rep, f'held by {p.owner} (supervisor={supervisor}, rep={rep})'


def test_control_take_then_give_back_without_bounce(rep, supervisor, dennis):
    case = emailed_case(rep, dennis, cadence=60)
    _reassign(supervisor, case, supervisor, T0 + 12 * MIN)
    assert _pending_update(case).owner == supervisor
    _reassign(supervisor, case, rep, T0 + 14 * MIN)
    assert _pending_update(case).owner == rep


def test_bounce_after_deadline_breaks_for_who_held_it_when_due_after_reassign(rep, other_rep, supervisor, dennis):
    case = emailed_case(rep, dennis, cadence=120)
    message = send(rep, case, T0 + 10 * MIN)
    deliver_at(T0 + 11 * MIN)
    _reassign(supervisor, case, other_rep, T0 + 20 * MIN)  # 100 minutes to run: the new owner's
    _bounce(message, T0 + 130 * MIN)  # bounced after the deadline
    missed = case.promises.get(kind=PromiseKind.STATUS_UPDATE, due_at=T0 + 120 * MIN)
    assert missed.status == PromiseStatus.BROKEN
    assert missed.owner == other_rep, f'broken for {missed.owner} (rep={rep}, other_rep={other_rep})'


def test_bounce_after_deadline_before_reassign_inside_deadline_control(rep, other_rep, supervisor, dennis):
    """Control: same reassign, bounce before the deadline: owed by the new owner."""
    case = emailed_case(rep, dennis, cadence=120)
    message = send(rep, case, T0 + 10 * MIN)
    deliver_at(T0 + 11 * MIN)
    _reassign(supervisor, case, other_rep, T0 + 20 * MIN)
    _bounce(message, T0 + 30 * MIN)
    assert _pending_update(case).owner == other_rep


def test_bounce_after_deadline_after_supervisor_took_case(rep, supervisor, dennis):
    case = emailed_case(rep, dennis, cadence=60)
    message = send(rep, case, T0 + 10 * MIN)
    deliver_at(T0 + 11 * MIN)
    _reassign(supervisor, case, supervisor, T0 + 12 * MIN)
    _bounce(message, T0 + 70 * MIN)
    missed = case.promises.get(kind=PromiseKind.STATUS_UPDATE, due_at=T0 + HOUR)
    assert missed.status == PromiseStatus.BROKEN
    assert missed.owner == supervisor, f'broken for {missed.owner} (rep={rep}, supervisor={supervisor})'


def test_supervisor_cadence_change_with_hours_to_spare_is_not_theirs_after_a_late_bounce(rep, supervisor, dennis):
    case = emailed_case(rep, dennis, cadence=240)
    message = send(rep, case, T0 + 10 * MIN)
    deliver_at(T0 + 11 * MIN)
    with at(T0 + 20 * MIN):
        case.refresh_from_db()
        services.cadence_set(user=supervisor, case=case, minutes=180, channel=Channel.EMAIL, **AGREED)
    beat = _pending_update(case)
    assert beat.owner == rep, (beat.due_at - T0)  # moved with hours to run: still the rep's
    _bounce(message, T0 + 150 * MIN)
    p = _pending_update(case)
    assert p.due_at == T0 + 200 * MIN
    assert p.owner == rep  # the supervisor's change was made with 3 hours to run


def test_bounce_judges_the_reassignment_at_its_time_not_at_the_bounce(rep, other_rep, supervisor, dennis):
    case = emailed_case(rep, dennis, cadence=120)
    message = send(rep, case, T0 + 10 * MIN)
    deliver_at(T0 + 11 * MIN)
    _reassign(supervisor, case, other_rep, T0 + 20 * MIN)  # 100 minutes to run: the new owner's
    _bounce(message, T0 + 70 * MIN)  # 50 minutes to run at the bounce
    p = _pending_update(case)
    assert p.owner == other_rep, f'held by {p.owner} (rep={rep}, other_rep={other_rep})'
