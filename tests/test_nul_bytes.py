"""PostgreSQL cannot hold a NUL character: one in the path answers 404, one in a query parameter, a form
field's name, a cookie or a header answers 400 with a page saying what to fix, for every URL of the app and
never 500 (cases.middleware.RejectNulBytesMiddleware). One inside what was typed into a form field is taken
out and the form goes on (text pasted from a PDF keeps it; refusing the form lost everything typed). The test
client re-raises any server error, so a 500 anywhere fails these tests."""
import re

import pytest
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern

from cases import services
from cases.models import EscalationReason
from tests.cases.helpers import open_case
from tests.factories import ClientFactory, StaffProfileFactory, SupervisorFactory

PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def app_routes(patterns=None, prefix=""):
    """Every route of the app, e.g. "cases/<str:reference>/", except the admin's and the regular
    expressions of libraries (django-anymail's webhooks): those are spot-checked below."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if not isinstance(pattern.pattern, RoutePattern):
            continue
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if not route.startswith("admin/"):
                yield from app_routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route


@pytest.fixture
def world(db):
    supervisor = SupervisorFactory()
    rep = StaffProfileFactory(supervisor=supervisor).user
    dennis = ClientFactory(name="Dennis")
    case = open_case(rep, dennis)
    escalation = services.escalation_raise(user=rep, case=case, reason=EscalationReason.NO_PLAN,
                                           note="The host will not say when the server is back")
    return {"supervisor": supervisor, "rep": rep, "client": dennis, "case": case, "escalation": escalation}


def real_url(route, world):
    """The route with its parameters filled with objects that exist (a case's reference, the client's
    or the escalation's id), so that without the guard the view would really run its lookups."""
    def value(match):
        name = match.group("name")
        if name == "reference":
            return world["case"].reference
        if name == "pk":
            return str(world["client"].pk if route.startswith("clients/") else world["escalation"].pk)
        return "x1" if match.group("converter") in (None, "str", "slug", "path") else "1"
    return "/" + PARAM.sub(value, route)


def routes(world):
    found = sorted({real_url(route, world) for route in app_routes()})
    assert any("/cases/" in url for url in found) and len(found) > 20  # the walk found the app
    return found


@pytest.fixture(params=["rep", "supervisor", "anonymous"])
def visitor(request, client, world):
    if request.param != "anonymous":
        client.force_login(world[request.param])
    return client


def with_nul_in_path(url):
    """/cases/C-00001/ -> /cases/C-0%0001/ (inside the last segment), /search/ -> /search%00/."""
    head, _, last = url.rstrip("/").rpartition("/")
    middle = len(last) // 2
    return f"{head}/{last[:middle]}%00{last[middle:]}/"


@pytest.mark.django_db
def test_a_nul_in_any_path_is_not_found(visitor, world):
    for url in routes(world):
        response = visitor.get(with_nul_in_path(url))

        assert response.status_code == 404, url


@pytest.mark.django_db
def test_a_nul_in_a_query_parameter_of_any_page_is_a_bad_request(visitor, world):
    for url in routes(world):
        response = visitor.get(url + "?q=a%00b&client_q=a%00b&page=1%00")

        assert response.status_code == 400, url


@pytest.mark.django_db
def test_a_nul_in_a_posted_fields_value_on_any_page_is_taken_out_never_a_server_error(visitor, world):
    for url in [url for url in routes(world) if not url.startswith("/anymail/")]:  # their bodies: below
        response = visitor.post(url, {"note": "Called back\x00", "description": "ok", "q": "a\x00b"})

        assert response.status_code != 400, url  # a 500 would have been raised by the test client


@pytest.mark.django_db
def test_a_nul_in_a_field_name_is_a_bad_request(client, world):
    client.force_login(world["rep"])
    url = reverse("cases:case_detail", args=[world["case"].reference])

    assert client.post(url, {"no\x00te": "fine"}).status_code == 400  # the test client posts multipart
    assert client.post(url, "no%00te=fine", content_type="application/x-www-form-urlencoded").status_code == 400


@pytest.mark.django_db
def test_a_nul_pasted_into_the_intake_form_is_dropped_and_the_case_logged(client, world):
    """Found by an audit: one NUL in "What is wrong" (pasted from a PDF) refused the whole intake with a page
    that offered a signed-in rep "Sign in", and everything typed was gone."""
    client.force_login(world["rep"])
    form = {"client_name": "Nul Person", "summary": "Invoice pasted from PDF is wrong", "temperature": "anxious",
            "description": "Invoice total\x00 is double what was agreed on the phone",
            "impact": "They cannot pay their suppliers this week", "feeling": "Worried and cross"}

    response = client.post(reverse("cases:case_new"), form)
    body = "client_name=Nul%00%20Other&summary=Down%00&temperature=anxious"
    urlencoded = client.post(reverse("cases:case_new"), body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 302, response.context and response.context["form"].errors
    case = world["rep"].owned_cases.get(client__name="Nul Person")
    assert case.concerns.get().description == "Invoice total is double what was agreed on the phone"
    assert urlencoded.status_code == 302
    assert world["rep"].owned_cases.get(client__name="Nul Other").summary == "Down"


@pytest.mark.django_db
def test_the_examples_from_the_review_answer_404_and_400(client, world):
    client.force_login(world["rep"])

    assert client.get("/cases/C-0%0001/").status_code == 404
    assert client.get(reverse("cases:case_new") + "?client_q=a%00b").status_code == 400


@pytest.mark.django_db
def test_the_bad_request_page_says_what_to_fix(client, world):
    client.force_login(world["rep"])

    response = client.post(reverse("cases:case_new"), {"sum\x00mary": "Down"})

    body = response.content.decode()
    assert response.status_code == 400
    assert "NUL character" in body and "a form field" in body
    assert "Back to my cases" in body and "Sign in" not in body  # the guard answers before the session is read


@pytest.mark.django_db
def test_a_nul_in_the_login_form_a_cookie_or_a_header_is_a_bad_request(client, world):
    login = reverse("login")

    assert client.post(login, {"user\x00name": "fran", "password": "x"}).status_code == 400
    assert client.get(login, HTTP_USER_AGENT="Mozilla\x00").status_code == 400
    # A quoted cookie value may carry an octal escape, which Django decodes to a NUL.
    assert client.get(login, HTTP_COOKIE='sessionid="\\000abcdefgh"').status_code == 400


@pytest.mark.django_db
def test_the_status_page_and_the_admin_refuse_nul_bytes(client, world):
    assert client.get("/status/abc%00def/").status_code == 404
    client.force_login(world["supervisor"])
    world["supervisor"].is_staff = world["supervisor"].is_superuser = True
    world["supervisor"].save()

    assert client.get("/admin/cases/case/%00/change/").status_code == 404
    assert client.get("/admin/cases/case/?q=a%00b").status_code == 400


@pytest.mark.django_db
def test_ordinary_requests_pass_the_guard(client, world):
    client.force_login(world["rep"])

    assert client.get(reverse("cases:search") + "?q=Dennis").status_code == 200


@pytest.mark.django_db
@override_settings(ANYMAIL={"MAILGUN_WEBHOOK_SIGNING_KEY": "k" * 32})
def test_the_email_webhooks_refuse_nul_in_path_and_query_and_leave_the_body_to_the_webhook(client):
    webhook = "/anymail/mailgun/inbound/"

    assert client.post("/anymail/mail%00gun/inbound/", {"x": "y"}).status_code == 404
    assert client.post(webhook + "?a=%00", {"x": "y"}).status_code == 400
    answer = client.post(webhook, {"body-mime": "raw\x00mail"})  # the webhook's own signature check answers
    assert "NUL character" not in answer.content.decode()
