"""The permission matrix: every URL the project serves (walked from the resolver) x every role x GET
and POST, against the table below. A URL pattern added without a row fails
test_every_url_has_a_row_in_the_matrix, so nobody adds a page without saying who gets in.

Each cell is "GET/POST". The POST carries an empty body: a 422 (or a 200 page re-shown with its
errors, or 400 from the coach) means the request got past every permission check and was stopped by
the form; 403 means refused for who they are; 404 means the case is not theirs to know about; 405
means the method is refused before anything is looked up; 302 for an anonymous GET is the way to the
login page (for the admin, the admin's login page), while an anonymous POST to a page behind the sign-in
is refused with 401 and what was sent said back (cases/session_expired.py); 302 for a signed-in user is a
completed action or the way to the page a part belongs to. Exceptions worth knowing: an empty POST to the
intake form shows the blank form (200); claiming a case that is not waiting for a claim (mailin:claim) is refused with a
message on the way back to the inbox (302), and tests/mailin checks who may claim.

Roles, on one case of the owner's in plan (tests/security/support.py, build_world):
  anonymous   nobody signed in
  owner       the rep who owns the case
  other rep   a rep with no link to the case (the whole team may read it: "whoever hears it, helps")
  teammate    a rep holding one of the case's action items
  restricted  a rep with no link to the case while REPS_SEE_OWN_CASES_ONLY is on
  supervisor  a supervisor (not Django staff)
Each row's cells run on one world, each request inside a savepoint that is rolled back."""
import pytest

from tests.security.support import (
    GROUP_PROBE, POST_BODY, ROLES, build_world, client_for, restricted, undone, url_patterns,
)

pytestmark = pytest.mark.django_db

MATRIX = """
url name                        | anonymous | owner   | other rep | teammate | restricted | supervisor
admin:*                         | 302/302   | 302/302 | 302/302   | 302/302  | 302/302    | 302/302
anymail:*                       | 404/404   | 404/404 | 404/404   | 404/404  | 404/404    | 404/404
mailin:inbox                    | 302/401   | 200/405 | 200/405   | 200/405  | 200/405    | 200/405
mailin:case_mail                | 302/401   | 200/422 | 200/403   | 200/403  | 404/404    | 200/422
mailin:claim                    | 302/401   | 405/302 | 405/302   | 405/302  | 405/404    | 405/302
mailin:attachment               | 302/401   | 404/404 | 404/404   | 404/404  | 404/404    | 404/404
login                           | 200/200   | 200/200 | 200/200   | 200/200  | 200/200    | 200/200
logout                          | 405/302   | 405/302 | 405/302   | 405/302  | 405/302    | 405/302
playbook:coach                  | 302/401   | 405/400 | 405/400   | 405/400  | 405/400    | 405/400
supervisor:queue                | 302/401   | 403/403 | 403/403   | 403/403  | 403/403    | 200/405
supervisor:escalation           | 302/401   | 403/403 | 403/403   | 403/403  | 403/403    | 302/405
supervisor:take                 | 302/401   | 403/403 | 403/403   | 403/403  | 403/403    | 405/302
supervisor:add_note             | 302/401   | 403/403 | 403/403   | 403/403  | 403/403    | 405/422
supervisor:resolve              | 302/401   | 403/403 | 403/403   | 403/403  | 403/403    | 405/422
supervisor:reassign             | 302/401   | 403/403 | 403/403   | 403/403  | 403/403    | 405/422
supervisor:force_close          | 302/401   | 403/403 | 403/403   | 403/403  | 403/403    | 405/422
supervisor:case_escalations     | 302/401   | 403/403 | 403/403   | 403/403  | 403/403    | 200/405
supervisor:case_take            | 302/401   | 403/403 | 403/403   | 403/403  | 403/403    | 405/302
supervisor:case_note            | 302/401   | 403/403 | 403/403   | 403/403  | 403/403    | 405/422
supervisor:case_resolve         | 302/401   | 403/403 | 403/403   | 403/403  | 403/403    | 405/422
supervisor:case_reassign        | 302/401   | 403/403 | 403/403   | 403/403  | 403/403    | 405/422
supervisor:case_force_close     | 302/401   | 403/403 | 403/403   | 403/403  | 403/403    | 405/422
supervisor:dashboard            | 302/401   | 403/403 | 403/403   | 403/403  | 403/403    | 200/405
supervisor:status_link          | 302/401   | 200/200 | 403/403   | 403/403  | 404/404    | 200/200
supervisor:status_link_revoke   | 302/401   | 405/302 | 405/403   | 405/403  | 405/404    | 405/302
supervisor:all_cases            | 302/401   | 403/403 | 403/403   | 403/403  | 403/403    | 200/405
client_status                   | 404/405   | 404/405 | 404/405   | 404/405  | 404/405    | 404/405
client_status_answer            | 405/404   | 405/404 | 405/404   | 405/404  | 405/404    | 405/404
client_status_survey            | 405/404   | 405/404 | 405/404   | 405/404  | 405/404    | 405/404
notifications:healthz           | 503/405   | 503/405 | 503/405   | 503/405  | 503/405    | 503/405
cases:my_cases                  | 302/401   | 200/405 | 200/405   | 200/405  | 200/405    | 200/405
cases:case_new                  | 302/401   | 200/200 | 200/200   | 200/200  | 200/200    | 200/200
cases:case_detail               | 302/401   | 200/405 | 200/405   | 200/405  | 404/405    | 200/405
cases:case_part                 | 302/401   | 302/405 | 404/405   | 404/405  | 404/405    | 302/405
cases:concern_add               | 302/401   | 405/422 | 405/403   | 405/403  | 405/404    | 405/422
cases:concern_edit              | 302/401   | 405/422 | 405/403   | 405/403  | 405/404    | 405/422
cases:temperature               | 302/401   | 405/422 | 405/403   | 405/403  | 405/404    | 405/422
cases:irate                     | 302/401   | 405/302 | 405/403   | 405/403  | 405/404    | 405/302
cases:ack                       | 302/401   | 405/422 | 405/403   | 405/403  | 405/404    | 405/422
cases:recommit                  | 302/401   | 405/422 | 405/403   | 405/403  | 405/404    | 405/422
cases:fact_add                  | 302/401   | 405/422 | 405/403   | 405/403  | 405/404    | 405/422
cases:fact_answer               | 302/401   | 405/422 | 405/403   | 405/403  | 405/404    | 405/422
cases:root                      | 302/401   | 405/422 | 405/403   | 405/403  | 405/404    | 405/422
cases:item_add                  | 302/401   | 405/422 | 405/403   | 405/403  | 405/404    | 405/422
cases:item_edit                 | 302/401   | 405/422 | 405/403   | 405/403  | 405/404    | 405/422
cases:item_hand_back            | 302/401   | 405/403 | 405/403   | 405/422  | 405/404    | 405/403
cases:item_hand_back_answer     | 302/401   | 405/422 | 405/403   | 405/403  | 405/404    | 405/422
cases:item_done                 | 302/401   | 405/302 | 405/403   | 405/302  | 405/404    | 405/302
cases:item_cancel               | 302/401   | 405/422 | 405/403   | 405/403  | 405/404    | 405/422
cases:cadence                   | 302/401   | 405/422 | 405/403   | 405/403  | 405/404    | 405/422
cases:eta                       | 302/401   | 405/422 | 405/403   | 405/403  | 405/404    | 405/422
cases:update                    | 302/401   | 405/422 | 405/403   | 405/403  | 405/404    | 405/422
cases:client_message_send       | 302/401   | 405/422 | 405/403   | 405/403  | 405/404    | 405/422
cases:renegotiate               | 302/401   | 405/422 | 405/403   | 405/403  | 405/404    | 405/422
cases:delivery                  | 302/401   | 405/422 | 405/403   | 405/403  | 405/404    | 405/422
cases:followup                  | 302/401   | 405/422 | 405/403   | 405/403  | 405/404    | 405/422
cases:transition                | 302/401   | 405/422 | 405/403   | 405/403  | 405/404    | 405/422
cases:move                      | 302/401   | 405/422 | 405/403   | 405/403  | 405/404    | 405/422
cases:escalate                  | 302/401   | 405/422 | 405/403   | 405/403  | 405/404    | 405/422
cases:handoff_request           | 302/401   | 405/422 | 405/403   | 405/403  | 405/404    | 405/422
cases:handoff_accept            | 302/401   | 405/422 | 405/403   | 405/403  | 405/404    | 405/422
cases:handoff_decline           | 302/401   | 405/302 | 405/403   | 405/403  | 405/404    | 405/302
cases:contact_log               | 302/401   | 405/422 | 405/422   | 405/422  | 405/404    | 405/422
cases:ask_for_case              | 302/401   | 405/403 | 405/422   | 405/422  | 405/404    | 405/422
cases:client_details            | 302/401   | 405/422 | 405/403   | 405/403  | 405/404    | 405/422
cases:reassign                  | 302/401   | 405/403 | 405/403   | 405/403  | 405/404    | 405/422
cases:client_detail             | 302/401   | 200/405 | 200/405   | 200/405  | 404/405    | 200/405
cases:client_history            | 302/401   | 200/405 | 200/405   | 200/405  | 200/405    | 200/405
cases:client_history_picked     | 302/401   | 200/405 | 200/405   | 200/405  | 200/405    | 200/405
cases:search                    | 302/401   | 200/405 | 200/405   | 200/405  | 200/405    | 200/405
cases:time_zone_options         | 302/401   | 200/405 | 200/405   | 200/405  | 200/405    | 200/405
"""


def _parse(table):
    lines = [line for line in table.strip().splitlines()]
    header = [cell.strip() for cell in lines[0].split("|")][1:]
    assert header == [title for title, _, _ in ROLES], "the matrix's columns and support.ROLES disagree"
    rows = {}
    for line in lines[1:]:
        name, *cells = (cell.strip() for cell in line.split("|"))
        assert name not in rows, f"{name} has two rows"
        rows[name] = {title: tuple(int(code) for code in cell.split("/")) for title, cell in zip(header, cells)}
    return rows


EXPECTED = _parse(MATRIX)
PATTERNS = dict(url_patterns())


def test_every_url_has_a_row_in_the_matrix():
    served = set(PATTERNS)

    assert sorted(served - set(EXPECTED)) == [], "URL patterns without a row in MATRIX: add one"
    assert sorted(set(EXPECTED) - served) == [], "rows in MATRIX for URLs that no longer exist"


def _url(world, name):
    return GROUP_PROBE.get(name) or world.url(name, PATTERNS[name])


@pytest.mark.parametrize("name", sorted(set(EXPECTED) & set(PATTERNS)))
def test_each_role_gets_what_the_matrix_says(name):
    world = build_world()
    target = _url(world, name)
    wrong = []

    for title, who, own_cases_only in ROLES:
        for method, expected in zip(("GET", "POST"), EXPECTED[name][title]):
            with undone(), restricted(own_cases_only):
                client = client_for(world, who)
                if method == "GET":
                    status = client.get(target).status_code
                else:
                    status = client.post(target, **POST_BODY.get(name, {"data": {}})).status_code
            if status != expected:
                wrong.append(f"{title} {method} {target}: {status}, expected {expected}")

    assert wrong == []


# --- Nothing of another rep's case leaks while reps see their own cases only ------------------------
HTMX = {"HX-Request": "true"}


@pytest.fixture
def own_cases_only(settings):
    settings.REPS_SEE_OWN_CASES_ONLY = True
    world = build_world()
    client = client_for(world, "other")  # owns others_case ("Olga Other"); nothing links them to world.case
    return world, client


def _secrets(world):
    """What the page of the owner's case says that no restricted rep may read elsewhere."""
    return [world.case.reference, "Dennis Hale", "Website and business email have been down",
            "Restore the mail server from backup"]


def _leaks(world, response):
    body = response.content.decode()
    return [secret for secret in _secrets(world) if secret in body]


@pytest.mark.parametrize("headers", [{}, {**HTMX, "HX-Target": "case-list"}], ids=["page", "htmx"])
def test_my_cases_lists_only_the_reps_own_cases(own_cases_only, headers):
    world, client = own_cases_only

    response = client.get("/", {"show": "all"}, headers=headers)

    assert response.status_code == 200 and world.others_case.reference in response.content.decode()
    assert _leaks(world, response) == []


@pytest.mark.parametrize("q", ["Dennis", "Website and business email", "mail server", "C-0"])
@pytest.mark.parametrize("headers", [{}, {**HTMX, "HX-Target": "search-results"}], ids=["page", "htmx"])
def test_search_finds_nothing_of_another_reps_case(own_cases_only, q, headers):
    world, client = own_cases_only

    response = client.get("/search/", {"q": q}, headers=headers)

    assert response.status_code == 200
    assert _leaks(world, response) == []


def test_search_still_finds_the_reps_own_case(own_cases_only):
    world, client = own_cases_only

    response = client.get("/search/", {"q": "Olga"})

    assert world.others_case.reference in response.content.decode()


@pytest.mark.parametrize("path", ["/clients/{pk}/history/", "/clients/history/?client={pk}", "/cases/new/?client={pk}"])
def test_the_intake_history_of_another_reps_client_shows_nothing_of_them_not_even_the_name(own_cases_only, path):
    world, client = own_cases_only

    response = client.get(path.format(pk=world.case.client_id), headers=HTMX)

    assert response.status_code == 200
    assert _leaks(world, response) == []


def test_a_forged_intake_post_for_another_reps_client_is_refused_without_naming_them(own_cases_only):
    world, client = own_cases_only

    response = client.post("/cases/new/", {"client": world.case.client_id, "summary": "Forged",
                                           "temperature": "upset", "description": "x", "impact": "y"})

    assert response.status_code == 422
    assert _leaks(world, response) == []


def test_a_returning_caller_named_by_their_whole_email_shows_their_history_to_the_restricted_rep(own_cases_only):
    world, client = own_cases_only
    email = world.case.client.email

    response = client.get("/clients/history/", {"client": world.case.client_id, "client_q": email}, headers=HTMX)

    assert email and "Dennis Hale" in response.content.decode()
    assert world.case.reference not in response.content.decode()  # their cases stay the owner's


def test_another_reps_client_page_is_not_found(own_cases_only):
    world, client = own_cases_only

    assert client.get(f"/clients/{world.case.client_id}/").status_code == 404


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_another_reps_case_and_its_parts_are_not_found(own_cases_only, headers):
    world, client = own_cases_only

    parts = [f"/cases/{world.case.reference}/part/{key}/" for key in ("timeline", "older_updates", "promise_history")]
    for path in (f"/cases/{world.case.reference}/", *parts):
        assert client.get(path, headers=headers).status_code == 404, path


@pytest.mark.parametrize("export", ["/supervisor/cases/?format=csv", "/supervisor/team/?format=csv&chart=keeping"])
def test_a_rep_cannot_download_the_team_csv_exports(own_cases_only, export):
    world, client = own_cases_only

    response = client.get(export)

    assert response.status_code == 403 and _leaks(world, response) == []


def test_a_staff_rep_sees_only_their_own_cases_and_clients_in_the_admin(own_cases_only):
    world, client = own_cases_only
    world.other.is_staff = True
    world.other.save(update_fields=["is_staff"])

    pages = [client.get(f"/admin/cases/{model}/") for model in ("case", "client", "concern", "actionitem")]

    assert [p.status_code for p in pages] == [200, 200, 403, 200]  # reps hold change_actionitem
    assert "Olga Other" in pages[1].content.decode()
    assert [_leaks(world, page) for page in pages] == [[], [], [], []]
    assert client.get(f"/admin/cases/case/{world.case.pk}/change/").status_code in (302, 403, 404)
    assert client.get(f"/admin/cases/client/{world.case.client_id}/change/").status_code in (302, 403, 404)
