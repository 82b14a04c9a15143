"""An item handed back waits for the owner's answer, its promise on the owner meanwhile
(services.action_item_hand_back). When the case changes hands before that answer, the promise goes with
the case to the new owner, who answers the hand-back, as every promise the old owner held as owner does
(cases.services.handoffs.hand_on_promises, under promises.handover_cutoff); found by a review: it stayed
on the former owner, who broke it on the team page although they could no longer answer."""
import datetime as dt

import pytest

from cases import services
from cases.models import Escalation, EscalationReason, PromiseKind, PromiseStatus, Step
from notifications.sweeps import SWEEPS
from tests.cases.helpers import advance_to, open_case
from tests.factories import StaffProfileFactory

NOW = dt.datetime(2025, 6, 30, 9, 0, tzinfo=dt.UTC)  # a Monday morning
HOUR = dt.timedelta(hours=1)
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture(autouse=True)
def an_hour_to_hand_over(settings):
    settings.HANDOVER_MIN_MINUTES = 60


@pytest.fixture
def nat(supervisor):
    return StaffProfileFactory(supervisor=supervisor).user


def _handed_back(amy, tom, client, *, due_in=3 * HOUR):
    """Amy's case with an item she gave Tom, which Tom has handed back (Amy has not answered yet)."""
    case = advance_to(open_case(amy, client), Step.MANAGE_ANXIETY, amy)
    item = services.action_item_create(user=amy, case=case, description="Restore the mail server from backup",
                                       assignee=tom, due_at=NOW + due_in)
    services.action_item_hand_back(user=tom, item=item, note="I have no access to the mail server at all")
    return case, item


def _promise(item):
    return item.promises.get(kind=PromiseKind.ACTION_ITEM, status__in=[PromiseStatus.PENDING, PromiseStatus.BROKEN])


def _reassign(supervisor, case, to):
    services.case_reassign(user=supervisor, case=case, to_user=to, reason="Amy is moving to the billing team now",
                           client_informed=True)


def test_a_reassignment_passes_a_waiting_hand_backs_promise_to_the_new_owner(rep, other_rep, nat, supervisor, dennis):
    case, item = _handed_back(rep, other_rep, dennis)
    assert _promise(item).owner == rep  # the hand-back put it on the owner

    _reassign(supervisor, case, nat)

    assert _promise(item).owner == nat


def test_the_hand_back_missed_after_the_reassignment_breaks_on_the_new_owners_count(
        rep, other_rep, nat, supervisor, dennis, frozen):
    case, item = _handed_back(rep, other_rep, dennis)
    _reassign(supervisor, case, nat)

    frozen.move_to(NOW + 3 * HOUR + dt.timedelta(minutes=5))
    SWEEPS["broken_promises"]()

    promise = _promise(item)
    assert promise.status == PromiseStatus.BROKEN and promise.owner == nat
    escalation = Escalation.objects.get(promise=promise, reason=EscalationReason.BROKEN_PROMISE)
    assert escalation.case_owner == nat


def test_one_about_to_fall_due_stays_with_the_old_owner_when_a_supervisor_reassigns(
        rep, other_rep, nat, supervisor, dennis, frozen):
    case, item = _handed_back(rep, other_rep, dennis)
    frozen.move_to(NOW + 3 * HOUR - dt.timedelta(minutes=10))

    _reassign(supervisor, case, nat)

    assert _promise(item).owner == rep


def test_one_about_to_fall_due_stays_with_the_owner_who_offers_the_case(
        rep, other_rep, nat, dennis, frozen):
    case, item = _handed_back(rep, other_rep, dennis)
    handoff = services.handoff_request(user=rep, case=case, to_user=nat,
                                       reason="Nat knows this host's support team very well")
    frozen.move_to(NOW + 3 * HOUR - dt.timedelta(minutes=10))

    services.handoff_accept(user=nat, handoff=handoff, client_informed=True)

    assert _promise(item).owner == rep


def test_an_item_the_old_owner_holds_themselves_keeps_its_promise_with_them(rep, nat, supervisor, dennis):
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    item = services.action_item_create(user=rep, case=case, description="Restore the mail server from backup",
                                       assignee=rep, due_at=NOW + 3 * HOUR)

    _reassign(supervisor, case, nat)

    assert _promise(item).owner == rep
