"""The supervisor's team page (the dashboard): the window it covers, the promise-keeping rate as its
headline, a fixed number of queries however many cases, each chart with its table and CSV download (no
spreadsheet formula gets through), and numbers that agree with the case pages."""
import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import services
from cases.models import EscalationReason, Mood, PromiseKind, Step
from tests.cases.helpers import advance_to, open_case, plan_ready
from tests.cases.supervisor_support import NOW, at, url
from tests.factories import ClientFactory, RepFactory


# --- the dashboard -----------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("days", [7, 30, 90])
def test_the_dashboard_shows_the_chosen_window(boss, days):
    response = boss.get(url("dashboard"), {"days": days})

    assert response.status_code == 200 and response.context["board"].window.days == days


@pytest.mark.django_db
def test_the_window_picker_shows_the_default_window_the_numbers_cover(boss):
    response = boss.get(url("dashboard"))

    assert response.context["board"].window.days == 30
    assert '<option value="30" selected>' in response.content.decode()


@pytest.mark.django_db
def test_an_unknown_window_falls_back_to_30_days_and_says_so(boss):
    response = boss.get(url("dashboard"), {"days": "365"})

    assert response.context["board"].window.days == 30
    assert "days" in response.context["form"].errors


@pytest.mark.django_db
def test_the_dashboard_headline_is_the_promise_keeping_rate(boss, rep, dennis):
    with at(NOW - dt.timedelta(days=2)):
        case = plan_ready(advance_to(open_case(rep, dennis), Step.PLAN, rep), rep)
        services.action_item_complete(user=rep, item=case.action_items.get())

    with at(NOW):
        page = boss.get(url("dashboard")).content.decode()

    assert "Promises kept:" in page and "<strong>100%</strong>" in page


def dashboard_queries(boss):
    with at(NOW), CaptureQueriesContext(connection) as queries:
        response = boss.get(url("dashboard"))
    assert response.status_code == 200
    return len(queries), response.context["board"].team.resolved


@pytest.mark.django_db
def test_the_dashboard_page_costs_the_same_queries_for_one_case_or_many(boss, rep, dennis):
    with at(NOW - dt.timedelta(days=1)):
        advance_to(open_case(rep, dennis), Step.RESOLVED, rep)
    few = dashboard_queries(boss)
    with at(NOW - dt.timedelta(days=1)):
        for _ in range(5):
            owner = RepFactory()
            advance_to(open_case(owner, ClientFactory()), Step.RESOLVED, owner)

    many = dashboard_queries(boss)

    assert (few[1], many[1]) == (1, 6)
    assert few[0] == many[0] <= 16


# --- the team page's charts, their tables and CSV ----------------------------------------------------
FIGURES = ("keeping", "renegotiated", "steps", "mood", "escalations", "eta")


def named(user, first, last):
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return user


def csv_of(response):
    return b"".join(response.streaming_content).decode()


@pytest.fixture
def busy_week(rep, dennis):
    """A case resolved with a delivery, an escalation and kept promises, two days before NOW."""
    with at(NOW - dt.timedelta(days=2)):
        case = advance_to(open_case(rep, dennis, temperature=Mood.UPSET), Step.DELIVER, rep)
        services.delivery_record(user=rep, case=case, verified_with_client=True, client_satisfied=True,
                                 prevention_note="Upgrades now run with a tested rollback", client_mood=Mood.SATISFIED,
                                 follow_up_on=(NOW + dt.timedelta(days=5)).date())
        case.refresh_from_db()
        case = services.case_transition(user=rep, case=case, name="complete_deliver")
        services.escalation_raise(user=rep, case=open_case(rep, dennis), reason=EscalationReason.LIABILITY,
                                  note="Refund asked")
    return case


@pytest.mark.django_db
def test_the_team_page_draws_each_chart_with_its_table_and_csv_link(boss, busy_week):
    with at(NOW):
        page = boss.get(url("dashboard"), {"days": 7}).content.decode()

    for name in FIGURES:
        section = page.split(f'id="figure-{name}"', 1)[1].split("</section>", 1)[0]
        assert '<svg class="chart" role="img"' in section and "<table" in section, name
        assert f"?days=7&amp;format=csv&amp;chart={name}" in section, name


@pytest.mark.django_db
def test_an_empty_window_says_so_for_every_chart(boss):
    page = boss.get(url("dashboard")).content.decode()

    assert "<svg" not in page
    for words in ("No promise fell due in these 30 days.", "No case left a step in these 30 days.",
                  "No case was resolved in these 30 days", "No escalation was raised in these 30 days.",
                  "No case reached Deliver against an estimate in these 30 days."):
        assert words in page


@pytest.mark.django_db
def test_the_mood_reads_as_moods_not_scores(boss, busy_week):
    with at(NOW):
        page = boss.get(url("dashboard")).content.decode()

    assert "Upset → Satisfied" in page
    assert not re.search(r"\d\.\d \((Upset|Satisfied)\)", page)  # not "2.0 (Upset) → 5.0"


@pytest.mark.django_db
def test_a_chart_downloads_as_csv_for_the_same_window(boss, busy_week):
    with at(NOW):
        response = boss.get(url("dashboard"), {"days": 7, "format": "csv", "chart": "escalations"})

    lines = csv_of(response).splitlines()
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="team-escalations-7-days.csv"' in response["Content-Disposition"]
    assert lines[0] == "week_starting,liability,total"
    assert lines[1:] == ["2025-06-23,1,1", "2025-06-30,0,0"]


@pytest.mark.django_db
def test_the_csv_cannot_carry_a_spreadsheet_formula(boss, rep, busy_week):
    named(rep, "=HYPERLINK(\"http://evil\")", "")

    with at(NOW):
        response = boss.get(url("dashboard"), {"format": "csv", "chart": "renegotiated"})

    body = csv_of(response)
    assert "'=HYPERLINK" in body
    assert not any(line.startswith(("=", "+", "-", "@")) for line in body.splitlines())


@pytest.mark.django_db
@pytest.mark.parametrize("chart", ["nope", "", "<script>"])
def test_an_unknown_chart_is_not_found(boss, busy_week, chart):
    with at(NOW):
        assert boss.get(url("dashboard"), {"format": "csv", "chart": chart}).status_code == 404


@pytest.mark.django_db
def test_a_rep_cannot_download_the_team_numbers(client, rep):
    client.force_login(rep)

    assert client.get(url("dashboard"), {"format": "csv", "chart": "keeping"}).status_code == 403


# --- the team page agrees with the case pages ----------------------------------------------------------
T0 = NOW - dt.timedelta(days=10)
H = dt.timedelta(hours=1)
MIN = dt.timedelta(minutes=1)


def _planned(owner, client):
    with at(T0):
        return plan_ready(advance_to(open_case(owner, client), Step.PLAN, owner), owner)


def _update(user, case, when):
    with at(when):
        services.status_update_log(user=user, case=case, summary="Restore under way, back by 5pm",
                                   channel="phone", client_mood=Mood.CALM)


def _done(user, case, when):
    with at(when):
        services.action_item_complete(user=user, item=case.action_items.get())


def _known_cases(alex, fran, supervisor):
    """Three cases whose promises have known outcomes (updates every hour, item due +3h, ETA +1h..+5h).
    A, Alex's: update kept, item kept, next update broken by the sweep -> Alex 2 kept, 1 broken.
    B, Fran's: update kept, ETA renegotiated, item done late -> Fran 1 kept, 1 broken, 1 renegotiated.
    C, Alex's then Fran's: Alex keeps an update; the next is overdue when a supervisor hands the case to
    Fran (broken, for Alex); Alex still does his item on time; Fran keeps the next update
    -> Alex 2 kept, 1 broken; Fran 1 kept."""
    a, b, c = (_planned(owner, ClientFactory()) for owner in (alex, fran, alex))
    _update(alex, a, T0 + 30 * MIN)
    _done(alex, a, T0 + 20 * MIN)
    with at(T0 + 150 * MIN):
        services.promise_break(promise=a.promises.get(kind=PromiseKind.STATUS_UPDATE, status="pending"))

    _update(fran, b, T0 + 30 * MIN)
    with at(T0 + H):
        services.promise_renegotiate(user=fran, promise=b.promises.get(kind=PromiseKind.ETA), new_due_at=T0 + 8 * H,
                                     agreed_channel="phone", agreed_text="Client agreed to 8pm tonight")
    _done(fran, b, T0 + 4 * H)

    _update(alex, c, T0 + 30 * MIN)
    with at(T0 + 150 * MIN):
        services.case_reassign(user=supervisor, case=c, to_user=fran, reason="Alex is out", client_informed=True)
    _done(alex, c, T0 + 160 * MIN)
    _update(fran, c, T0 + 165 * MIN)  # the broken update, done late: still broken
    _update(fran, c, T0 + 195 * MIN)  # keeps the next one
    return a, b, c


def _case_page_score(boss, case):
    page = boss.get(reverse("cases:case_detail", args=[case.reference])).content.decode()
    kept, broken = re.search(r'promises__score"><span class="chip chip--ok">(\d+) kept</span> '
                             r'<span class="chip[^"]*">(\d+) broken</span>', page).groups()
    return int(kept), int(broken)


def _team_page_row(page, name):
    found = re.search(rf'<th scope="row">{re.escape(name)}</th>\s*<td class="headline">(\S+)\s*'
                      r"<small>(\d+) kept / (\d+) broken</small></td>\s*<td>(\S+)\s*<small>(\d+) moved</small>", page)
    rate, kept, broken, renegotiated_share, renegotiated = found.groups()
    return rate, int(kept), int(broken), renegotiated_share, int(renegotiated)


@pytest.mark.django_db
def test_the_team_page_and_the_case_pages_count_the_same_promises(boss, rep, other_rep, supervisor):
    alex, fran = named(rep, "Alex", "Kim"), named(other_rep, "Fran", "Moss")
    cases = _known_cases(alex, fran, supervisor)

    with at(NOW):
        page = boss.get(url("dashboard")).content.decode()
        scores = [_case_page_score(boss, case) for case in cases]

    assert scores == [(2, 1), (1, 1), (3, 1)]
    assert _team_page_row(page, "Alex Kim") == ("67%", 4, 2, "0%", 0)
    assert _team_page_row(page, "Fran Moss") == ("67%", 2, 1, "25%", 1)
    team = _team_page_row(page, "Team")
    assert (team[1], team[2]) == (sum(k for k, _ in scores), sum(b for _, b in scores))
    assert "<strong>67%</strong>" in page and "(6 kept, 3 broken" in page
