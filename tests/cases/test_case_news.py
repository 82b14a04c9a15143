"""Whoever a move affects hears it from the app (cases.services.handoffs.tell_of_move, email kind
"case_news"): a request or an offer declined or withdrawn tells the other side, a case taken from its
owner by someone else's hand (a supervisor's reassignment, a supervisor accepting a teammate's request,
a supervisor offering it) tells the owner, and a declined hand-back tells the teammate they keep the item.
The one who acted is never told of their own move."""
import datetime as dt

import pytest
from django.utils import timezone

from cases import services
from cases.models import Step
from notifications.models import OutboxMessage
from tests.cases.helpers import advance_to, open_case

pytestmark = pytest.mark.django_db


def _news(user):
    return list(OutboxMessage.objects.filter(kind="case_news", to=[user.email]).values_list("subject", flat=True))


@pytest.fixture
def case(rep, dennis):
    return advance_to(open_case(rep, dennis), Step.PLAN, rep)


def test_a_declined_request_for_the_case_tells_the_asker_not_the_owner(case, rep, other_rep):
    asked = services.case_ask_for(user=other_rep, case=case, reason="I know this client's setup well")

    services.handoff_decline(user=rep, handoff=asked, note="I am nearly done with it")

    assert [s for s in _news(other_rep) if "declined" in s] and not _news(rep)


def test_a_withdrawn_offer_tells_the_teammate_it_was_offered_to(case, rep, other_rep):
    offered = services.handoff_request(user=rep, case=case, to_user=other_rep, reason="Going on leave")

    services.handoff_decline(user=rep, handoff=offered)

    assert [s for s in _news(other_rep) if "cancelled" in s]


def test_a_supervisors_reassignment_tells_the_owner_it_was_taken_from(case, rep, other_rep, supervisor):
    services.case_reassign(user=supervisor, case=case, to_user=other_rep, reason="Rep is off sick",
                           client_informed=True)

    assert [s for s in _news(rep) if "Reassigned to" in s] and not _news(supervisor)


def test_a_supervisor_accepting_a_teammates_request_tells_the_owner(case, rep, other_rep, supervisor):
    asked = services.case_ask_for(user=other_rep, case=case, reason="I know this client's setup well")

    services.handoff_accept(user=supervisor, handoff=asked, client_informed=True)

    assert [s for s in _news(rep) if "Now owned by" in s]


def test_the_owner_is_told_of_an_offer_a_supervisor_makes_for_them_not_of_their_own(case, rep, other_rep,
                                                                                    supervisor):
    mine = services.handoff_request(user=rep, case=case, to_user=other_rep, reason="Going on leave")
    services.handoff_decline(user=other_rep, handoff=mine)
    assert not [s for s in _news(rep) if "Offered" in s]

    services.handoff_request(user=supervisor, case=case, to_user=other_rep, reason="Balancing the load")

    assert [s for s in _news(rep) if "Offered to" in s]


def test_a_declined_hand_back_tells_the_teammate_they_keep_the_item(case, rep, other_rep):
    item = services.action_item_create(user=rep, case=case, description="Check the DNS records", assignee=other_rep,
                                       due_at=timezone.now() + dt.timedelta(hours=3))
    services.action_item_hand_back(user=other_rep, item=item, note="I have no access to that host")

    services.action_item_answer_hand_back(user=rep, item=item, accept=False, note="You have the keys now")

    assert [s for s in _news(other_rep) if "you keep" in s]
