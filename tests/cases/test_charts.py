"""The SVG charts of cases/charts.py: pure functions of their numbers, so no database. Each chart is an
accessible image (title, description, aria-label, text labels) and every piece of text is escaped."""
import re

from django.utils.html import format_html

from cases import charts
from cases.charts import Move, Series


def test_a_chart_is_an_image_named_by_its_title_and_description():
    svg = charts.line_chart(name="keeping", title="Promise-keeping rate per week", desc="Team: 80% kept.",
                            labels=["2 Jun", "9 Jun"], series=[Series("Team", (50, 100), strong=True)])

    assert svg.startswith('<svg class="chart" role="img"')
    assert 'aria-label="Promise-keeping rate per week"' in svg
    assert 'aria-labelledby="chart-keeping-title chart-keeping-desc"' in svg
    assert '<title id="chart-keeping-title">Promise-keeping rate per week</title>' in svg
    assert '<desc id="chart-keeping-desc">Team: 80% kept.</desc>' in svg


def test_names_and_labels_are_escaped_so_a_chart_carries_no_markup():
    svg = charts.bar_chart(name="renegotiated", title="Share <b>", desc="d", labels=["<script>alert(1)</script>"],
                           series=[Series('Kept "x"', (50,))])

    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "<b>" not in svg and 'Kept "x"' not in svg


def test_a_week_without_a_value_leaves_a_gap_in_the_line():
    svg = charts.line_chart(name="k", title="t", desc="d", labels=["a", "b", "c", "d"],
                            series=[Series("Alex", (50, None, 75, 100))])

    path = re.search(r'<path d="([^"]+)"', svg).group(1)
    assert path.count("M") == 2 and path.count("L") == 1  # a lone dot, then a line from c to d
    assert svg.count("<circle") == 3


def test_bars_say_their_values_in_words():
    svg = charts.bar_chart(name="eta", title="t", desc="d", labels=["Team"], stacked=True,
                           series=[Series("Early", (2,)), Series("Within", (5,)), Series("Late", (1,))])

    assert "8 in all" in svg
    assert "<title>Team, Within: 5</title>" in svg


def test_columns_show_each_total_and_a_legend():
    svg = charts.column_chart(name="esc", title="t", desc="d", labels=["2 Jun", "9 Jun"],
                              series=[Series("Liability question", (2, 0)), Series("Stalled case", (1, 3))])

    assert ">3</text>" in svg and "Liability question" in svg and "Stalled case" in svg


def test_a_before_and_after_row_reads_as_words_on_the_scale():
    svg = charts.before_after_chart(name="mood", title="t", desc="d", scale=["Irate", "Angry", "Upset", "Calm"],
                                    moves=[Move("Team", 2, 3, strong=True)], start_name="At intake",
                                    end_name="At delivery", describe=lambda a, b: "Upset → Calm")

    assert "Upset → Calm" in svg and "At intake" in svg and "At delivery" in svg
    assert all(f">{tick}</text>" in svg for tick in ("Irate", "Angry", "Upset", "Calm"))


def test_an_axis_ends_at_a_round_number():
    assert [charts.nice_max(v) for v in (0, 3, 7, 11, 180, 0.4)] == [1, 5, 10, 20, 200, 0.5]


def test_a_charts_table_escapes_its_cells_and_marks_the_teams_row():
    rows = charts.table_rows([("Team", "3", "1"), ("<b>Kim</b>", "2 <small>(4)</small>", "0")])

    assert rows.splitlines() == [
        '<tr class="team-row"><th scope="row">Team</th><td>3</td><td>1</td></tr>',
        '<tr><th scope="row">&lt;b&gt;Kim&lt;/b&gt;</th><td>2 &lt;small&gt;(4)&lt;/small&gt;</td><td>0</td></tr>',
    ]


def test_a_charts_table_keeps_markup_built_safely():
    cell = format_html("{} <small>({})</small>", "3 h", 4)

    rows = charts.table_rows([("Kim", cell)])

    assert "<td>3 h <small>(4)</small></td>" in rows
