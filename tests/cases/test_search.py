"""Search (cases/search.py, /search/): every field, accents and capitals, prefixes and references,
ranking, who sees what, paging, the page itself, its cost, and the SQLite fallback."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from cases import services
from cases.models import Case, Channel, Mood, Step
from cases.search import fallback_search, fold, postgres_search, search_cases, search_refresh
from tests.cases.helpers import advance_to, open_case
from tests.factories import CaseFactory, ClientFactory

pytestmark = pytest.mark.django_db

SEARCH = reverse("cases:search")


def _refs(rows):
    return [c.reference for c in rows]


def _client(name, **fields):
    """A client whose every searchable field is given (Faker's random emails could match a query)."""
    fields.setdefault("organisation", "")
    fields.setdefault("email", "")
    fields.setdefault("phone", "")
    return ClientFactory(name=name, **fields)


@pytest.fixture
def tomas(db):
    return _client(name="Tomás Ørsted", organisation="Quillfeather Bakery", email="kettleworth@example.net",
                         phone="+44 20 7946 0123")


@pytest.fixture
def rich_case(rep, tomas):
    """A case with a distinct word in every searchable field, built through the services."""
    case = services.case_open(
        user=rep, client=tomas, summary="Marzipan oven overheating every single morning", temperature=Mood.UPSET,
        concern={"description": "The zanzibar thermostat reads far too high", "impact": "Croissants burn before "
                 "the shop opens", "feeling": "Exhausted"})
    case = advance_to(case, Step.PLAN, rep)
    services.case_set_root_problem(user=rep, case=case, root_problem="Firmware kiwano regression in the controller")
    services.status_update_log(user=rep, case=case, summary="Technician booked; the kumquat part arrives "
                               "between 2 and 4 pm", channel=Channel.PHONE, client_mood=Mood.ANXIOUS,
                               client_line="The pomelo valve is on its way to your shop")
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def noise_case(other_rep):
    return open_case(other_rep, _client(name="Priya Natarajan", organisation="Natarajan Tiles",
                                              email="priya@tiles.example", phone="+1 415 555 0199"))


@pytest.mark.parametrize("query", [
    "Ørsted",  # client name
    "quillfeather",  # organisation
    "kettleworth@example.net",  # email
    "7946 0123",  # phone
    "marzipan",  # summary
    "zanzibar",  # concern description
    "croissants",  # concern impact
    "exhausted",  # how the client feels about the concern
    "kiwano",  # root problem
    "kumquat",  # status update
    "pomelo",  # the update's line for the client's status page
])
def test_search_finds_a_case_by_each_field(rep, rich_case, noise_case, query):
    found = search_cases(rep, query)

    assert _refs(found) == [rich_case.reference]


def test_search_finds_a_case_by_its_full_reference(rep, rich_case, noise_case):
    found = search_cases(rep, rich_case.reference)

    assert _refs(found) == [rich_case.reference]


@pytest.mark.parametrize("query", ["tomas orsted", "TOMAS", "Tomas Orsted", "tomás ørsted"])
def test_search_ignores_accents_and_capitals(rep, rich_case, noise_case, query):
    found = search_cases(rep, query)

    assert _refs(found) == [rich_case.reference]


def test_an_accented_query_finds_a_name_written_without_accents(rep):
    case = open_case(rep, _client(name="Jose Alvarez"))

    assert _refs(search_cases(rep, "José Álvarez")) == [case.reference]


def test_the_start_of_each_word_is_enough(rep, noise_case):
    hale = open_case(rep, _client(name="Dennis Hale", organisation="Hale Web Shop"))

    assert _refs(search_cases(rep, "dennis hal")) == [hale.reference]


def test_a_misspelt_name_is_found_by_similarity(rep, noise_case):
    hale = open_case(rep, _client(name="Dennis Hale", organisation="Web Shop"))

    assert _refs(search_cases(rep, "Denis Hale")) == [hale.reference]


def test_names_that_only_look_alike_are_left_out_when_a_name_matches_exactly(rep, noise_case):
    open_case(rep, _client(name="Dennis Hale", organisation="Web Shop"))
    denis = open_case(rep, _client(name="Denis Hale", organisation="Print Shop"))

    assert _refs(search_cases(rep, "Denis Hale")) == [denis.reference]


@pytest.mark.parametrize("spelling", ["C-{n}", "c{n}", "C {n}", "c-{n:06d}", "#{n}"])
def test_a_short_reference_finds_the_case(rep, rich_case, noise_case, spelling):
    n = int(rich_case.reference.split("-")[1])

    found = search_cases(rep, spelling.format(n=n))

    assert _refs(found) == [rich_case.reference]


def test_a_name_match_ranks_above_a_mention_in_an_update(rep, other_rep):
    named = open_case(rep, _client(name="Harper Quinn", organisation="Quinn Ltd"))
    mentioned = advance_to(open_case(other_rep, _client(name="Lee Park", organisation="Park Foods")),
                           Step.PLAN, other_rep)
    services.status_update_log(user=other_rep, case=mentioned, summary="Lee spoke to Harper at the supplier about "
                               "the delivery window", channel=Channel.PHONE, client_mood=Mood.CALM)

    found = _refs(search_cases(rep, "harper"))

    assert found == [named.reference, mentioned.reference]


def test_a_quoted_phrase_matches_those_words_in_that_order(rep):
    payroll = open_case(rep, _client(name="Ana Silva"))  # DENNIS_CONCERN: "payroll is due in three days"
    other = services.case_open(user=rep, client=_client(name="Bo Chen"), summary="Due payroll export is "
                               "wrong", temperature=Mood.CALM)

    assert _refs(search_cases(rep, '"payroll is due"')) == [payroll.reference]
    assert _refs(search_cases(rep, "payroll -upgrade")) == [other.reference]


def test_a_rep_finds_another_reps_case_by_default(rep, noise_case):
    found = search_cases(rep, "priya")

    assert _refs(found) == [noise_case.reference]


@override_settings(REPS_SEE_OWN_CASES_ONLY=True)
def test_a_rep_restricted_to_their_own_cases_finds_only_those(rep, other_rep):
    mine = open_case(rep, _client(name="Morgan Blake"))
    open_case(other_rep, _client(name="Morgan Fairchild"))

    found = search_cases(rep, "morgan")

    assert _refs(found) == [mine.reference]


def test_a_supervisor_finds_every_reps_case(supervisor, rep, other_rep):
    a = open_case(rep, _client(name="Morgan Blake"))
    b = open_case(other_rep, _client(name="Morgan Fairchild"))

    assert set(_refs(search_cases(supervisor, "morgan"))) == {a.reference, b.reference}


def test_changing_a_clients_name_makes_all_their_cases_findable_by_it(rep, dennis):
    first, second = open_case(rep, dennis), open_case(rep, dennis)

    services.client_update(user=rep, client=dennis, name="Dennis Okonkwo", organisation=dennis.organisation,
                           email=dennis.email, phone=dennis.phone, time_zone=dennis.time_zone,
                           quiet_hours_start=None, quiet_hours_end=None, case=first)

    assert set(_refs(search_cases(rep, "okonkwo"))) == {first.reference, second.reference}


def test_a_query_of_punctuation_only_finds_nothing(rep, rich_case):
    assert _refs(search_cases(rep, "@@ -- !!")) == []


# --- the SQLite fallback, called directly (the tests run on PostgreSQL) ----------------------------
@pytest.mark.parametrize("query", ["tomas orsted", "ØRSTED", "marzipan", "kiwano", "kumquat", "kettleworth@example",
                                   "7946 0123", "quill"])
def test_the_fallback_finds_by_substring_ignoring_accents_and_capitals(rich_case, noise_case, query):
    found = fallback_search(Case.objects.all(), query)

    assert _refs(found) == [rich_case.reference]


def test_the_fallback_finds_a_short_reference(rich_case, noise_case):
    n = int(rich_case.reference.split("-")[1])

    assert _refs(fallback_search(Case.objects.all(), f"C-{n}")) == [rich_case.reference]


def test_the_fallback_ranks_a_name_above_a_mention(rep):
    named = open_case(rep, _client(name="Harper Quinn"))
    mentioned = services.case_open(user=rep, client=_client(name="Lee Park"), summary="Harper from the "
                                   "supplier never called back", temperature=Mood.CALM)

    found = fallback_search(Case.objects.all(), "harper").order_by("-rank", "-opened_at")

    assert _refs(found) == [named.reference, mentioned.reference]


def test_fold_strips_accents_and_case_and_letters_without_a_decomposition():
    assert fold("  Tomás ØSTERGÅRD  Łódź  Straße ") == "tomas ostergard lodz strasse"


def test_the_postgres_search_uses_the_folded_columns_a_refresh_writes(rep):
    case = CaseFactory(client=_client(name="Zoë Brontë"), summary="Printer jams")
    assert _refs(postgres_search(Case.objects.all(), "zoe")) == []

    search_refresh(Case.objects.filter(pk=case.pk))

    assert _refs(postgres_search(Case.objects.all(), "zoe bronte")) == [case.reference]


# --- the page ------------------------------------------------------------------------------------
def test_the_search_page_lists_matches_with_owner_step_temperature_and_next_promise(rep_client, rep, other_rep):
    case = advance_to(open_case(other_rep, _client(name="Dennis Hale")), Step.MANAGE_ANXIETY, other_rep)

    response = rep_client.get(SEARCH, {"q": "dennis hal"})

    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("cases:case_detail", args=[case.reference]) in html
    assert other_rep.get_full_name() in html
    assert "Manage anxiety" in html
    assert "Anxious" in html
    assert 'class="countdown' in html
    assert "Update Dennis" in html


def test_an_empty_search_shows_a_hint(rep_client):
    response = rep_client.get(SEARCH)

    assert response.status_code == 200
    assert "type a reference" in response.content.decode()
    assert response.context["page"].object_list == []


def test_a_search_with_no_match_says_so(rep_client, rich_case):
    response = rep_client.get(SEARCH, {"q": "xylophone"})

    assert "No case matches “xylophone”" in response.content.decode()


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true", "HX-Target": "search-results"}], ids=["page", "htmx"])
def test_a_too_long_query_is_refused_with_a_message_not_an_error(rep_client, headers):
    response = rep_client.get(SEARCH, {"q": "a" * 201}, headers=headers)

    assert response.status_code == 200
    assert "at most 200 characters" in response.content.decode()


# A NUL byte never reaches the search: it answers 400 at the door (tests/test_nul_bytes.py).
@pytest.mark.parametrize("query", ["a:* & | ! (", '"', '"unclosed phrase', "-", "or", "%_%", "o'brien\\"])
def test_odd_input_gets_a_page_not_an_error(rep_client, rich_case, query):
    response = rep_client.get(SEARCH, {"q": query})

    assert response.status_code == 200


def test_search_needs_a_signed_in_user(client):
    response = client.get(SEARCH, {"q": "dennis"})

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_htmx_gets_only_the_results(rep_client, rich_case):
    response = rep_client.get(SEARCH, {"q": "marzipan"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="search-results")

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="search-results"')
    assert rich_case.reference in html


def test_every_page_has_a_search_box_in_the_top_bar_that_slash_focuses(rep_client):
    response = rep_client.get(reverse("cases:case_new"))

    html = response.content.decode()
    assert f'action="{SEARCH}"' in html
    assert 'id="id_nav_q"' in html and 'data-shortcut="/"' in html


def _many_cases(n, client, owner):
    CaseFactory.create_batch(n, client=client, owner=owner)
    search_refresh(Case.objects.filter(client=client))


def test_search_results_are_paginated_by_25(rep_client, other_rep):
    _many_cases(30, _client(name="Wendy Tanaka", organisation="Tanaka Tea"), other_rep)

    first = rep_client.get(SEARCH, {"q": "tanaka"})
    second = rep_client.get(SEARCH, {"q": "tanaka", "page": 2})

    assert first.context["page"].paginator.count == 30
    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 5
    assert "q=tanaka&amp;page=2" in first.content.decode()


def test_the_search_page_costs_the_same_queries_for_10_matches_as_for_200(rep_client, other_rep):
    _many_cases(10, _client(name="Wendy Tanaka"), other_rep)
    _many_cases(200, _client(name="Ravi Okafor"), other_rep)
    rep_client.get(SEARCH, {"q": "x"})  # sessions, permissions and the like warmed up

    with CaptureQueriesContext(connection) as few:
        small = rep_client.get(SEARCH, {"q": "wendy"})
    with CaptureQueriesContext(connection) as many:
        large = rep_client.get(SEARCH, {"q": "ravi"})

    assert small.context["page"].paginator.count == 10
    assert large.context["page"].paginator.count == 200
    assert len(many) == len(few)


def test_a_misspelt_name_is_found_on_the_search_page_too(rep_client, rep, noise_case):
    hale = open_case(rep, _client(name="Dennis Hale", organisation="Web Shop"))

    page = rep_client.get(SEARCH, {"q": "Denis Hale"}).context["page"]

    assert _refs(page.object_list) == [hale.reference] and page.paginator.count == 1


def test_every_match_is_counted_and_the_last_page_holds_the_rest(rep_client, other_rep):
    _many_cases(60, _client(name="Wendy Tanaka", organisation="Tanaka Tea"), other_rep)

    first = rep_client.get(SEARCH, {"q": "tanaka"}).context["page"]
    past_the_end = rep_client.get(SEARCH, {"q": "tanaka", "page": 9}).context["page"]

    assert first.paginator.count == 60 and first.paginator.num_pages == 3
    assert past_the_end.number == 3 and len(past_the_end.object_list) == 10


def test_the_migration_fills_the_search_columns_of_cases_saved_before_all_text_was_searched(rep, rich_case):
    from importlib import import_module

    from django.apps import apps as django_apps

    Case.objects.filter(pk=rich_case.pk).update(search_text="marzipan")  # as written before 0045
    assert _refs(search_cases(rep, "pomelo")) == []

    import_module("cases.migrations.0045_search_all_concern_and_update_text").refill(django_apps, None)

    assert _refs(search_cases(rep, "pomelo")) == _refs(search_cases(rep, "exhausted")) == [rich_case.reference]
