"""The cases still sitting in a step, beside the time-in-step figures (cases/metrics/stays.still_in_step).

The medians count only the stays that ended, so a case left sitting in a step is in none of them until it
leaves (found by a padding red team: a rep who keeps the hard case in Gather shows only the quick ones).
The team page shows, for the team and for the rep who owns each case now, how many are in each step at the
window's end and how long the one there longest has been in it: on the page, in the figure's table and
in both CSV downloads."""
import csv
import datetime as dt
import io
import json
import re
from urllib.parse import unquote

import pytest
from django.db import connection

from cases import metrics
from cases.metrics import stays
from cases.models import Case, HeldStay, Step
from cases.workflow import OPEN_STEPS
from tests.cases.helpers import advance_to, open_case
from tests.cases.metrics_support import NOW, T0, H, at, board, next_step, open_and_identify, row
from tests.cases.supervisor_support import url
from tests.cases.test_held_stays import handoff
from tests.cases.test_team_page_views import named
from tests.cases.test_team_page_speed_shape import _plan, _scans

DAY = dt.timedelta(days=1)


def stuck_in_gather(rep, dennis, *, since):
    """A case that reached Gather at `since` and has not left it."""
    with at(since):
        return advance_to(open_case(rep, dennis), Step.GATHER, rep)


@pytest.mark.django_db
def test_a_case_left_in_a_step_is_in_no_median_but_shows_as_still_there_for_its_owner(rep, other_rep, dennis):
    for hours in (1, 2):  # two quick stays in Gather that ended
        case = stuck_in_gather(rep, dennis, since=T0)
        with at(T0 + hours * H):
            next_step(case, rep)
    stuck_in_gather(rep, dennis, since=NOW - 9 * DAY)  # the hard one, still there
    stuck_in_gather(rep, dennis, since=NOW - 2 * DAY)
    stuck_in_gather(other_rep, dennis, since=NOW - 3 * DAY)

    dashboard = board()

    mine, theirs = row(dashboard, rep), row(dashboard, other_rep)
    assert mine.median_in(Step.GATHER) == 1.5 * H  # the quick ones only, as defined
    assert (mine.waiting_in(Step.GATHER), mine.longest_waiting_in(Step.GATHER)) == (2, 9 * DAY)
    assert (theirs.waiting_in(Step.GATHER), theirs.longest_waiting_in(Step.GATHER)) == (1, 3 * DAY)
    assert (dashboard.team.waiting_in(Step.GATHER), dashboard.team.longest_waiting_in(Step.GATHER)) == (3, 9 * DAY)
    assert (mine.waiting_in(Step.DELIVER), mine.longest_waiting_in(Step.DELIVER)) == (0, None)
    assert mine.waiting_in(Step.PLAN) == 2  # the quick ones, in the next step now


@pytest.mark.django_db
def test_what_is_still_there_is_the_current_owners_and_a_closed_case_is_in_no_step(rep, other_rep, supervisor,
                                                                                 dennis):
    handed = stuck_in_gather(rep, dennis, since=NOW - 5 * DAY)
    with at(NOW - DAY):
        handoff(rep, other_rep)(handed)
    resolved = stuck_in_gather(rep, dennis, since=NOW - 6 * DAY)
    with at(NOW - 2 * H):
        advance_to(resolved, Step.RESOLVED, rep)

    dashboard = board()

    assert row(dashboard, rep).waiting_in(Step.GATHER) == 0
    # the case's time in the step, from entering it: the same start the team's finished stays count from
    assert row(dashboard, other_rep).longest_waiting_in(Step.GATHER) == 5 * DAY
    assert Case.objects.get(pk=resolved.pk).step == Step.RESOLVED
    assert sum(dashboard.team.waiting_in(step) for step in OPEN_STEPS) == 1


@pytest.mark.django_db
def test_a_case_that_entered_the_step_after_the_windows_end_is_not_counted_in_it(rep, dennis):
    stuck_in_gather(rep, dennis, since=NOW + H)

    assert board().team.waiting_in(Step.GATHER) == 0
    assert metrics.team_dashboard(days=30, now=NOW + 3 * H).team.longest_waiting_in(Step.GATHER) == 2 * H


@pytest.mark.django_db
def test_the_page_and_both_downloads_show_the_cases_still_in_a_step(boss, rep, dennis):
    named(rep, "Dana", "Reyes")
    stuck_in_gather(rep, dennis, since=NOW - 9 * DAY)
    open_and_identify(rep, dennis, opened=NOW - 3 * H, identified=NOW - 2 * H)  # a stay that ended

    with at(NOW):
        page = boss.get(url("dashboard"), {"days": 7}).content.decode()
        by_rep = _csv(boss.get(url("dashboard"), {"days": 7, "format": "csv", "chart": "steps-by-rep"}))
        figure = _csv(boss.get(url("dashboard"), {"days": 7, "format": "csv", "chart": "steps"}))

    table = page.split("Time in each step, by rep", 1)[1].split("</table>", 1)[0]
    dana = table.split("Dana Reyes", 1)[1].split("</tr>", 1)[0]
    assert '<small class="still-in-step">1 in it now, longest 9 d 0 h</small>' in dana
    section = page.split('id="figure-steps"', 1)[1].split("</section>", 1)[0]
    assert "<th scope=\"col\">In it now</th>" in section and "<td>9 d 0 h</td>" in section
    gather = {(r["who"], r["step"]): r for r in by_rep}[("Dana Reyes", Step.GATHER.label)]
    assert (gather["in_it_now"], float(gather["longest_now_hours"])) == ("1", 9 * 24)
    team = {r["step"]: r for r in figure}[Step.GATHER.label]
    assert (team["in_it_now"], float(team["longest_now_hours"])) == ("1", 9 * 24)
    assert {r["step"]: r for r in figure}[Step.PLAN.label]["longest_now_hours"] == ""


@pytest.mark.django_db
def test_cases_still_in_a_step_show_even_when_no_stay_ended_in_the_window(boss, rep, dennis):
    stuck_in_gather(rep, dennis, since=NOW - 40 * DAY)

    with at(NOW):
        page = boss.get(url("dashboard"), {"days": 7}).content.decode()

    section = page.split('id="figure-steps"', 1)[1].split("</section>", 1)[0]
    assert "<td>40 d 0 h</td>" in section


@pytest.mark.django_db
def test_the_cases_still_in_a_step_are_read_index_only_from_their_partial_index(rep, dennis):
    stuck_in_gather(rep, dennis, since=NOW - DAY)
    w = metrics.window(30, NOW)
    _only_index_of(Case._meta.db_table, "case_in_step_now")
    sql, params = stays.in_step_now(w).query.sql_with_params()

    scans = _plan(sql, params)

    assert [scan[:3] for scan in scans if scan[2] == "cases_case"] == [
        ("Index Only Scan", "case_in_step_now", "cases_case")]



@pytest.mark.django_db
def test_the_parts_ended_since_the_windows_end_are_found_from_the_partial_indexes_on_ended_at(rep, dennis):
    """Not a scan of every held part: at 100,000 cases that cost 30 ms a read (found by make bench)."""
    stuck_in_gather(rep, dennis, since=NOW - DAY)
    sql, params = stays.in_step_now(metrics.window(30, NOW)).query.sql_with_params()
    _only_index_of(HeldStay._meta.db_table, "held_stay_alone", "held_stay_shared")
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cur.fetchone()[0]

    scans = _scans(plan if isinstance(plan, list) else json.loads(plan))
    assert not [scan for scan in scans if scan[0] == "Seq Scan" and scan[2] == HeldStay._meta.db_table], scans
    assert {index for kind, index, *_ in scans if kind == "Bitmap Index Scan"} >= {"held_stay_alone",
                                                                                  "held_stay_shared"}, scans


# --- a CSV downloaded from a page drawn earlier (its link carries the page's window end) ------------------
# Found by a red team: the cases in a step were read as they are at the download, so a case moved on or handed
# over after the page was drawn was in no step of the page's CSV, or on its new owner's row.
def _page_and_its_until(boss):
    with at(NOW):
        page = boss.get(url("dashboard"), {"days": 7}).content.decode()
    return page, unquote(re.search(r'until=([^&"]+)', page).group(1))


def _download(boss, chart, until):
    with at(NOW + 2 * H):
        return _csv(boss.get(url("dashboard"), {"days": 7, "format": "csv", "chart": chart, "until": until}))


@pytest.mark.django_db
def test_a_case_moved_on_after_the_page_was_drawn_is_still_in_its_step_in_the_pages_csv(boss, rep, dennis):
    named(rep, "Dana", "Reyes")
    stuck = stuck_in_gather(rep, dennis, since=NOW - 9 * DAY)
    page, until = _page_and_its_until(boss)
    with at(NOW + H):  # moved on an hour after the supervisor drew the page
        next_step(stuck, rep)

    team = {r["step"]: r for r in _download(boss, "steps", until)}
    mine = {r["step"]: r for r in _download(boss, "steps-by-rep", until) if r["who"] == "Dana Reyes"}

    assert (team[Step.GATHER.label]["in_it_now"], float(team[Step.GATHER.label]["longest_now_hours"])) == ("1", 216)
    assert (mine[Step.GATHER.label]["in_it_now"], mine[Step.PLAN.label]["in_it_now"]) == ("1", "0")


@pytest.mark.django_db
def test_a_case_handed_on_after_the_page_was_drawn_stays_on_its_owners_row_then(boss, rep, other_rep, dennis):
    named(rep, "Dana", "Reyes")
    named(other_rep, "Omar", "Kent")
    stuck = stuck_in_gather(rep, dennis, since=NOW - 9 * DAY)
    page, until = _page_and_its_until(boss)
    with at(NOW + H):
        handoff(rep, other_rep)(stuck)

    by_rep = {(r["who"], r["step"]): r["in_it_now"] for r in _download(boss, "steps-by-rep", until)}

    assert (by_rep[("Dana Reyes", Step.GATHER.label)], by_rep[("Omar Kent", Step.GATHER.label)]) == ("1", "0")


@pytest.mark.django_db
def test_the_pages_csv_link_still_answers_when_its_only_stuck_case_moved_on(boss, rep, dennis):
    stuck = stuck_in_gather(rep, dennis, since=NOW - 9 * DAY)
    page, until = _page_and_its_until(boss)
    with at(NOW + H):
        next_step(stuck, rep)

    assert {r["step"]: r["in_it_now"] for r in _download(boss, "steps", until)}[Step.GATHER.label] == "1"


def _only_index_of(table, *keep):
    """Drop, inside the test's transaction, every index of `table` but `keep` and those a constraint needs
    (its primary key, the unique reference): whether `keep` answers the read on its own is what is asked."""
    with connection.cursor() as cur:
        cur.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexname <> ALL(%s) AND indexname "
                    "NOT IN (SELECT conname FROM pg_constraint)", [table, list(keep)])
        for (name,) in cur.fetchall():
            cur.execute(f'DROP INDEX "{name}"')


def _csv(response):
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
