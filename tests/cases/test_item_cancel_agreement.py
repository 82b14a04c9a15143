"""Cancelling an item whose due time the client holds (from the moment it is given, in `plan` too)
changes a promise like moving it does: it needs the client's agreement and counts as a renegotiation
(cases.services.items, promises.promise_drop), so cancelling a promise and re-adding the work later
moves nothing uncounted. An item with no due time yet is simply cancelled; one already due is broken."""
import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from cases import services
from cases.errors import CaseRuleError
from cases.models import CaseEvent, ItemStatus, PromiseStatus, Step
from cases.services.promises import DROPPED
from tests.cases.helpers import advance_to, open_case
from tests.cases.ledger_web_support import signed_in_as
from tests.cases.views_support import url

NOW = dt.datetime(2025, 6, 30, 12, 0, tzinfo=dt.UTC)
AGREED = {"agreed_channel": "phone", "agreed_text": "Dennis said the host already fixed it"}
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def _promise(item):
    return item.promises.order_by("-pk").first()


def test_without_the_clients_agreement_the_item_and_its_promise_stand(rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    item = case.action_items.get()

    with pytest.raises(CaseRuleError) as refused:
        services.action_item_cancel(user=rep, item=item, reason="Not needed after all")

    item.refresh_from_db()
    assert refused.value.field == "agreed_channel"
    assert item.status == ItemStatus.OPEN and _promise(item).status == PromiseStatus.PENDING


def test_cancel_and_re_add_counts_the_dropped_promise_as_renegotiated_on_the_team_page(rep, supervisor, dennis):
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    item = case.action_items.get()
    dropped = _promise(item)

    services.action_item_cancel(user=rep, item=item, reason="We will do it another way", **AGREED)
    services.action_item_create(user=rep, case=case, description=item.description, assignee=rep,
                                due_at=NOW + dt.timedelta(days=20))

    dropped.refresh_from_db()
    assert dropped.status == PromiseStatus.RENEGOTIATED and not case.promises.filter(replaces=dropped).exists()
    event = CaseEvent.objects.get(case=case, verb=DROPPED, data__promise=dropped.pk)
    assert AGREED["agreed_text"] in event.note and event.actor == rep
    with time_machine.travel(dropped.due_at + dt.timedelta(minutes=10), tick=False):
        board = signed_in_as(supervisor).get(reverse("supervisor:dashboard")).context["board"]
    measures = next(r.measures for r in board.reps if r.user == rep)
    assert measures.renegotiated == 1 and measures.renegotiated_pct > 0


def test_in_plan_an_item_with_a_due_time_is_a_promise_too(rep, dennis, frozen):
    case = advance_to(open_case(rep, dennis), Step.PLAN, rep)
    item = services.action_item_create(user=rep, case=case, description="Check the DNS records", assignee=rep,
                                       due_at=NOW + dt.timedelta(hours=2))
    frozen.move_to(NOW + dt.timedelta(hours=1, minutes=55))  # five minutes before it breaks

    with pytest.raises(CaseRuleError, match="counts as a renegotiation"):
        services.action_item_cancel(user=rep, item=item, reason="Replaced by a better-scoped item")
    services.action_item_cancel(user=rep, item=item, reason="Replaced by a better-scoped item", **AGREED)

    assert _promise(item).status == PromiseStatus.RENEGOTIATED


def test_an_item_with_no_due_time_yet_is_cancelled_without_asking(rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.PLAN, rep)
    item = services.action_item_create(user=rep, case=case, description="Check the DNS records", assignee=rep)

    services.action_item_cancel(user=rep, item=item, reason="Folded into the restore")

    item.refresh_from_db()
    assert item.status == ItemStatus.CANCELLED and not item.promises.exists()


def test_an_item_already_due_is_broken_whatever_the_client_said(rep, dennis, frozen):
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    item = case.action_items.get()
    frozen.move_to(item.due_at + dt.timedelta(minutes=1))

    services.action_item_cancel(user=rep, item=item, reason="Not needed after all", **AGREED)

    assert _promise(item).status == PromiseStatus.BROKEN


def test_the_cancel_form_asks_for_the_agreement_and_keeps_what_was_typed(rep_client, rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    item = case.action_items.get()

    refused = rep_client.post(url("item_cancel", case, item.pk), {"reason": "We will do it another way"},
                              headers={"HX-Request": "true"})
    agreed = rep_client.post(url("item_cancel", case, item.pk), {"reason": "We will do it another way", **AGREED})

    page = refused.content.decode()
    assert refused.status_code == 422 and "counts as a renegotiation" in page and "We will do it another way" in page
    assert agreed.status_code == 302
    item.refresh_from_db()
    assert item.status == ItemStatus.CANCELLED and _promise(item).status == PromiseStatus.RENEGOTIATED
