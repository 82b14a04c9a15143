"""The mood a teammate hears on a contact they log is a reading like any other: it changes the case's
temperature (and the irate rule) and shows on the case's mood trend and the client's page, which read
the "temperature recorded" events (cases.services.team.client_contact_log)."""
import re

import pytest
from django.urls import reverse

from cases.models import CaseEvent, Mood, Step
from tests.cases.ledger_web_support import signed_in_as
from tests.cases.views_support import in_step, page_of, url

pytestmark = pytest.mark.django_db


def _trend_moods(html):
    chips = re.search(r'<ol class="trend__chips">(.*?)</ol>', html, re.S).group(1)
    return re.findall(r"mood--(\w+)", chips)


def test_a_mood_heard_by_a_teammate_is_on_the_case_trend_and_the_client_page(rep, other_rep, dennis):
    case = in_step(rep, dennis, Step.GATHER)
    before = _trend_moods(signed_in_as(rep).get(page_of(case)).content.decode())

    signed_in_as(other_rep).post(url("contact_log", case), {
        "said": "He rang to say his orders are still failing", "client_mood": Mood.ANGRY, "channel": "phone"})

    reading = CaseEvent.objects.get(case=case, verb="temperature recorded")
    assert reading.actor == other_rep and reading.data["to"] == Mood.ANGRY
    assert _trend_moods(signed_in_as(rep).get(page_of(case)).content.decode()) == [*before, "angry"]
    client_page = signed_in_as(rep).get(reverse("cases:client_detail", args=[dennis.pk])).content.decode()
    assert _trend_moods(client_page)[-1] == "angry"
