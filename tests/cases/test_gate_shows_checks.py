"""The case page offers a step only when the click would be taken (found by a review: "Delivered and
confirmed" was offered while the client's email lay unread, and the click was refused). What holds it beyond
the gate (services.transitions.CHECKS, the same checks the transition runs) is listed where the button was."""

import pytest
from django.urls import reverse

from cases.services.client_mail import client_mail_read
from cases.workflow import Transition
from tests.cases.helpers import meet_gate
from tests.cases.test_delivery_client_word import NOW, client_writes  # noqa: F401 - NOW: the frozen clock

pytestmark = pytest.mark.django_db
BUTTON = f"{Transition.COMPLETE_DELIVER.label} →"


def page(client, rep, case):
    client.force_login(rep)
    return client.get(reverse("cases:case_detail", args=[case.reference])).content.decode()


def test_no_resolve_button_while_the_clients_email_is_unread_and_the_page_says_why(client, rep, at_delivery):
    case = meet_gate(at_delivery, rep)  # satisfied delivery recorded: the gate itself is met
    case = client_writes(case)

    html = page(client, rep, case)

    assert BUTTON not in html
    assert "Read the client&#x27;s email first" in html


def test_the_button_is_back_once_the_email_is_read(client, rep, at_delivery):
    case = client_writes(meet_gate(at_delivery, rep))
    client_mail_read(user=rep, case=case, client_mood="calm")

    html = page(client, rep, case)

    assert BUTTON in html and "Read the client&#x27;s email first" not in html
