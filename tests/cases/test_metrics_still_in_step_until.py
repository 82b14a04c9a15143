"""The cases in a step at a window's end, against the timeline replayed (cases/metrics/stays.in_step_now), for
changes at exactly the window's end: the next window's, as everywhere on the team page ([since, until)). Found by a
red team: a case moved at exactly `until` (a hand-typed ?until= can name a transition's moment) was in no step,
and the same history read differently depending on whether the case moved again later."""
import datetime as dt

import pytest

from cases import metrics
from cases.metrics import stays
from cases.models import Case, CaseEvent, Step
from cases.workflow import OPEN_STEPS
from tests.cases.helpers import advance_to, open_case
from tests.cases.metrics_support import NOW, H, at, next_step
from tests.cases.test_held_stays import handoff

DAY = dt.timedelta(days=1)
OPEN = {s.value for s in OPEN_STEPS}
pytestmark = pytest.mark.django_db


def truth(until):
    """{(owner, step): Waiting} and {(None, step): Waiting} replayed from the timeline (CaseEvent): the events
    before `until`, the page's [since, until) (a change at `until` is the next window's)."""
    state = {}
    for e in CaseEvent.objects.order_by("created_at", "id"):
        if e.created_at >= until:
            continue
        if e.verb == "opened":
            state[e.case_id] = [e.to_step, e.owner_id, e.created_at]
        elif e.from_step:
            state[e.case_id] = [e.to_step, e.owner_id, e.created_at]
        elif e.verb in CaseEvent.OWNER_CHANGES:
            state[e.case_id][1] = e.owner_id
    out = {}
    for step, owner, entered in state.values():
        if step not in OPEN:
            continue
        for key in ((owner, step), (None, step)):
            n, since = out.get(key, (0, entered))
            out[key] = (n + 1, min(since, entered))
    return {k: stays.Waiting(n, (until - s).total_seconds()) for k, (n, s) in out.items()}


def figure(until):
    return stays.still_in_step(metrics.window(30, until))


def gather_since(rep, dennis, since):
    with at(since):
        return advance_to(open_case(rep, dennis), Step.GATHER, rep)


def test_moved_at_exactly_until_and_left_there(rep, dennis):
    c = gather_since(rep, dennis, NOW - 3 * DAY)
    with at(NOW):
        next_step(c, rep)
    assert figure(NOW) == truth(NOW)


def test_moved_at_exactly_until_then_again_later(rep, dennis):
    c = gather_since(rep, dennis, NOW - 3 * DAY)
    with at(NOW):
        c = next_step(c, rep)
    with at(NOW + H):
        next_step(c, rep)
    assert figure(NOW) == truth(NOW)


def test_the_same_case_moved_at_until_counts_the_same_whether_or_not_it_moved_again(rep, dennis):
    """Two identical cases, both moved Gather -> Plan at exactly `until`; one moves on an hour later."""
    a = gather_since(rep, dennis, NOW - 3 * DAY)
    b = gather_since(rep, dennis, NOW - 3 * DAY)
    with at(NOW):
        next_step(a, rep)
        b = next_step(b, rep)
    before = figure(NOW)
    with at(NOW + H):
        next_step(b, rep)
    after = figure(NOW)
    assert before == after == truth(NOW)
    assert after[(None, Step.GATHER.value)].count == 2


def test_handed_on_at_exactly_until(rep, other_rep, dennis):
    c = gather_since(rep, dennis, NOW - 3 * DAY)
    with at(NOW):
        handoff(rep, other_rep)(c)
    assert figure(NOW) == truth(NOW)


def test_handed_on_at_exactly_until_then_moved(rep, other_rep, dennis):
    c = gather_since(rep, dennis, NOW - 3 * DAY)
    with at(NOW):
        handoff(rep, other_rep)(c)
    with at(NOW + H):
        next_step(Case.objects.get(pk=c.pk), other_rep)
    assert figure(NOW) == truth(NOW)


def test_opened_at_exactly_until_then_moved(rep, dennis):
    with at(NOW):
        c = open_case(rep, dennis)
    before = figure(NOW)
    with at(NOW + H):
        next_step(c, rep)
    assert before == figure(NOW) == truth(NOW) == {}
