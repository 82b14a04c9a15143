"""The client's own "Not yet" on their status page stands for the rest of that delivery attempt
(cases.client_word.not_yet_refusal): the rep cannot tick "client satisfied" over it, a satisfaction the
rep ticked before it no longer counts, and the case completes delivery only after loose ends and a
new attempt. Checked through the service, the page's form and the move itself."""
import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.errors import CaseRuleError
from cases.models import Delivery, Step
from tests.cases.client_word_support import DennisBrowser, token_of
from tests.cases.helpers import advance_to, open_case
from tests.cases.views_support import url

NOW = dt.datetime(2025, 7, 1, 9, 0, tzinfo=dt.UTC)
NOT_YET_WORDS = "Card payments still fail at the checkout page"


@pytest.fixture
def said_not_yet(frozen, rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.DELIVER, rep)
    DennisBrowser(token_of(rep, case)).answer("not_yet", NOT_YET_WORDS)
    return case


def _record(rep, case, satisfied=True):
    return services.delivery_record(user=rep, case=case, verified_with_client=True, client_satisfied=satisfied,
                                    prevention_note="Upgrades now run with a tested rollback",
                                    follow_up_on=timezone.localdate() + dt.timedelta(days=7))


@pytest.mark.django_db
def test_the_rep_cannot_record_the_client_satisfied_over_their_not_yet(rep, said_not_yet):
    with pytest.raises(CaseRuleError) as refused:
        _record(rep, said_not_yet)

    said_not_yet.refresh_from_db()
    assert refused.value.field == "client_satisfied" and NOT_YET_WORDS in str(refused.value)
    assert not said_not_yet.delivery_ready and not Delivery.objects.filter(client_satisfied=True).exists()


@pytest.mark.django_db
def test_the_rest_of_the_delivery_may_still_be_recorded(rep, said_not_yet):
    delivery = _record(rep, said_not_yet, satisfied=False)

    assert delivery.prevention_note and not delivery.client_satisfied


@pytest.mark.django_db
def test_not_yet_withdraws_a_satisfaction_the_rep_ticked_before_it(frozen, rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.DELIVER, rep)
    _record(rep, case)
    case.refresh_from_db()
    assert case.delivery_ready

    DennisBrowser(token_of(rep, case)).answer("not_yet", NOT_YET_WORDS)

    case.refresh_from_db()
    delivery = Delivery.objects.get(case=case)
    assert not case.delivery_ready and not delivery.client_satisfied and delivery.confirmed_by == ""
    with pytest.raises(CaseRuleError):
        services.case_transition(user=rep, case=case, name="complete_deliver")
    case.refresh_from_db()
    assert case.step == Step.DELIVER


@pytest.mark.django_db
def test_the_page_shows_the_refusal_next_to_the_tick(rep, rep_client, said_not_yet):
    response = rep_client.post(url("delivery", said_not_yet), {
        "verified_with_client": "on", "client_satisfied": "on",
        "prevention_note": "Upgrades now run with a tested rollback",
        "follow_up_on": (timezone.localdate() + dt.timedelta(days=7)).isoformat()})

    assert response.status_code == 422
    assert "their word stands for this delivery" in response.content.decode()
    said_not_yet.refresh_from_db()
    assert not said_not_yet.delivery_ready


def _delivered_again(frozen, rep, case):
    """Loose ends five minutes after the client's "Not yet", a new item and estimate, and deliver again."""
    services.case_transition(user=rep, case=case, name="loose_ends", reason=NOT_YET_WORDS)
    case.refresh_from_db()
    frozen.shift(dt.timedelta(minutes=5))
    now = timezone.now()
    services.action_item_create(user=rep, case=case, description="Fix the card payment step of the checkout",
                                assignee=rep, due_at=now + dt.timedelta(hours=2))
    if not case.eta_latest:  # loose ends asks for a new estimate
        services.eta_set(user=rep, case=case, earliest=now + dt.timedelta(hours=1), latest=now + dt.timedelta(hours=3))
    case.refresh_from_db()
    services.case_transition(user=rep, case=case, name="complete_plan")
    case.refresh_from_db()
    return advance_to(case, Step.DELIVER, rep)


@pytest.mark.django_db
def test_after_loose_ends_the_next_attempt_can_be_confirmed(frozen, rep, said_not_yet):
    case = _delivered_again(frozen, rep, said_not_yet)

    _record(rep, case)

    case.refresh_from_db()
    assert case.delivery_ready
    services.case_transition(user=rep, case=case, name="complete_deliver")
    case.refresh_from_db()
    assert case.step == Step.RESOLVED


@pytest.mark.django_db
def test_a_forged_move_past_the_clients_not_yet_changes_nothing(rep, rep_client, said_not_yet):
    rep_client.post(reverse("cases:move", args=[said_not_yet.reference]), {"name": "complete_deliver"})

    said_not_yet.refresh_from_db()
    assert said_not_yet.step == Step.DELIVER


@pytest.mark.django_db
def test_the_not_yet_card_of_an_earlier_delivery_attempt_sends_nothing_back(frozen, rep, rep_client, said_not_yet):
    """The card's "back to the plan" form names the stay in deliver it was drawn in (Case.stay_mark): kept
    open while the case went back to the plan and was delivered again, it no longer moves the case."""
    page = rep_client.get(reverse("cases:case_detail", args=[said_not_yet.reference])).content.decode()
    card = re.search(r'<section id="client-not-yet".*?</section>', page, re.S).group(0)
    data = dict(re.findall(r'<input type="hidden" name="(name|step_shown)" value="([^"]*)"', card))
    assert data == {"name": "loose_ends", "step_shown": said_not_yet.stay_mark}
    case = _delivered_again(frozen, rep, said_not_yet)  # a second stay in deliver
    assert case.stay_mark != data["step_shown"]

    response = rep_client.post(reverse("cases:move", args=[case.reference]), {**data, "reason": NOT_YET_WORDS})

    case.refresh_from_db()
    assert response.status_code == 422 and case.step == Step.DELIVER
    assert "come back to it since you opened this page" in response.content.decode()


def test_after_the_clients_not_yet_the_gate_names_loose_ends_not_the_tick_it_would_refuse(rep, dennis):
    """Found by a red team: the gate said "The delivery still needs the client satisfied", which the service
    refuses over the client's own word; it now says the client's word and the way on."""
    from cases.client_word import attempt_key
    from cases.services.client_word import client_delivery_answer
    from tests.cases.helpers import meet_gate

    case = meet_gate(advance_to(open_case(rep, dennis), Step.DELIVER, rep), rep)
    client_delivery_answer(case=case, version=case.status_link_version, attempt=attempt_key(case), works=False,
                           text="The mail still bounces")
    case.refresh_from_db()

    gaps = case.gate_gaps()

    assert len(gaps) == 1 and "said “Not yet”" in gaps[0] and "Back to plan: loose ends" in gaps[0]
    with pytest.raises(CaseRuleError, match="Not yet"):
        services.case_transition(user=rep, case=case, name="complete_deliver")
