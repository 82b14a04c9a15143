"""Hostile input. A script payload in every free-text field is inert in every page (and every htmx
part of the case page), every email (HTML escaped; text/plain is inert by its type; no header
injection) and every CSV export; CSV cells that a spreadsheet would read as a formula are defused;
oversized text, NUL bytes, impossible dates and time zones get a form error, and bad ids, bad query
strings and NUL bytes in URLs a 400 or 404: never a 500 (the test client raises on any server error).

The NUL-byte-in-URL and query-string cases pass once the request guard (cases/middleware.py, issue 10)
answers them with 400/404 instead of reaching PostgreSQL."""
import csv
import io
import re

import pytest
from django.test import Client as HttpClient

from cases.csv_safe import FORMULA_STARTS, csv_safe
from cases.views.actions import ACTION_LIST
from notifications.models import OutboxMessage
from tests.security.hostile_support import ESCAPED, build_hostile, live_markup, status_page_url
from tests.security.support import GROUP_PROBE, build_world, client_for, undone, url_patterns

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def hostile():
    return build_hostile()


def _signed_in(user):
    http = HttpClient()
    http.force_login(user)
    return http


def _pages(h):
    """Every page that shows something of the hostile cases, as (label, path, headers)."""
    case, closed, client = h["case"], h["closed"], h["client"]
    paths = [
        "/", "/?show=all", "/search/?q=Three+plain+words", f"/clients/{client.pk}/", f"/clients/{client.pk}/history/",
        "/cases/new/?client_q=Three", "/supervisor/", "/supervisor/?status=resolved", "/supervisor/cases/",
        "/supervisor/team/", f"/supervisor/cases/{case.reference}/escalations/",
        f"/supervisor/cases/{case.reference}/status-link/",
    ]
    for c in (case, closed):
        paths += [f"/cases/{c.reference}/", f"/cases/{c.reference}/?open=timeline"]
    pages = [(p, p, {}) for p in paths]
    pages += [(f"{p} (htmx)", p, {**HTMX, "HX-Target": t}) for p, t in (
        ("/?show=all", "case-list"), ("/search/?q=Three+plain+words", "search-results"),
        ("/cases/new/?client_q=Three", "id_client"))]
    for key in ("timeline", "older_updates", "promise_history", "escalate", "contact_log", "client_details",
                "item_edit", "renegotiate", "reassign"):
        path = f"/cases/{case.reference}/part/{key}/"
        pages.append((f"{path} (htmx)", path, HTMX))
    return pages


def test_the_payload_is_inert_in_every_page(hostile):
    http = _signed_in(hostile["supervisor"])
    found = []

    for label, path, headers in _pages(hostile):
        response = http.get(path, headers=headers)
        if response.status_code == 200 and live_markup(response.content.decode()):
            found.append(f"{label}: {live_markup(response.content.decode())}")

    assert found == []
    assert ESCAPED in http.get(f"/cases/{hostile['case'].reference}/").content.decode()  # it was shown, escaped


def test_the_payload_is_inert_on_the_owners_and_the_teammates_case_page(hostile):
    for user in (hostile["owner"], hostile["teammate"]):
        body = _signed_in(user).get(f"/cases/{hostile['case'].reference}/").content.decode()

        assert live_markup(body) == [] and ESCAPED in body


def test_the_payload_is_inert_on_the_clients_status_page(hostile):
    path = status_page_url(hostile["owner"], hostile["case"])

    response = HttpClient().get(path)

    assert response.status_code == 200
    assert live_markup(response.content.decode()) == []


def test_the_payload_is_inert_in_every_email(hostile):
    rows = list(OutboxMessage.objects.all())
    carried = {row.kind for row in rows if "alert(1)" in row.body_text}

    assert [row.kind for row in rows if live_markup(row.body_html)] == []
    assert [row.kind for row in rows if "\n" in row.subject or "\r" in row.subject] == []
    assert len(carried) >= 6, f"the payload reached too few kinds of email to prove anything: {carried}"
    assert all(ESCAPED in row.body_html or "alert(1)" not in row.body_html for row in rows)


def test_the_payload_is_only_data_in_the_csv_exports(hostile):
    http = _signed_in(hostile["supervisor"])
    exports = ["/supervisor/cases/?format=csv", *_team_csv_links(http)]
    assert len(exports) > 3, exports

    for path in exports:
        response = http.get(path)

        assert response["Content-Type"].startswith("text/csv"), path
        assert response["Content-Disposition"].startswith("attachment"), path
        assert response.get("X-Content-Type-Options") == "nosniff", path


def _team_csv_links(http):
    page = http.get("/supervisor/team/").content.decode()
    links = {link.replace("&amp;", "&") for link in re.findall(r'href="([^"]*format=csv[^"]*)"', page)}
    return sorted(f"/supervisor/team/{link}" if link.startswith("?") else link for link in links)


# --- CSV formulas --------------------------------------------------------------------------------
@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_a_cell_that_starts_like_a_formula_is_defused(start):
    assert csv_safe(f"{start}HYPERLINK(\"http://evil.example\",\"x\")").startswith("'")


def test_numbers_stay_numbers_in_a_csv():
    assert (csv_safe(-3), csv_safe(2.5), csv_safe(None)) == (-3, 2.5, "")


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_no_exported_cell_starts_a_formula(start):
    from tests.factories import StaffProfileFactory, SupervisorFactory
    from tests.cases.helpers import open_case
    from cases import services

    supervisor = SupervisorFactory()
    owner = StaffProfileFactory(supervisor=supervisor, user__first_name=f"{start}cmd|' /C calc'!A0").user
    client = services.client_create(user=owner, name=f"{start}HYPERLINK(\"http://evil.example\")",
                                    organisation=f"{start}1+1", time_zone="UTC")
    case = open_case(owner, client)
    services.escalation_raise(user=owner, case=case, reason="other", note="The host will not answer us at all")
    http = _signed_in(supervisor)

    cells = []
    for path in ["/supervisor/cases/?format=csv", *_team_csv_links(http)]:
        text = b"".join(http.get(path).streaming_content).decode()
        cells += [cell for row in csv.reader(io.StringIO(text)) for cell in row]

    assert [c for c in cells if c.startswith(FORMULA_STARTS)] == []
    if start.strip():  # a leading tab or CR is already stripped when the text is stored
        assert any(c.startswith(f"'{start}") for c in cells)


# --- Oversized text, NUL bytes, impossible dates and zones: a form error -------------------------
def _text_fields(action):
    form = action.form
    return [name for name, field in form.base_fields.items() if getattr(field, "max_length", None)]


_ATTR = {"supervisor": "supervisor", "owner": "owner", "teammate": "teammate", "other": "other"}


def _post_as_someone_allowed(world, url, data):
    for who in ("supervisor", "owner", "teammate", "other"):
        with undone():
            response = client_for(world, who).post(url, data)
        if response.status_code != 403:
            return who, response
    return None, response


@pytest.mark.parametrize("action", [a for a in ACTION_LIST if _text_fields(a)], ids=lambda a: a.name)
def test_oversized_text_and_nul_bytes_get_a_form_error(action):
    world = build_world()
    url = world.url(f"cases:{action.name}", f"cases/<str:reference>/{action.path}")
    obj = action.get_object(world.case, world.pk_for(f"cases:{action.name}")) if action.lookup else None
    wrong = []

    for name in _text_fields(action):
        limit = action.form.base_fields[name].max_length
        for label, value in (("oversized", "word " * (limit // 5 + 2)), ("NUL byte", "three plain\x00 words")):
            who, response = _post_as_someone_allowed(world, url, {name: value})
            # A NUL byte typed into a field is taken out at the door (cases/middleware.py): the form goes on.
            if response.status_code not in ((422,) if label == "oversized" else (200, 302, 422)):
                wrong.append(f"{name} {label} as {who}: {response.status_code}")
            form = action.bind({name: value}, case=world.case, user=getattr(world, _ATTR[who]), obj=obj)
            if name not in form.errors:
                wrong.append(f"{name} {label}: no error beside the field")

    assert wrong == []


@pytest.mark.parametrize("action, data", [
    ("eta", {"eta_earliest": "2026-13-45T99:99", "eta_latest": "not a date"}),
    ("eta", {"eta_earliest": "9999-12-31T23:59", "eta_latest": "9999-12-31T23:59"}),
    ("item_add", {"description": "Call the host about the backup", "kind": "fix", "due_at": "0000-00-00T00:00"}),
    ("renegotiate", {"new_due_at": "99999-01-01T00:00", "agreed_channel": "phone",
                     "agreed_text": "The client agreed on the phone"}),
    ("cadence", {"every": "-5", "unit": "minutes", "channel": "phone"}),
    ("client_details", {"name": "Dennis Hale", "time_zone": "Mars/Olympus_Mons"}),
    ("client_details", {"name": "Dennis Hale", "time_zone": "../../etc/localtime"}),
    ("client_details", {"name": "Dennis Hale", "time_zone": "UTC", "quiet_hours_start": "25:99"}),
], ids=["eta-garbage", "eta-year-9999", "item-year-0", "renegotiate-year-99999", "cadence-negative",
        "zone-unknown", "zone-path", "quiet-hours-garbage"])
def test_impossible_dates_and_time_zones_get_a_form_error(action, data):
    world = build_world()
    url = world.url(f"cases:{action}", dict(url_patterns())[f"cases:{action}"])

    response = client_for(world, "owner").post(url, data)

    assert response.status_code == 422


def test_an_unknown_time_zone_in_the_picker_is_ignored():
    world = build_world()

    http = client_for(world, "owner")

    assert http.get("/time-zones/", {"selected": "Mars/Olympus_Mons"}).status_code == 200
    assert http.get("/time-zones/", {"selected": "Europe/London\x00"}).status_code in (200, 400)


# --- Bad ids and bad query strings, on every URL ---------------------------------------------------
BAD_REFERENCES = ["C-999999", "..%2F..%2Fetc", "x" * 500, "C-0%0001", "%00", "%E2%80%AE", "C-000001%27--"]
BAD_PKS = ["0", "99999999999999999999", "2147483648", "9" * 40]


def _routes_with_ids():
    return [(name, route) for name, route in url_patterns()
            if name not in GROUP_PROBE and any(p in route for p in ("<str:reference>", "<int:pk>", "<str:token>"))]


@pytest.mark.parametrize("name, route", _routes_with_ids(), ids=[n for n, _ in _routes_with_ids()])
def test_bad_ids_are_not_found_on_every_url(name, route):
    world = build_world()
    http = client_for(world, "supervisor")
    wrong = []

    # The intake form's history panel answers an unknown client with an empty panel (cases.views.clients).
    allowed = (200, 400, 404, 405) if name == "cases:client_history" else (400, 404, 405, 410)
    for bad in (BAD_PKS if "<int:pk>" in route else BAD_REFERENCES):
        path = "/" + re.sub(r"<(str|int):\w+>", bad, route)
        if "<int:pk>" in route and "<str:reference>" in route:
            path = "/" + re.sub(r"<int:pk>", bad, route).replace("<str:reference>", world.case.reference)
        for method in ("get", "post"):
            with undone():
                status = getattr(http, method)(path).status_code
            if status not in allowed:
                wrong.append(f"{method.upper()} {path[:80]}: {status}")

    assert wrong == []


HOSTILE_QUERY = {key: "a\x00b" for key in ("q", "client_q", "client", "page", "show", "step", "days", "chart",
                                            "format", "selected", "open", "status", "reason", "owner", "sort", "zones")}


@pytest.mark.parametrize("name, route", url_patterns(), ids=[n for n, _ in url_patterns()])
def test_nul_bytes_in_the_query_string_never_make_a_server_error(name, route):
    world = build_world()
    path = GROUP_PROBE.get(name) or world.url(name, route)

    for who in ("supervisor", "owner"):
        with undone():
            status = client_for(world, who).get(path, HOSTILE_QUERY).status_code

        assert status < 500, f"{who}: {status}"
