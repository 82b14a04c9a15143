"""An update bounced after the case changed hands leaves its promise where the same history with no update
emailed leaves it (cases.services.updates_undone._follow_the_hands), each case run both ways (`bounce`): offers
accepted, requests granted, a supervisor's own request and give-back, several changes in a row, changes at the
very moment of the keep, the bounce and the deadline, a case closed in between, and the late update of a missed
one, and chains of changes.
Found by the fifth and sixth red teams of the rule that a promise counts for whoever held it when it fell due."""
import pytest

from cases import services
from cases.models import PromiseKind, PromiseStatus, Step
from notifications.sweeps import SWEEPS
from tests.cases.helpers import advance_to
from tests.cases.test_client_messages import MIN, T0, at, deliver_at, emailed_case, send
from tests.cases.test_deadline_holder_undone import _bounce, _pending_update, _reassign

pytestmark = pytest.mark.django_db
R = "Covering the morning shift today"


@pytest.fixture(autouse=True)
def an_hour_to_hand_on(settings):
    settings.HANDOVER_MIN_MINUTES = 60


def _offer(by, case, to, when):
    with at(when):
        case.refresh_from_db()
        return services.handoff_request(user=by, case=case, to_user=to, reason=R)


def _accept(by, h, when):
    with at(when):
        services.handoff_accept(user=by, handoff=h, client_informed=True)


def _sent(rep, case, s=10):
    m = send(rep, case, T0 + s * MIN)
    deliver_at(T0 + (s + 1) * MIN)
    return m


@pytest.mark.parametrize("bounce", [True, False])
@pytest.mark.parametrize("cadence,expect", [(240, "other_rep"), (60, "rep")])
def test_offer_accepted(rep, other_rep, dennis, bounce, cadence, expect, request):
    case = emailed_case(rep, dennis, cadence=cadence)
    m = _sent(rep, case) if bounce else None
    h = _offer(rep, case, other_rep, T0 + 15 * MIN)
    _accept(other_rep, h, T0 + 20 * MIN)
    if bounce:
        _bounce(m, T0 + 25 * MIN)
        p = _pending_update(case)
    else:
        p = case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING, due_at=T0 + cadence * MIN)
    assert p.owner == request.getfixturevalue(expect)


@pytest.mark.parametrize("bounce", [True, False])
@pytest.mark.parametrize("cadence,expect", [(240, "other_rep"), (60, "rep")])
def test_request_granted_by_owner(rep, other_rep, dennis, bounce, cadence, expect, request):
    case = emailed_case(rep, dennis, cadence=cadence)
    m = _sent(rep, case) if bounce else None
    with at(T0 + 15 * MIN):
        case.refresh_from_db()
        h = services.case_ask_for(user=other_rep, case=case, reason=R)
    _accept(rep, h, T0 + 20 * MIN)
    if bounce:
        _bounce(m, T0 + 25 * MIN)
    p = _pending_update(case)
    assert p.owner == request.getfixturevalue(expect)


@pytest.mark.parametrize("bounce", [True, False])
def test_supervisor_grants_own_request_then_gives_back(rep, supervisor, dennis, bounce):
    case = emailed_case(rep, dennis, cadence=60)
    m = _sent(rep, case) if bounce else None
    with at(T0 + 15 * MIN):
        case.refresh_from_db()
        h = services.case_ask_for(user=supervisor, case=case, reason=R)
    _accept(supervisor, h, T0 + 20 * MIN)
    if bounce:
        _bounce(m, T0 + 22 * MIN)
    assert _pending_update(case).owner == supervisor
    _reassign(supervisor, case, rep, T0 + 25 * MIN)
    assert _pending_update(case).owner == rep


@pytest.mark.parametrize("bounce", [True, False])
def test_several_in_a_row(rep, other_rep, supervisor, dennis, bounce):
    case = emailed_case(rep, dennis, cadence=240)
    m = _sent(rep, case) if bounce else None
    _reassign(supervisor, case, other_rep, T0 + 20 * MIN)   # 220 to run: other_rep
    _reassign(supervisor, case, supervisor, T0 + 200 * MIN)  # take: supervisor, from other_rep
    _reassign(supervisor, case, rep, T0 + 205 * MIN)  # given to rep, 35 min: stays supervisor
    if bounce:
        _bounce(m, T0 + 210 * MIN)
    p = _pending_update(case)
    assert p.owner == supervisor


def test_change_at_exactly_the_keep(rep, other_rep, supervisor, dennis):
    case = emailed_case(rep, dennis, cadence=240)
    m = send(rep, case, T0 + 10 * MIN)
    deliver_at(T0 + 10 * MIN)
    m.refresh_from_db()
    assert m.status == "sent", m.status
    _reassign(supervisor, case, other_rep, T0 + 10 * MIN)
    _bounce(m, T0 + 30 * MIN)
    assert _pending_update(case).owner == other_rep


def test_change_at_exactly_the_bounce(rep, other_rep, supervisor, dennis):
    case = emailed_case(rep, dennis, cadence=240)
    m = _sent(rep, case)
    _reassign(supervisor, case, other_rep, T0 + 30 * MIN)
    _bounce(m, T0 + 30 * MIN)
    assert _pending_update(case).owner == other_rep


@pytest.mark.parametrize("bounce", [True, False])
def test_change_at_exactly_the_deadline(rep, other_rep, supervisor, dennis, bounce):
    case = emailed_case(rep, dennis, cadence=240)
    m = _sent(rep, case) if bounce else None
    _reassign(supervisor, case, other_rep, T0 + 240 * MIN)
    if bounce:
        _bounce(m, T0 + 250 * MIN)
    missed = case.promises.get(kind=PromiseKind.STATUS_UPDATE, due_at=T0 + 240 * MIN)
    assert missed.status == PromiseStatus.BROKEN and missed.owner == rep


@pytest.mark.parametrize("cadence,expect", [(240, "other_rep"), (60, "rep")])
def test_reassigned_while_email_waits_then_given_again(rep, other_rep, supervisor, dennis, cadence, expect, request):
    case = emailed_case(rep, dennis, cadence=cadence)
    send(rep, case, T0 + 10 * MIN)  # waiting
    _reassign(supervisor, case, other_rep, T0 + 20 * MIN)  # withdrawn
    assert _pending_update(case).owner == request.getfixturevalue(expect)
    case.refresh_from_db()
    m = send(other_rep, case, T0 + 25 * MIN)
    deliver_at(T0 + 26 * MIN)
    _bounce(m, T0 + 30 * MIN)
    assert _pending_update(case).owner == request.getfixturevalue(expect)


@pytest.mark.parametrize("bounce", [True, False])
def test_late_update_bounced_after_reassign(rep, other_rep, supervisor, dennis, bounce):
    case = emailed_case(rep, dennis, cadence=240)
    with at(T0 + 241 * MIN):
        SWEEPS["broken_promises"]()
    beat = _pending_update(case)
    assert beat.due_at == T0 + 480 * MIN and beat.owner == rep
    if bounce:
        case.refresh_from_db()
        m = send(rep, case, T0 + 245 * MIN)
        deliver_at(T0 + 246 * MIN)
    _reassign(supervisor, case, other_rep, T0 + 250 * MIN)  # 230 min to run on the beat
    if bounce:
        _bounce(m, T0 + 430 * MIN)  # 50 min to run at the bounce
    beat = _pending_update(case)
    assert beat.due_at == T0 + 480 * MIN
    assert beat.owner == other_rep, (beat.owner, rep, other_rep)


@pytest.mark.parametrize("bounce", [True, False])
def test_closed_then_follow_up_reassigned(rep, other_rep, supervisor, dennis, bounce):
    case = emailed_case(rep, dennis, cadence=240)
    p = case.promises.get(kind=PromiseKind.STATUS_UPDATE, due_at=T0 + 240 * MIN)
    if bounce:
        m = send(rep, case, T0 + 10 * MIN)
        deliver_at(T0 + 11 * MIN)
    with at(T0 + 20 * MIN):
        case.refresh_from_db()
        case = advance_to(case, Step.RESOLVED, rep)
    _reassign(supervisor, case, other_rep, T0 + 30 * MIN)
    if bounce:
        _bounce(m, T0 + 35 * MIN)
    p.refresh_from_db()
    assert p.owner == rep


# --- the same history run side by side on two cases, one whose email bounces, one with no email -----------
NAMES = {}


@pytest.fixture(autouse=True)
def _names(rep, other_rep, supervisor):
    NAMES.update({rep.pk: "rep", other_rep.pk: "other_rep", supervisor.pk: "supervisor"})


def _summary(case):
    return sorted(((p.due_at - T0) / MIN, p.status, NAMES.get(p.owner_id, p.owner_id))
                  for p in case.promises.filter(kind=PromiseKind.STATUS_UPDATE).select_related("owner"))


def _both(rep, dennis, cadence, sends, steps, bounces):
    """sends: minutes; steps: [(minute, fn(case, when))]; bounces: [(minute, index of send)]"""
    a = emailed_case(rep, dennis, cadence=cadence)  # email bounces
    b = emailed_case(rep, dennis, cadence=cadence)  # no email
    ms = []
    ev = [(s, "send", i) for i, s in enumerate(sends)] + [(t, "step", f) for t, f in steps] + \
         [(t, "bounce", i) for t, i in bounces]
    ev.sort(key=lambda e: (e[0], {"send": 0, "step": 1, "bounce": 2}[e[1]]))
    for t, kind, x in ev:
        if kind == "send":
            a.refresh_from_db()
            ms.append(send(rep, a, T0 + t * MIN))
            deliver_at(T0 + (t + 0.5) * MIN)
        elif kind == "step":
            for c in (a, b):
                c.refresh_from_db()
                x(c, T0 + t * MIN)
        else:
            _bounce(ms[x], T0 + t * MIN)
    return _summary(a), _summary(b)


def reassigned(sup, to):
    return lambda c, w: _reassign(sup, c, to, w)


def test_a_change_of_hands_passes_only_the_givers_promises(rep, other_rep, supervisor, dennis):
    """Handed on with 45 minutes to run, the promise stays the rep's; the next change of hands (the new owner's
    case taken by a supervisor) does not move it (sixth red team)."""
    steps = [(15, reassigned(supervisor, other_rep)), (20, reassigned(supervisor, supervisor))]
    a, b = _both(rep, dennis, 60, [10], steps, [(25, 0)])
    assert a == b


def test_a_chain_of_changes_with_time_to_run_passes_it_each_time(rep, other_rep, supervisor, dennis):
    steps = [(200, reassigned(supervisor, other_rep)), (205, reassigned(supervisor, supervisor)),
             (210, reassigned(supervisor, rep))]
    a, b = _both(rep, dennis, 240, [10], steps, [(215, 0)])
    assert a == b
