"""The promise ledger's rules posted through the case page's real forms, each checked in the database
afterwards: only the owner cancels an action item; a teammate holding it hands it back, and the owner
takes it back or declines."""
import datetime as dt

from django.utils import timezone

from cases import services
from cases.models import ItemStatus, PromiseStatus, Step
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
