"""The client's word on their status page ("It works", "Not yet", the satisfaction score) is theirs:
a browser signed in to the case tracker belongs to the team, and what it posts there is refused and
writes nothing (cases.views_status.TEAM_MAY_NOT_ANSWER). The same link in the client's own browser
still answers. The satisfaction score is taken only on the page the invitation emails to the client's
address: the link the team was shown opens nothing after the follow-up call (test_client_survey)."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cases import services
from cases.models import ClientAnswer, ClientSurvey, Delivery, Step
from cases.views_status import TEAM_MAY_NOT_ANSWER
from tests.cases.client_word_support import DennisBrowser, emailed_browser, token_of
from tests.cases.helpers import advance_to, open_case

NOW = dt.datetime(2025, 7, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def at_delivery(frozen, rep, dennis):
    return advance_to(open_case(rep, dennis), Step.DELIVER, rep)


def _answer_url(token):
    return reverse("client_status_answer", kwargs={"token": token})


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["rep_client", "boss"])
def test_a_signed_in_team_member_cannot_say_it_works_for_the_client(request, rep, at_delivery, who):
    browser = request.getfixturevalue(who)
    token = token_of(rep, at_delivery)
    attempt = at_delivery.step_entered_at.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S%f")

    response = browser.post(_answer_url(token), {"answer": "works", "text": "", "attempt": attempt})

    assert response.status_code == 403
    assert escape(TEAM_MAY_NOT_ANSWER) in response.content.decode()
    assert not ClientAnswer.objects.exists() and not Delivery.objects.filter(client_satisfied=True).exists()


@pytest.mark.django_db
def test_a_signed_in_rep_cannot_rate_the_teams_service_for_the_client(frozen, rep, rep_client, dennis, at_delivery):
    """The audit's case: the rep holds the link's address, and a 5/5 from their session counted as the client's."""
    token = token_of(rep, at_delivery)
    services.delivery_record(user=rep, case=at_delivery, verified_with_client=True, client_satisfied=True,
                             prevention_note="Upgrades now run with a tested rollback",
                             follow_up_on=timezone.localdate(timezone=dennis.tz) + dt.timedelta(days=2))
    case = services.case_transition(user=rep, case=at_delivery, name="complete_deliver")
    frozen.shift(dt.timedelta(days=2))
    services.follow_up_log(user=rep, case=case, note="Dennis says everything still works fine")
    invited = emailed_browser(case.client_messages.get(kind="follow_up")).token  # the page that asks

    for link in (token, invited):  # the link the rep was shown, or the client's own (forwarded to the rep)
        response = rep_client.post(reverse("client_status_survey", kwargs={"token": link}),
                                   {"score": 5, "comment": ""})
        assert response.status_code in (403, 410)
    assert not ClientSurvey.objects.filter(case=case).exists()
    page = rep_client.post(reverse("client_status_survey", kwargs={"token": invited}), {"score": 5, "comment": ""})
    assert page.status_code == 403 and escape(TEAM_MAY_NOT_ANSWER) in page.content.decode()


@pytest.mark.django_db
def test_the_clients_own_browser_still_answers(rep, at_delivery):
    response = DennisBrowser(token_of(rep, at_delivery)).answer("works")

    assert response.status_code == 302
    assert ClientAnswer.objects.get().works
