"""Past the plan's gate an action item is a promise from the moment it exists (workflow.StepPolicy
items_promised): an item added or changed in manage_anxiety needs an owner and a due time at once, or
it is work the ledger never sees. In plan a draft may still wait for them until the gate."""
import datetime as dt

import pytest
from django.utils import timezone

from cases import services
from cases.errors import CaseRuleError
from cases.models import ItemStatus, PromiseStatus, Step
from cases.workflow import POLICIES
from tests.cases.views_support import in_step, local, url

LATER = dt.timedelta(hours=4)


def test_only_the_steps_past_the_plan_gate_promise_items_at_once():
    assert [s for s in Step if POLICIES[s].items_promised] == [Step.MANAGE_ANXIETY]


@pytest.mark.parametrize("missing", ["assignee", "due_at"])
def test_an_item_added_while_managing_anxiety_needs_an_owner_and_a_due_time(rep, dennis, missing):
    case = in_step(rep, dennis, Step.MANAGE_ANXIETY)
    given = {"assignee": rep, "due_at": timezone.now() + LATER, missing: None}
    before = case.action_items.count()

    with pytest.raises(CaseRuleError) as refused:
        services.action_item_create(user=rep, case=case, description="Move the DNS records to the new host", **given)

    assert refused.value.field == missing
    assert case.action_items.count() == before


def test_an_item_added_while_managing_anxiety_with_both_is_promised(rep, dennis):
    case = in_step(rep, dennis, Step.MANAGE_ANXIETY)

    item = services.action_item_create(user=rep, case=case, description="Move the DNS records to the new host",
                                       assignee=rep, due_at=timezone.now() + LATER)

    assert item.promises.get().status == PromiseStatus.PENDING


def test_a_draft_item_in_plan_may_wait_for_its_owner_and_due_time(rep, dennis):
    case = in_step(rep, dennis, Step.PLAN)

    item = services.action_item_create(user=rep, case=case, description="Move the DNS records to the new host")

    assert item.assignee is None and item.due_at is None and not item.promises.exists()


def test_an_item_cannot_lose_its_owner_while_managing_anxiety(rep, dennis):
    case = in_step(rep, dennis, Step.MANAGE_ANXIETY)
    item = case.action_items.get(status=ItemStatus.OPEN)

    with pytest.raises(CaseRuleError) as refused:
        services.action_item_update(user=rep, item=item, description=item.description, kind=item.kind,
                                    assignee=None, due_at=item.due_at)

    item.refresh_from_db()
    assert refused.value.field == "assignee" and item.assignee == rep


def test_the_page_refuses_an_undated_item_while_managing_anxiety_next_to_the_field(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.MANAGE_ANXIETY)
    before = case.action_items.count()

    response = rep_client.post(url("item_add", case), {"description": "Move the DNS records to the new host",
                                                       "kind": "fix", "assignee": rep.pk, "due_at": ""})

    assert response.status_code == 422
    assert "give the item a due time now" in response.content.decode()
    assert "Move the DNS records to the new host" in response.content.decode()  # what was typed stays
    assert case.action_items.count() == before


def test_the_page_adds_a_dated_item_while_managing_anxiety(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.MANAGE_ANXIETY)

    rep_client.post(url("item_add", case), {"description": "Move the DNS records to the new host",
                                            "kind": "fix", "assignee": rep.pk, "due_at": local(LATER)})

    item = case.action_items.get(description="Move the DNS records to the new host")
    assert item.promises.get().status == PromiseStatus.PENDING
