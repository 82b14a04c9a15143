"""Cancelling an item and adding the work again moves no deadline further than moving it would (found by a
padding review): a renegotiation holds an item to RENEGOTIATE_ITEM_MAX_DAYS, but a new item could fall due a
year out (DATE_HORIZON_DAYS), so cancelling a missed item (broken, no agreement asked) or one the client let go
(renegotiated) and adding the same work months out, by the rep alone, then counted as kept. Nothing tells
re-added work from new work, so once a case has let promised work go, every item given its first due time
afterwards stays within the renegotiation horizon (cases.services.items.dropped_promised_work)."""
import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from cases import services
from cases.errors import CaseRuleError
from cases.models import ItemStatus, PromiseKind, PromiseStatus, Step
from notifications.sweeps import SWEEPS
from tests.cases.helpers import advance_to, open_case

NOW = dt.datetime(2025, 6, 30, 12, 0, tzinfo=dt.UTC)
AGREED = {"agreed_channel": "phone", "agreed_text": "Dennis said the host already fixed it"}
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def _horizon():
    return dt.timedelta(days=settings.RENEGOTIATE_ITEM_MAX_DAYS)


def _add(rep, case, due_at, description="Restore the mail server from backup"):
    return services.action_item_create(user=rep, case=case, description=description, assignee=rep, due_at=due_at)


@pytest.mark.parametrize("swept", [False, True], ids=["cancelled before the sweep", "after the sweep broke it"])
def test_a_missed_item_cancelled_and_added_again_stays_within_the_renegotiation_horizon(
        rep, dennis, frozen, swept):
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    item = case.action_items.get()
    missed = item.promises.get()
    frozen.move_to(item.due_at + dt.timedelta(minutes=5))
    if swept:
        SWEEPS["broken_promises"]()
    services.action_item_cancel(user=rep, item=item, reason="We will redo this one later")
    now = timezone.now()

    with pytest.raises(CaseRuleError, match="as far as a renegotiation could move that one") as refused:
        _add(rep, case, now + dt.timedelta(days=200))
    with pytest.raises(CaseRuleError):
        _add(rep, case, now + _horizon() + dt.timedelta(hours=1))
    new = _add(rep, case, now + _horizon() - dt.timedelta(hours=1))
    services.action_item_complete(user=rep, item=new)

    assert refused.value.field == "due_at"
    assert case.action_items.filter(status=ItemStatus.OPEN).count() == 0  # nothing was added by a refusal
    missed.refresh_from_db()
    assert missed.status == PromiseStatus.BROKEN and missed.escalations.count() == 1  # the miss stands, once
    items = case.promises.filter(kind=PromiseKind.ACTION_ITEM)
    assert sorted(items.values_list("status", flat=True)) == [PromiseStatus.BROKEN, PromiseStatus.KEPT]


def test_an_item_the_client_let_go_cannot_come_back_further_out_than_moving_it_could(rep, dennis, frozen):
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    item = case.action_items.get()
    frozen.move_to(item.due_at - dt.timedelta(minutes=5))
    services.action_item_cancel(user=rep, item=item, reason="We will do it another way", **AGREED)

    with pytest.raises(CaseRuleError, match="as far as a renegotiation could move that one"):
        _add(rep, case, timezone.now() + dt.timedelta(days=200))

    assert item.promises.get().status == PromiseStatus.RENEGOTIATED
    assert not case.promises.filter(kind=PromiseKind.ACTION_ITEM, status=PromiseStatus.PENDING).exists()


def test_a_draft_given_its_due_time_after_a_cancel_is_held_to_the_same_horizon(rep, dennis, frozen):
    case = advance_to(open_case(rep, dennis), Step.PLAN, rep)
    promised = _add(rep, case, NOW + dt.timedelta(hours=2))
    draft = services.action_item_create(user=rep, case=case, description="Move the mail to the new host")
    services.action_item_cancel(user=rep, item=promised, reason="Folded into the move to the new host", **AGREED)

    with pytest.raises(CaseRuleError, match="as far as a renegotiation could move that one") as refused:
        services.action_item_update(user=rep, item=draft, description=draft.description, kind=draft.kind,
                                    assignee=rep, due_at=NOW + dt.timedelta(days=200))

    draft.refresh_from_db()
    assert refused.value.field == "due_at" and draft.due_at is None and not draft.promises.exists()


def test_a_case_that_let_no_promised_work_go_still_plans_up_to_the_sane_horizon(rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.PLAN, rep)
    draft = services.action_item_create(user=rep, case=case, description="Check the DNS records")
    services.action_item_cancel(user=rep, item=draft, reason="Folded into the restore")  # no due time: no promise

    item = _add(rep, case, NOW + dt.timedelta(days=200), description="Replace the mail host's hardware")

    assert item.promises.get().due_at == NOW + dt.timedelta(days=200)
