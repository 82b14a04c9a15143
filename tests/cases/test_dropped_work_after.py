"""Promised work let go after other work was added far out moves nothing further than moving it would (found
by a padding review; the other order of test_item_cancel_and_re_add): once a case lets promised work go, a new
item falls due within RENEGOTIATE_ITEM_MAX_DAYS, but adding the same work eleven months out first (nothing
dropped yet) and then cancelling the promised item set the work months out by the rep alone. So cancelling an
item whose due time the client holds, or missed, is refused while an open item given its first due time since
that item was promised falls due further out than a renegotiation could move an item now: the rep agrees a
nearer time for it with the client (or cancels it) first. Work promised before it, drafts, and items in the plan
the client agreed (promised before the plan's gate) do not count."""
import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from cases import services
from cases.errors import CaseRuleError
from cases.models import ItemStatus, PromiseKind, PromiseStatus, Step
from notifications.sweeps import SWEEPS
from tests.cases.helpers import advance_to, open_case, plan_ready
from tests.cases.views_support import url

NOW = dt.datetime(2025, 6, 30, 12, 0, tzinfo=dt.UTC)
AGREED = {"agreed_channel": "phone", "agreed_text": "Dennis said the host already fixed it"}
NEARER = {"agreed_channel": "phone", "agreed_text": "Dennis agreed to have it done this month"}
FAR = dt.timedelta(days=330)  # about eleven months: within the sane horizon, far past a renegotiation's
REFUSED = "added since this item was promised"
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def _horizon():
    return dt.timedelta(days=settings.RENEGOTIATE_ITEM_MAX_DAYS)


def _add(rep, case, due_at, description="Restore the mail server from the backup copy"):
    return services.action_item_create(user=rep, case=case, description=description, assignee=rep, due_at=due_at)


def _redate(rep, item, due_at, **agreement):
    return services.action_item_update(user=rep, item=item, description=item.description, kind=item.kind,
                                       assignee=rep, due_at=due_at, **agreement)


@pytest.mark.parametrize("when", ["before its deadline", "after the miss", "after the sweep broke it"])
def test_work_added_far_out_first_holds_the_cancel_of_the_promised_item(rep, dennis, frozen, when):
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    item = case.action_items.get()
    promised = item.promises.get()
    far = _add(rep, case, NOW + FAR)  # allowed: nothing was let go yet
    if when != "before its deadline":
        frozen.move_to(item.due_at + dt.timedelta(minutes=5))
    if when == "after the sweep broke it":
        SWEEPS["broken_promises"]()

    with pytest.raises(CaseRuleError, match=REFUSED) as refused:
        services.action_item_cancel(user=rep, item=item, reason="Folded into the later restore", **AGREED)

    assert far.description in refused.value.message
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN  # nothing was cancelled by the refusal
    # The far item brought within the horizon, with the client's word (a renegotiation): the cancel goes through.
    _redate(rep, far, timezone.now() + _horizon() - dt.timedelta(hours=1), **NEARER)
    services.action_item_cancel(user=rep, item=item, reason="Folded into the later restore", **AGREED)
    promised.refresh_from_db()
    expected = PromiseStatus.RENEGOTIATED if when == "before its deadline" else PromiseStatus.BROKEN
    assert promised.status == expected
    assert far.promises.order_by("-id").first().due_at <= timezone.now() + _horizon()


def test_only_work_promised_since_the_item_holds_its_cancel(rep, dennis, frozen):
    case = advance_to(open_case(rep, dennis), Step.PLAN, rep)
    planned = _add(rep, case, NOW + FAR, description="Replace the mail host's failing hardware")
    item = _add(rep, case, NOW + dt.timedelta(hours=2), description="Forward the mail to a temporary box")
    _add(rep, case, NOW + _horizon() - dt.timedelta(hours=1), description="Check the DNS records again")
    services.action_item_create(user=rep, case=case, description="Write up the outage for the client")  # a draft
    later = services.action_item_create(user=rep, case=case, description="Move the mail to the new host")
    _redate(rep, later, NOW + FAR)  # a draft given its first due time after the item was promised

    with pytest.raises(CaseRuleError, match=REFUSED) as refused:
        services.action_item_cancel(user=rep, item=item, reason="The host fixed the forwarding", **AGREED)
    assert later.description in refused.value.message and planned.description not in refused.value.message

    services.action_item_cancel(user=rep, item=later, reason="The host will move the mail itself", **AGREED)
    services.action_item_cancel(user=rep, item=item, reason="The host fixed the forwarding", **AGREED)

    planned.refresh_from_db()
    assert planned.status == ItemStatus.OPEN and planned.due_at == NOW + FAR  # promised before: not held
    assert case.promises.filter(kind=PromiseKind.ACTION_ITEM, status=PromiseStatus.RENEGOTIATED).count() == 2
    with pytest.raises(CaseRuleError, match="as far as a renegotiation could move that one"):
        _add(rep, case, NOW + FAR, description="Move the mail to the new host")  # nor added again far out


def test_an_item_in_the_plan_the_client_agreed_does_not_hold_a_cancel(rep, dennis, frozen):
    """A mitigation the client no longer needs is let go without touching the prevention they agreed in the
    plan, months out; work added after the plan's gate, far out, still holds it."""
    case = plan_ready(advance_to(open_case(rep, dennis), Step.PLAN, rep), rep)
    item = case.action_items.get()
    planned = _add(rep, case, NOW + FAR, description="Replace the mail host's failing hardware")
    frozen.shift(dt.timedelta(minutes=10))
    case = services.case_transition(user=rep, case=case, name="complete_plan")  # the plan agreed with the client
    frozen.shift(dt.timedelta(minutes=10))
    later = _add(rep, case, timezone.now() + FAR, description="Move the mail to the new host")

    with pytest.raises(CaseRuleError, match=REFUSED) as refused:
        services.action_item_cancel(user=rep, item=item, reason="The host restored the mail itself", **AGREED)
    assert later.description in refused.value.message and planned.description not in refused.value.message

    services.action_item_cancel(user=rep, item=later, reason="The host will move the mail itself", **AGREED)
    services.action_item_cancel(user=rep, item=item, reason="The host restored the mail itself", **AGREED)
    planned.refresh_from_db()
    assert planned.status == ItemStatus.OPEN and planned.due_at == NOW + FAR


def test_the_cancel_form_says_which_item_to_bring_nearer_and_keeps_what_was_typed(rep_client, rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    item = case.action_items.get()
    far = _add(rep, case, NOW + FAR)

    refused = rep_client.post(url("item_cancel", case, item.pk), {"reason": "Folded into the later restore",
                                                                   **AGREED}, headers={"HX-Request": "true"})

    page = refused.content.decode()
    assert refused.status_code == 422 and REFUSED in page and far.description in page
    assert "Folded into the later restore" in page
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN
