"""The promise ledger's rules posted through the case page's real forms, each checked in the database
afterwards: only the owner cancels an action item; a teammate holding it hands it back, and the owner
takes it back or declines."""
import datetime as dt

from django.utils import timezone

from cases import services
from cases.models import ItemStatus, PromiseStatus, Step
from notifications.models import OutboxMessage
from tests.factories import StaffProfileFactory
from tests.cases.ledger_web_support import signed_in_as
from tests.cases.views_support import in_step, url


# --- Items: only the owner cancels; a teammate hands back ----------------------------------------
def _teammate_item(rep, other_rep, dennis):
    case = in_step(rep, dennis, Step.PLAN)
    item = services.action_item_create(user=rep, case=case, description="Check the DNS records",
                                       assignee=other_rep, due_at=timezone.now() + dt.timedelta(hours=2))
    return case, item


def test_a_teammate_holding_an_item_cannot_cancel_it(rep, other_rep, dennis):
    case, item = _teammate_item(rep, other_rep, dennis)

    response = signed_in_as(other_rep).post(url("item_cancel", case, item.pk), {"reason": "I do not have the time"})

    item.refresh_from_db()
    assert response.status_code in (403, 422)
    assert item.status == ItemStatus.OPEN
    assert item.promises.get().status == PromiseStatus.PENDING


def test_a_teammate_hands_an_item_back_and_the_owner_takes_it(rep_client, rep, other_rep, dennis):
    case, item = _teammate_item(rep, other_rep, dennis)
    handed = signed_in_as(other_rep).post(url("item_hand_back", case, item.pk),
                                          {"note": "I have no access to that server"})

    response = rep_client.post(url("item_hand_back_answer", case, item.pk), {"accept": "accept"})

    item.refresh_from_db()
    assert handed.status_code == 302 and response.status_code == 302
    assert item.assignee == rep and item.handback_at is None and item.status == ItemStatus.OPEN
    assert item.promises.get(status=PromiseStatus.PENDING).owner == rep


def test_a_teammate_hands_an_item_back_and_the_owner_declines(rep_client, rep, other_rep, dennis):
    case, item = _teammate_item(rep, other_rep, dennis)
    signed_in_as(other_rep).post(url("item_hand_back", case, item.pk), {"note": "I have no access to that server"})

    response = rep_client.post(url("item_hand_back_answer", case, item.pk), {"accept": "decline"})

    item.refresh_from_db()
    assert response.status_code == 302
    assert item.assignee == other_rep and item.handback_at is None and item.status == ItemStatus.OPEN
    assert item.promises.get(status=PromiseStatus.PENDING).owner == other_rep


# --- A stale edit form does not undo a teammate's move -------------------------------------------
def test_an_edit_form_drawn_before_the_item_changed_hands_is_refused_and_drawn_again(
        rep_client, rep, other_rep, supervisor, dennis):
    case = in_step(rep, dennis, Step.PLAN)
    item = services.action_item_create(user=rep, case=case, description="Check the DNS records", assignee=other_rep,
                                       due_at=(timezone.now() + dt.timedelta(hours=2)).replace(second=0, microsecond=0))
    third = StaffProfileFactory(supervisor=supervisor).user
    data = {"description": "Check the DNS records.", "kind": item.kind, "assignee": other_rep.pk,
            "due_at": item.due_at.strftime("%Y-%m-%dT%H:%M:%S"), "assignee_shown": other_rep.pk}
    services.action_item_update(user=supervisor, item=item, description=item.description, kind=item.kind,
                                assignee=third, due_at=item.due_at)  # a supervisor moved it meanwhile

    refused = rep_client.post(url("item_edit", case, item.pk), data)

    item.refresh_from_db()
    page = refused.content.decode()
    assert refused.status_code == 422 and item.assignee == third and "passed to" in page
    assert f'name="assignee_shown" value="{third.pk}"' in page
    again = rep_client.post(url("item_edit", case, item.pk), {**data, "assignee": third.pk, "assignee_shown": third.pk})
    item.refresh_from_db()
    assert again.status_code == 302 and item.assignee == third and item.description == "Check the DNS records."


def test_an_item_given_back_to_someone_who_held_it_before_tells_them_again(rep, other_rep, supervisor, dennis):
    case, item = _teammate_item(rep, other_rep, dennis)
    third = StaffProfileFactory(supervisor=supervisor).user
    for to in (third, other_rep):
        services.action_item_update(user=rep, item=item, description=item.description, kind=item.kind,
                                    assignee=to, due_at=item.due_at)

    assert OutboxMessage.objects.filter(kind="item_assigned", to=[other_rep.email]).count() == 2
