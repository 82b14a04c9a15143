"""The override from the escalation page resolves every open escalation of the case, so, as a resolve is,
it is refused when one was taken by another supervisor or raised since the page was opened
(services.case_close_by_override). Found by an audit: a page opened before a colleague took the escalation
closed the case over their work, and an escalation raised meanwhile was resolved unread."""
import pytest

from cases import services
from cases.models import EscalationReason, EscalationStatus, Step
from tests.cases.helpers import advance_to, meet_gate, open_case
from tests.cases.test_supervisor_stale_forms import CLOSE_REASON, case_url, escalate, form_data, signed_in

pytestmark = pytest.mark.django_db


def _page_then(supervisor, case):
    close = case_url("case_force_close", case)
    http = signed_in(supervisor)
    return http, close, form_data(http.get(case_url("case_escalations", case)).content.decode(), close)


def test_an_override_from_a_page_opened_before_a_colleague_took_the_escalation_is_refused(al, bea, rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    escalation = escalate(rep, case, EscalationReason.LIABILITY)
    http, close, data = _page_then(al, case)
    services.case_escalations_take(user=bea, case=case, shown={escalation.pk})

    response = http.post(close, {**data, "reason": CLOSE_REASON, "confirm": "on"})

    escalation.refresh_from_db()
    case.refresh_from_db()
    assert response.status_code == 422
    assert "Bea Kahn has taken this escalation since you opened this page" in response.content.decode()
    assert escalation.status == EscalationStatus.TAKEN and not case.closed_by_override


def test_an_override_from_a_page_opened_before_another_escalation_was_raised_is_refused(al, rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    escalate(rep, case)
    http, close, data = _page_then(al, case)
    later = escalate(rep, case, EscalationReason.LIABILITY)

    response = http.post(close, {**data, "reason": CLOSE_REASON, "confirm": "on"})

    later.refresh_from_db()
    assert response.status_code == 422 and "since you opened this page" in response.content.decode()
    assert later.status == EscalationStatus.OPEN


def test_an_override_from_a_page_that_showed_the_take_closes_the_case(al, bea, rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    escalation = escalate(rep, case, EscalationReason.LIABILITY)
    services.case_escalations_take(user=bea, case=case, shown={escalation.pk})
    http, close, data = _page_then(al, case)

    response = http.post(close, {**data, "reason": CLOSE_REASON, "confirm": "on"})

    case.refresh_from_db()
    assert response.status_code == 302 and case.closed_by_override


def test_a_reassign_drawn_for_an_open_case_is_refused_once_the_case_is_resolved(al, rep, other_rep, dennis):
    """Found by an audit: the page posted the owner it showed but not the stay, so a reassign drawn while the
    case was being delivered moved the resolved case, and its follow-up call, to another rep."""
    case = advance_to(open_case(rep, dennis), Step.DELIVER, rep)
    escalate(rep, case)
    reassign = case_url("case_reassign", case)
    http = signed_in(al)
    data = form_data(http.get(case_url("case_escalations", case)).content.decode(), reassign)
    services.case_transition(user=rep, case=meet_gate(case, rep), name="complete_deliver")

    response = http.post(reassign, {**data, "to_user": other_rep.pk, "reason": "Rep is away all next week",
                                    "client_informed": "on", "confirm": "on"})

    case.refresh_from_db()
    assert response.status_code == 422 and "has moved on to “Resolved” since you opened this page" in \
        response.content.decode()
    assert case.owner == rep


def test_an_override_and_a_reopen_leave_the_escalations_as_they_were(al, bea, rep, dennis):
    """Found by an audit: a close and an immediate reopen resolved a colleague's taken escalation (and any
    other) without a resolve's checks; the case came back open with none. They stand again, as the promises
    the override withdrew do."""
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    taken = escalate(rep, case, EscalationReason.LIABILITY)
    services.case_escalations_take(user=bea, case=case, shown={taken.pk})
    waiting = escalate(rep, case)

    closed = services.case_transition(user=al, case=case, name="force_close", reason=CLOSE_REASON)
    taken.refresh_from_db()
    assert taken.status == EscalationStatus.RESOLVED
    reopened = services.case_transition(user=al, case=closed, name="reopen", reason="Reopening to carry on work")

    taken.refresh_from_db()
    waiting.refresh_from_db()
    assert (taken.status, taken.supervisor, taken.resolution) == (EscalationStatus.TAKEN, bea, "")
    assert (waiting.status, waiting.resolved_at) == (EscalationStatus.OPEN, None)
    assert reopened.open_escalation_count == 2
