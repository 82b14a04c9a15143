"""Two findings of an input audit:

- HEAD is answered wherever GET is (require_safe, not require_GET): link checkers and mail previewers send
  HEAD to the status link a client is emailed, and monitoring sends it to the supervisor's pages; they got
  405 on half the read-only pages. The case page, which took any method, refuses a post it would ignore.
- A form's one-time token (cases/once.py) with a newline after its 32 hex characters passed the check
  ("$" matches before a final newline) and failed to fit its column: every form post answered 500. It is
  taken for no token now: the post is saved as a first submission."""
import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from cases.models import Case, EscalationReason, Step
from cases.services import escalation_raise
from cases.status_links import make_token
from tests.cases.helpers import advance_to, open_case
from tests.factories import ClientFactory, StaffProfileFactory, SupervisorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    boss = SupervisorFactory()
    rep = StaffProfileFactory(supervisor=boss).user
    client = ClientFactory(name="Dennis Hale")
    case = advance_to(open_case(rep, client), Step.GATHER, rep)
    escalation = escalation_raise(user=rep, case=case, reason=EscalationReason.OTHER, note="Dennis wants a manager")
    return {"boss": boss, "rep": rep, "client": client, "case": case, "escalation": escalation}


def _pages(w):
    ref = w["case"].reference
    return [
        reverse("cases:client_detail", args=[w["client"].pk]),
        reverse("cases:client_history", args=[w["client"].pk]),
        reverse("supervisor:queue"),
        reverse("supervisor:escalation", args=[w["escalation"].pk]),
        reverse("supervisor:case_escalations", args=[ref]),
        reverse("supervisor:dashboard"),
        reverse("supervisor:all_cases"),
        reverse("supervisor:status_link", args=[ref]),
        reverse("mailin:case_mail", args=[ref]),
    ]


def test_every_read_only_page_answers_head_as_it_answers_get(world):
    http = HttpClient()
    http.force_login(world["boss"])

    for path in _pages(world):
        got, head = http.get(path), http.head(path)
        assert got.status_code in (200, 302), path  # an escalation's own page leads to its case's
        assert (head.status_code, head.content, head.get("Location")) == (got.status_code, b"", got.get("Location"))


def test_the_case_page_refuses_a_post_it_would_ignore(world):
    http = HttpClient()
    http.force_login(world["rep"])
    path = reverse("cases:case_detail", args=[world["case"].reference])

    assert http.post(path, {"temperature": "calm"}).status_code == 405
    assert (http.head(path).status_code, http.get(path).status_code) == (200, 200)


def test_the_clients_status_link_answers_head(world):
    path = reverse("client_status", kwargs={"token": make_token(world["case"])})

    head = HttpClient().head(path)

    assert (head.status_code, head.content) == (200, b"")


@pytest.mark.parametrize("token", ["a" * 32 + "\n", "A" * 32, "a" * 31, "a" * 33, " " + "a" * 32])
def test_a_malformed_one_time_token_is_taken_for_none_not_a_500(world, token):
    http = HttpClient(raise_request_exception=False)
    http.force_login(world["rep"])

    response = http.post(reverse("cases:temperature", args=[world["case"].reference]),
                         {"temperature": "calm", "note": "", "once": token})

    assert response.status_code == 302
    assert Case.objects.get(pk=world["case"].pk).temperature == "calm"
