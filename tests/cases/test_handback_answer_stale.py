"""An answer to a hand-back answers the one its page showed: when the item was handed back again since
(by a teammate it was given to meanwhile, or by the same one after an answer), the late answer is refused
beside its form, with what was typed kept (cases.services.items.handback_changed_since)."""
import re

import pytest

from cases import services
from cases.errors import CaseRuleError
from cases.models import Step
from cases.services.items import handback_mark
from tests.cases.helpers import advance_to, open_case, plan_ready
from tests.cases.views_support import HTMX, page_of, url
from tests.factories import StaffProfileFactory

AMYS_ANSWER = "Tom, please do it before you leave"


@pytest.fixture
def tom(other_rep):
    return other_rep


@pytest.fixture
def nat(supervisor):
    return StaffProfileFactory(supervisor=supervisor).user


@pytest.fixture
def item(rep, tom, dennis):
    """An item of `rep`'s case, held by Tom, who has handed it back."""
    case = advance_to(open_case(rep, dennis), Step.PLAN, rep)
    plan_ready(case, rep, assignee=tom)
    case = services.case_transition(user=rep, case=case, name="complete_plan")
    item = case.action_items.get()
    return services.action_item_hand_back(user=tom, item=item, note="I am on leave from tomorrow for two weeks")


def _shown(html, item):
    """The hand-back marker the answer form was drawn with."""
    match = re.search(r'name="handback_shown" value="(\d+)"[^>]*id="id_item_hand_back_answer_%d_handback_shown"'
                      % item.pk, html)
    assert match, "no hand-back answer form on the page"
    return match.group(1)


def _given_to_nat_who_hands_it_back(supervisor, item, tom, nat):
    item.refresh_from_db()
    services.action_item_update(user=supervisor, item=item, description=item.description, kind=item.kind,
                                assignee=nat, due_at=item.due_at, assignee_shown=tom.pk)
    item.refresh_from_db()
    return services.action_item_hand_back(user=nat, item=item, note="Nat lacks the admin password for this vendor")


def _answer(client, item, shown):
    return client.post(url("item_hand_back_answer", item.case, item.pk),
                       {"accept": "decline", "note": AMYS_ANSWER, "handback_shown": shown}, headers=HTMX)


def test_a_late_answer_does_not_land_on_a_later_hand_back(rep_client, supervisor, item, tom, nat):
    shown = _shown(rep_client.get(page_of(item.case)).content.decode(), item)
    _given_to_nat_who_hands_it_back(supervisor, item, tom, nat)

    response = _answer(rep_client, item, shown)

    item.refresh_from_db()
    html = response.content.decode()
    assert response.status_code == 422
    assert "handed back again" in html and "Nat lacks the admin password" in html
    assert AMYS_ANSWER in html
    assert item.assignee == nat and item.handback_at is not None


def test_the_refused_answer_is_drawn_again_for_the_hand_back_waiting_now(rep_client, supervisor, item, tom, nat):
    shown = _shown(rep_client.get(page_of(item.case)).content.decode(), item)
    item = _given_to_nat_who_hands_it_back(supervisor, item, tom, nat)
    waiting = str(handback_mark(item))
    redrawn = _shown(_answer(rep_client, item, shown).content.decode(), item)

    response = _answer(rep_client, item, redrawn)

    item.refresh_from_db()
    assert redrawn == waiting != shown
    assert response.status_code == 200
    assert item.assignee == nat and item.handback_at is None


def test_an_answer_to_the_hand_back_it_was_drawn_for_is_taken(rep_client, item, tom):
    shown = _shown(rep_client.get(page_of(item.case)).content.decode(), item)

    response = _answer(rep_client, item, shown)

    item.refresh_from_db()
    assert response.status_code == 200
    assert item.assignee == tom and item.handback_at is None


def test_the_service_refuses_an_answer_drawn_for_an_earlier_hand_back_by_the_same_teammate(rep, item, tom):
    first = handback_mark(item)
    services.action_item_answer_hand_back(user=rep, item=item, accept=False)
    item.refresh_from_db()
    services.action_item_hand_back(user=tom, item=item, note="Still on leave from tomorrow, for two weeks")

    with pytest.raises(CaseRuleError, match="handed back again"):
        services.action_item_answer_hand_back(user=rep, item=item, accept=False, note=AMYS_ANSWER,
                                              handback_shown=first)

    item.refresh_from_db()
    assert item.handback_at is not None
