"""The "now yours" email names what was missed before the case came to its new owner and is still owed to the
client (services.handoffs._owed_words, selectors_ui.owed_now; found by an audit of the outbound emails: a
broken-promise notice held a few minutes went to the previous owner after the handoff, and the new owner, who
makes the call, was never told)."""
import pytest
from django.core import mail

from cases.services.handoffs import case_reassign, handoff_accept
from cases.services.team import case_ask_for
from notifications.sweeps import sweep_broken_promises, sweep_outbox
from tests.notifications.conftest import MIN, T0, at, planned_case

pytestmark = pytest.mark.django_db


def _to(user):
    return [m for m in mail.outbox if user.email in m.to]


def test_a_case_asked_for_and_handed_over_after_a_miss_tells_the_new_owner_to_call(rep, teammate, dennis):
    case = planned_case(rep, dennis)  # the update is due at 11:00
    with at(T0 + 55 * MIN):
        case_ask_for(user=teammate, case=case, reason="I know this client's mail setup well")
        sweep_outbox()
    with at(T0 + 60 * MIN):
        sweep_broken_promises()
    with at(T0 + 62 * MIN):
        handoff_accept(user=rep, handoff=case.handoffs.get(status="requested"), client_informed=True)
        sweep_outbox()

    told = [m.body for m in _to(teammate) if "Still owed to Dennis Hale" in m.body]
    assert len(told) == 1 and "missed before the case came to you: contact them now" in told[0]
    assert "- Update Dennis Hale by phone: due 11:00 GMT the client's time, missed" in told[0]


def test_a_reassigned_case_with_nothing_missed_says_nothing_owed(rep, teammate, supervisor, dennis):
    case = planned_case(rep, dennis)
    with at(T0 + 30 * MIN):
        case_reassign(user=supervisor, case=case, to_user=teammate, reason="Fran is off sick this afternoon",
                      client_informed=True)
        sweep_outbox()

    bodies = [m.body for m in _to(teammate)]
    assert bodies and not any("Still owed" in body for body in bodies)
