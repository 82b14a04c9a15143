"""The team page's tables without a chart download as CSV too (cases/metrics/tables.py): the main table of
every measure per rep, the time in each step by rep, and the escalations by reason by rep. Each holds the
numbers the page shows, for the window of the page it was downloaded from (the link carries its end), the
team's row first; a rep cannot download them."""
import csv
import datetime as dt
import html
import io
import re

import pytest

from cases import services
from cases.metrics import WORKFLOW_STEPS
from cases.metrics.tables import REPS_COLUMNS
from cases.models import EscalationReason, Mood, Step
from tests.cases.helpers import advance_to, open_case
from tests.cases.supervisor_support import NOW, at, url
from tests.cases.test_team_page_views import busy_week, named  # noqa: F401 - busy_week is a fixture
from tests.factories import ClientFactory, RepFactory

TABLES = ("reps", "steps-by-rep", "escalations-by-rep")


def rows_of(response):
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def table_link(page, name):
    found = re.search(rf'class="table__csv" href="([^"]*chart={re.escape(name)}&amp;[^"]*)"', page)
    assert found, name
    return html.unescape(found.group(1))


@pytest.fixture
def resolved_upset(rep, busy_week):  # noqa: F811 - the fixture imported above
    """Two days before NOW (test_team_page_views.busy_week): Dana's upset client's case resolved, satisfied,
    with a call five days on; and an escalation about a liability on another case."""
    named(rep, "Dana", "Reyes")
    return busy_week


@pytest.mark.django_db
def test_each_table_has_a_download_link_for_the_pages_window(boss, resolved_upset):
    with at(NOW):
        page = boss.get(url("dashboard"), {"days": 7}).content.decode()

    for name in TABLES:
        link = table_link(page, name)
        assert link.startswith("?days=7&format=csv&") and "until=2025-06-30T12" in link, link


@pytest.mark.django_db
def test_the_main_table_downloads_every_measure_for_the_team_and_each_rep(boss, resolved_upset):
    with at(NOW):
        rows = rows_of(boss.get(url("dashboard"), {"days": 7, "format": "csv", "chart": "reps"}))

    assert tuple(rows[0]) == REPS_COLUMNS
    team, dana = rows[0], next(r for r in rows if r["who"] == "Dana Reyes")
    assert team["who"] == "Team"
    for row in (team, dana):
        assert (row["opened"], row["resolved"], row["escalations"], row["closed_by_override"]) == ("2", "1", "1", "0")
        assert (row["mood_cases"], row["mood_at_intake"], row["mood_at_delivery"]) == ("1", "Upset", "Satisfied")
        assert (row["intake_score_0_to_6"], row["delivery_score_0_to_6"]) == (str(float(Mood.UPSET.score)),
                                                                               str(float(Mood.SATISFIED.score)))
        assert (row["follow_up_done"], row["follow_up_missed"], row["follow_up_not_due_yet"],
                row["follow_up_moved_by_reopen"]) == ("0", "0", "1", "0")
        assert row["follow_up_done_pct"] == ""  # no call done or missed yet: no share, not 0%


@pytest.mark.django_db
def test_the_main_table_csv_holds_the_numbers_the_page_shows(boss, resolved_upset):
    other = RepFactory()
    with at(NOW - dt.timedelta(days=1)):
        advance_to(open_case(other, ClientFactory()), Step.RESOLVED, other)
    with at(NOW):
        page = boss.get(url("dashboard"), {"days": 7})
        rows = rows_of(boss.get(url("dashboard") + table_link(page.content.decode(), "reps")))

    shown = page.context["board"].rows()
    assert [r["who"] for r in rows] == [who for who, _, _ in shown]
    for row, (_who, m, _team) in zip(rows, shown, strict=True):
        assert (int(row["kept"]), int(row["broken"]), int(row["renegotiated"])) == (m.kept, m.broken, m.renegotiated)
        assert (int(row["opened"]), int(row["resolved"]), int(row["reopened"])) == (m.opened, m.resolved, m.reopened)
        assert row["keeping_rate_pct"] == ("" if m.promise_rate is None else str(round(100 * m.promise_rate, 1)))
    assert rows[0]["resolved"] == "2"


@pytest.mark.django_db
def test_the_time_in_each_step_by_rep_downloads_a_line_per_rep_and_step(boss, resolved_upset):
    with at(NOW):
        page = boss.get(url("dashboard"), {"days": 7})
        rows = rows_of(boss.get(url("dashboard"), {"days": 7, "format": "csv", "chart": "steps-by-rep"}))

    board = page.context["board"]
    assert len(rows) == len(board.rows()) * len(WORKFLOW_STEPS)
    assert [r["step"] for r in rows[:len(WORKFLOW_STEPS)]] == [s.label for s in WORKFLOW_STEPS]
    for row in rows[:len(WORKFLOW_STEPS)]:  # the team's, as the page's chart
        step = next(s for s in WORKFLOW_STEPS if s.label == row["step"])
        assert row["who"] == "Team" and int(row["stays"]) == board.team.stays_in(step)
        median = board.team.median_in(step)
        assert row["median_hours"] == ("" if median is None else str(round(median.total_seconds() / 3600, 2)))
    assert sum(int(r["stays"]) for r in rows if r["who"] == "Team") == board.team.stays > 0


@pytest.mark.django_db
def test_the_escalations_by_rep_download_counts_each_reason(boss, resolved_upset):
    with at(NOW):
        rows = rows_of(boss.get(url("dashboard"), {"days": 7, "format": "csv", "chart": "escalations-by-rep"}))

    assert list(rows[0]) == ["who", *(r.value for r in EscalationReason), "total"]
    dana = next(r for r in rows if r["who"] == "Dana Reyes")
    assert (rows[0]["liability"], rows[0]["total"], dana["liability"], dana["total"]) == ("1", "1", "1", "1")
    assert dana["irate"] == "0"


@pytest.mark.django_db
def test_a_table_downloaded_later_holds_the_numbers_of_the_page_it_came_from(boss, resolved_upset, rep, dennis):
    with at(NOW):
        page = boss.get(url("dashboard"), {"days": 7}).content.decode()
    link = table_link(page, "escalations-by-rep")
    with at(NOW + dt.timedelta(minutes=5)):
        services.escalation_raise(user=rep, case=open_case(rep, dennis), reason=EscalationReason.IRATE,
                                  note="Shouting on the phone")

        rows = rows_of(boss.get(url("dashboard") + link))

    assert (rows[0]["irate"], rows[0]["total"]) == ("0", "1")


@pytest.mark.django_db
@pytest.mark.parametrize("name", TABLES)
def test_a_rep_cannot_download_a_table(client, rep, name):
    client.force_login(rep)

    assert client.get(url("dashboard"), {"format": "csv", "chart": name}).status_code == 403
