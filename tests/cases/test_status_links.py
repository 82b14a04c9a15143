"""The client's status link: signed and expiring, a read-only page that answers "when will it be
fixed?" in the client's time zone, shows nothing internal (of an update, only the line written for the
client), and is issued only by the case owner or a supervisor. Revocation: test_status_link_revocation.py."""
import datetime as dt
import zoneinfo

import pytest
from django.core import signing
from django.test import override_settings
from django.urls import reverse

from cases import services
from cases.models import CaseEvent, Channel, EscalationReason, Mood, PromiseKind, Step
from cases.status_links import SALT, make_token
from tests.cases.helpers import advance_to, open_case, plan_ready
from tests.factories import ClientFactory

NOW = dt.datetime(2025, 6, 30, 13, 0, tzinfo=dt.UTC)  # 09:00 in New York (EDT)
H = dt.timedelta(hours=1)
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


@pytest.fixture
def new_yorker(db):
    return ClientFactory(name="Dennis", email="dennis@shop.example", time_zone="America/New_York")


@pytest.fixture
def working_case(frozen, dana, new_yorker):
    """In manage_anxiety: estimate between 10:00 and 14:00 New York time; an update given at 09:30."""
    case = advance_to(open_case(dana, new_yorker), Step.PLAN, dana)
    plan_ready(case, dana)
    case = services.case_transition(user=dana, case=case, name="complete_plan")
    frozen.shift(dt.timedelta(minutes=30))
    services.status_update_log(user=dana, case=case, summary="Mail server restored from backup; site back by noon",
                               client_line="Your email works again; the website follows by noon.",
                               channel=Channel.PHONE, client_mood=Mood.CALM)
    case.refresh_from_db()
    return case


def status_url(case):
    """The link given to the client, as the owner gives it (issued: a token for a version never issued is
    not a link the client holds)."""
    return services.status_link_issue(user=case.owner, case=case).path


# --- the page -------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_page_answers_when_it_will_be_fixed_in_the_clients_time_zone(client, working_case):
    response = client.get(status_url(working_case))

    assert response.status_code == 200
    assert "Between Mon 30 Jun, 10:00 and Mon 30 Jun, 14:00" in response.content.decode()
    assert "America/New_York" in response.content.decode()


@pytest.mark.django_db
def test_the_page_shows_the_step_in_client_words_the_last_update_and_the_next_one(client, working_case):
    next_due = working_case.promises.get(kind=PromiseKind.STATUS_UPDATE, status="pending").due_at

    page = client.get(status_url(working_case)).content.decode()

    assert "We are working on the fix." in page
    assert "manage_anxiety" not in page and "Manage anxiety" not in page
    assert "Mon 30 Jun, 09:30: Your email works again; the website follows by noon." in page
    assert "Mail server restored" not in page  # the update's internal text
    assert f"By {next_due.astimezone(NEW_YORK):%a %d %b, %H:%M} (phone)" in page  # the pending update promise
    assert "Dana" in page


@pytest.mark.django_db
def test_the_page_leaks_nothing_internal(client, working_case, dana, supervisor, new_yorker):
    services.escalation_raise(user=dana, case=working_case, reason=EscalationReason.LIABILITY,
                              note="SECRET-ESCALATION asks for a refund")
    other = open_case(dana, new_yorker)
    working_case.refresh_from_db()

    page = client.get(status_url(working_case)).content.decode()

    internal = [
        dana.email, supervisor.email, dana.last_name, dana.username, "SECRET-ESCALATION", other.reference,
        working_case.root_problem, "I hear you", "We hold ourselves", "payroll is due",
        "Restore the mail server from backup",  # the action item's description
        "/supervisor/", "/cases/", "logout", "<script",
    ]
    assert [text for text in internal if text in page] == []


@pytest.mark.django_db
def test_without_an_estimate_yet_the_page_says_one_is_coming(client, frozen, dana, new_yorker):
    case = open_case(dana, new_yorker)

    page = client.get(status_url(case)).content.decode()

    assert "We will give you an estimate as soon as the fix is planned." in page
    assert "We are listening" in page and "No update yet." in page


@pytest.mark.django_db
def test_a_resolved_case_says_so_and_shows_no_estimate(client, frozen, dana, new_yorker):
    case = open_case(dana, new_yorker)
    url = status_url(case)  # the link the client holds when the case is resolved
    advance_to(case, Step.RESOLVED, dana)

    page = client.get(url).content.decode()

    assert "It has been resolved (Mon 30 Jun 2025, 09:00)" in page
    assert "Between" not in page and "Next update" not in page


@pytest.mark.django_db
def test_the_page_is_private_to_caches_robots_and_referers(client, working_case):
    response = client.get(status_url(working_case))

    assert response["Cache-Control"] == "no-store"
    assert "noindex" in response["X-Robots-Tag"]
    assert response["Referrer-Policy"] == "same-origin"  # its own forms need the origin (CSRF)


@pytest.mark.django_db
def test_the_page_is_read_only(client, working_case):
    response = client.post(status_url(working_case))

    assert response.status_code == 405


# --- expired and tampered links ------------------------------------------------------------------
@pytest.mark.django_db
@override_settings(CLIENT_LINK_MAX_AGE_DAYS=14)
def test_a_link_still_works_on_its_last_day(client, frozen, working_case):
    url = status_url(working_case)
    frozen.shift(dt.timedelta(days=14) - dt.timedelta(minutes=1))

    assert client.get(url).status_code == 200


@pytest.mark.django_db
@override_settings(CLIENT_LINK_MAX_AGE_DAYS=14)
def test_an_expired_link_says_so_and_whom_to_ask(client, frozen, working_case):
    url = status_url(working_case)
    frozen.shift(dt.timedelta(days=14, minutes=1))

    response = client.get(url)

    assert response.status_code == 410
    page = response.content.decode()
    assert "This link has expired" in page and "ask Dana" in page
    assert "Between" not in page and "Mail server restored" not in page


@pytest.mark.django_db
def test_a_tampered_signature_is_refused(client, working_case):
    token = make_token(working_case)
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")

    response = client.get(reverse("client_status", kwargs={"token": forged}))

    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()


@pytest.mark.django_db
def test_a_link_cannot_be_pointed_at_another_case(client, working_case, dana, new_yorker):
    other = open_case(dana, new_yorker)
    payload, rest = make_token(working_case).split(":", 1)
    other_payload = make_token(other).split(":", 1)[0]

    response = client.get(reverse("client_status", kwargs={"token": f"{other_payload}:{rest}"}))

    assert payload != other_payload
    assert response.status_code == 404


@pytest.mark.django_db
def test_a_value_signed_for_another_purpose_is_not_a_status_link(client, working_case):
    elsewhere = signing.TimestampSigner(salt="somewhere-else").sign_object({"c": working_case.pk})

    response = client.get(reverse("client_status", kwargs={"token": elsewhere}))

    assert response.status_code == 404
    assert SALT != "somewhere-else"


@pytest.mark.django_db
def test_a_link_to_a_deleted_case_is_not_valid(client, working_case):
    url = status_url(working_case)
    working_case.delete()

    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_garbage_is_not_valid(client):
    assert client.get(reverse("client_status", kwargs={"token": "not-a-token"})).status_code == 404


# --- issuing a link ----------------------------------------------------------------------------------
def issue_url(case):
    return reverse("supervisor:status_link", kwargs={"reference": case.reference})


@pytest.mark.django_db
def test_the_owner_gets_a_working_link_and_the_timeline_records_it(client, working_case, dana):
    client.force_login(dana)

    response = client.post(issue_url(working_case))

    assert response.status_code == 200
    link = response.context["link_url"]
    assert link.startswith("http://testserver/status/")
    assert client.get(link.removeprefix("http://testserver")).status_code == 200
    event = CaseEvent.objects.get(case=working_case, verb="client status link issued")
    assert event.actor == dana


@pytest.mark.django_db
def test_a_supervisor_can_issue_a_link_for_any_case(client, working_case, supervisor):
    client.force_login(supervisor)

    response = client.post(issue_url(working_case))

    assert response.status_code == 200 and "/status/" in response.context["link_url"]


@pytest.mark.django_db
def test_looking_at_the_issue_page_issues_nothing(client, working_case, dana):
    client.force_login(dana)

    response = client.get(issue_url(working_case))

    assert response.status_code == 200 and "link" not in response.context
    assert not CaseEvent.objects.filter(verb="client status link issued").exists()


@pytest.mark.django_db
@override_settings(REPS_SEE_OWN_CASES_ONLY=True)
def test_another_rep_cannot_see_the_case_to_issue_a_link(client, working_case, other_rep):
    client.force_login(other_rep)

    assert client.post(issue_url(working_case)).status_code == 404


@pytest.mark.django_db
def test_a_watcher_may_see_the_case_but_not_issue_a_link(client, working_case, other_rep):
    working_case.watchers.add(other_rep)
    client.force_login(other_rep)

    response = client.post(issue_url(working_case))

    assert response.status_code == 403
    assert not CaseEvent.objects.filter(verb="client status link issued").exists()


@pytest.mark.django_db
def test_an_anonymous_visitor_is_sent_to_log_in(client, working_case):
    response = client.post(issue_url(working_case))

    assert response.status_code == 401 and "/login/?next=" in response.content.decode()


@pytest.mark.django_db
def test_links_issued_for_two_cases_open_their_own_case(client, frozen, dana, new_yorker):
    first = open_case(dana, new_yorker)
    second = open_case(dana, ClientFactory(name="Erin", time_zone="UTC"))

    first_page = client.get(status_url(first)).content.decode()
    second_page = client.get(status_url(second)).content.decode()

    assert first.reference in first_page and second.reference not in first_page
    assert second.reference in second_page and first.reference not in second_page


@pytest.mark.django_db
def test_the_case_page_offers_the_owner_a_status_link_for_the_client(client, rep, dennis):
    case = open_case(rep, dennis)
    client.force_login(rep)

    response = client.get(reverse("cases:case_detail", args=[case.reference]))

    assert reverse("supervisor:status_link", args=[case.reference]) in response.content.decode()


@pytest.mark.django_db
def test_the_case_page_offers_no_status_link_to_a_teammate_holding_only_an_item(client, rep, other_rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.PLAN, rep)
    plan_ready(case, rep, assignee=other_rep)
    client.force_login(other_rep)

    response = client.get(reverse("cases:case_detail", args=[case.reference]))

    assert response.status_code == 200
    assert reverse("supervisor:status_link", args=[case.reference]) not in response.content.decode()
