"""A notice asking someone to act, still waiting when what it asks for is gone, is withdrawn at send time
(cases.services.automation.RECHECKED): a new item's notice once the item is cancelled (a close cancels
its items), done or given to someone else; a handoff's or a case request's once it was answered,
cancelled or closed with the case; a hand-back's once the owner answered it. Found by an audit: after a
supervisor's override a teammate was still emailed "New action item" about the item it had cancelled,
and asked to accept a handoff the close had cancelled. While the work still waits, the notice goes."""
import pytest

from cases import services
from cases.models import Handoff, HandoffStatus, Step
from notifications.models import OutboxMessage, OutboxStatus
from notifications.sweeps import sweep_outbox
from tests.notifications.conftest import HOUR, MIN, T0, at, planned_case

pytestmark = pytest.mark.django_db

CLOSE_REASON = "The client withdrew the complaint by phone"
REASON = "Alex knows this client's mail setup best"


def _status(prefix):
    return OutboxMessage.objects.get(key__startswith=f"{prefix}:").status


def _sent_later(moment=T0 + 5 * MIN):
    with at(moment):
        sweep_outbox()


def _alex_item(rep, teammate, dennis):
    """Fran's case in plan with an item given to Alex at T0; its notice to Alex not sent yet."""
    case = planned_case(rep, dennis, assignee=teammate, item_due=3 * HOUR, step=Step.PLAN)
    assert _status("item-assigned") == OutboxStatus.PENDING
    return case, case.action_items.get()


def test_a_new_items_notice_is_withdrawn_when_a_close_cancelled_the_item(rep, teammate, supervisor, dennis):
    case, _item = _alex_item(rep, teammate, dennis)
    with at(T0 + 3 * MIN):
        services.case_force_close(user=supervisor, case=case, reason=CLOSE_REASON)

    _sent_later()

    assert _status("item-assigned") == OutboxStatus.WITHDRAWN


def test_a_new_items_notice_is_withdrawn_when_the_item_went_to_someone_else(rep, teammate, dennis):
    case, item = _alex_item(rep, teammate, dennis)
    with at(T0 + 2 * MIN):
        services.action_item_update(user=rep, item=item, description=item.description, kind=item.kind,
                                    assignee=rep, due_at=item.due_at)

    _sent_later()

    assert OutboxMessage.objects.get(key=f"item-assigned:{item.pk}:{teammate.pk}").status == OutboxStatus.WITHDRAWN


def test_a_new_items_notice_goes_while_the_item_waits_for_its_holder(rep, teammate, dennis):
    _alex_item(rep, teammate, dennis)

    _sent_later()

    assert _status("item-assigned") == OutboxStatus.SENT


def _offered_to_alex(rep, teammate, dennis):
    case = planned_case(rep, dennis)
    with at(T0 + MIN):
        handoff = services.handoff_request(user=rep, case=case, to_user=teammate, reason=REASON)
    assert _status("handoff-requested") == OutboxStatus.PENDING
    return case, handoff


def test_a_handoff_offer_is_withdrawn_when_a_close_cancelled_it(rep, teammate, supervisor, dennis):
    case, handoff = _offered_to_alex(rep, teammate, dennis)
    with at(T0 + 3 * MIN):
        services.case_force_close(user=supervisor, case=case, reason=CLOSE_REASON)

    _sent_later()

    assert Handoff.objects.get(pk=handoff.pk).status == HandoffStatus.CANCELLED
    assert _status("handoff-requested") == OutboxStatus.WITHDRAWN


def test_a_handoff_offer_is_withdrawn_when_the_rep_cancelled_it(rep, teammate, dennis):
    _case, handoff = _offered_to_alex(rep, teammate, dennis)
    with at(T0 + 2 * MIN):
        services.handoff_decline(user=rep, handoff=handoff)

    _sent_later()

    assert _status("handoff-requested") == OutboxStatus.WITHDRAWN


def test_a_handoff_offer_still_waiting_goes(rep, teammate, dennis):
    _offered_to_alex(rep, teammate, dennis)

    _sent_later()

    assert _status("handoff-requested") == OutboxStatus.SENT


def test_a_teammates_request_for_the_case_is_withdrawn_once_the_owner_declined_it(rep, teammate, dennis):
    case = planned_case(rep, dennis)
    with at(T0 + MIN):
        handoff = services.case_ask_for(user=teammate, case=case, reason=REASON)
    assert _status("case-requested") == OutboxStatus.PENDING
    with at(T0 + 2 * MIN):
        services.handoff_decline(user=rep, handoff=handoff, note="I will call him myself")

    _sent_later()

    assert _status("case-requested") == OutboxStatus.WITHDRAWN


def _handed_back(rep, teammate, dennis):
    case, item = _alex_item(rep, teammate, dennis)
    _sent_later(T0 + MIN)  # Alex is told of the item
    with at(T0 + 2 * MIN):
        services.action_item_hand_back(user=teammate, item=item, note="I have no access to the mail server")
    return case, item


def test_a_hand_backs_notice_is_withdrawn_once_the_owner_answered_it(rep, teammate, dennis):
    _case, item = _handed_back(rep, teammate, dennis)
    assert _status("item-handback") == OutboxStatus.PENDING
    with at(T0 + 3 * MIN):
        services.action_item_answer_hand_back(user=rep, item=item, accept=True)

    _sent_later(T0 + 30 * MIN)

    assert _status("item-handback") == OutboxStatus.WITHDRAWN


def test_a_hand_backs_notice_still_unanswered_goes(rep, teammate, dennis):
    _handed_back(rep, teammate, dennis)

    _sent_later(T0 + 30 * MIN)

    assert _status("item-handback") == OutboxStatus.SENT


def test_an_overdue_notice_to_a_teammate_no_longer_holding_the_item_is_withdrawn(rep, teammate, supervisor, dennis):
    """The assignee's copy asks them to finish the item: once the item went back to the owner before it left,
    it is not theirs to finish. The owner's own copy still goes."""
    from tests.notifications.test_notice_audit_fixes import DUE, _held_notices

    case, overdue, _boss = _held_notices(rep, teammate, supervisor, dennis)
    item = case.action_items.get()
    with at(DUE + 2 * MIN):
        services.action_item_hand_back(user=teammate, item=item, note="I have no access to the mail server")
        services.action_item_answer_hand_back(user=rep, item=item, accept=True)

    _sent_later(DUE + 30 * MIN)

    overdue.refresh_from_db()
    assert overdue.status == OutboxStatus.WITHDRAWN
    assert OutboxMessage.objects.get(kind="item_overdue_owner").status == OutboxStatus.SENT

