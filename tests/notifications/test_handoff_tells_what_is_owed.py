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


def _asked_for_then_missed(rep, teammate, dennis):
    """The teammate asks for the case at 10:55 (the rep is emailed: their next notice waits its coalescing
    window), and the update due at 11:00 is missed: the broken-promise notices are queued, held."""
    case = planned_case(rep, dennis)  # the update is due at 11:00
    with at(T0 + 55 * MIN):
        case_ask_for(user=teammate, case=case, reason="I know this client's mail setup well")
        sweep_outbox()
    with at(T0 + 60 * MIN):
        sweep_broken_promises()
    return case


def test_a_case_asked_for_and_handed_over_after_a_miss_tells_the_new_owner_to_call(rep, teammate, dennis):
    case = _asked_for_then_missed(rep, teammate, dennis)
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


def test_the_previous_owner_s_held_broken_promise_notice_is_not_sent_after_the_handoff(rep, teammate, dennis):
    """Held by the coalescing window, the notice told the previous owner to contact the client now, after the
    handoff had made the call the new owner's (automation._broken_promise_settled)."""
    case = _asked_for_then_missed(rep, teammate, dennis)
    with at(T0 + 62 * MIN):
        handoff_accept(user=rep, handoff=case.handoffs.get(status="requested"), client_informed=True)
    with at(T0 + 90 * MIN):
        sweep_outbox()

    assert not [m for m in _to(rep) if "not logged in time" in m.body]
    assert [m for m in _to(teammate) if "Still owed to Dennis Hale" in m.body]


def test_a_broken_promise_notice_with_no_change_of_hands_still_reaches_the_owner(rep, teammate, dennis):
    _asked_for_then_missed(rep, teammate, dennis)
    with at(T0 + 90 * MIN):
        sweep_outbox()

    assert [m for m in _to(rep) if "not logged in time" in m.body and "Contact Dennis Hale now" in m.body]


def _hand(frm, to, case, moment):
    from cases.services.handoffs import handoff_request

    with at(moment):
        handoff_request(user=frm, case=type(case).objects.get(pk=case.pk), to_user=to,
                        reason="Covering while I am on a call")
        handoff_accept(user=to, handoff=case.handoffs.get(status="requested"), client_informed=True)
        sweep_outbox()


def test_a_case_handed_away_and_back_before_the_notices_leave_sends_neither_stale_copy(rep, teammate, dennis):
    """Found by a red team: handed on too close to the deadline, the promise stayed the rep's; the teammate's
    copy ("the call is yours") and the rep's ("it counts for you; the call is theirs") were queued, then the case
    came back to the rep. Both now say the wrong person calls: both are withdrawn."""
    case = planned_case(rep, dennis)  # the update is due at 11:00
    _hand(rep, teammate, case, T0 + 55 * MIN)  # too late for the promise to pass: it stays the rep's
    with at(T0 + 60 * MIN):
        sweep_broken_promises()
    _hand(teammate, rep, case, T0 + 62 * MIN)
    with at(T0 + 90 * MIN):
        sweep_outbox()

    assert not [m for m in mail.outbox if "not logged in time" in m.body]


def test_the_holder_s_copy_still_goes_after_a_later_move_between_others(rep, teammate, supervisor, dennis):
    """Found by a red team: the holder's copy ("it counts for you") was withdrawn when the case moved on again."""
    case = planned_case(rep, dennis)
    _hand(rep, teammate, case, T0 + 55 * MIN)
    with at(T0 + 60 * MIN):
        sweep_broken_promises()
    with at(T0 + 62 * MIN):
        case_reassign(user=supervisor, case=type(case).objects.get(pk=case.pk), to_user=supervisor,
                      reason="Taking this one over myself today", client_informed=True)
    with at(T0 + 90 * MIN):
        sweep_outbox()

    assert [m for m in _to(rep) if "not logged in time" in m.body and "counts for you" in m.body]
    assert not [m for m in _to(teammate) if "not logged in time" in m.body]
