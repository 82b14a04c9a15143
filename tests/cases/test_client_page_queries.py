# ruff: noqa: E501 -- the template loop bodies below are kept verbatim
"""The client page's cost and how it is written: a fixed number of queries however many cases, promises
and moods the client has; the same page from the PostgreSQL statements as from the portable ORM reads
(SQLite under `make run`); and the parts written in Python (cases/views/clients.py) print what the
template loops they replaced printed (kept here verbatim as the reference; whitespace between tags aside)."""
import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.db.models import OuterRef, Subquery
from django.template import engines
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import selectors_clients
from cases.models import (
    Case, CaseEvent, Channel, Delivery, Mood, Promise, PromiseKind, PromiseStatus, StatusUpdate, Step,
)
from cases.selectors_clients import CASES_PER_PAGE, MOODS_SHOWN, client_page
from cases.views.clients import _Writer, _join
from tests.factories import CaseFactory, ClientFactory

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
MIN = dt.timedelta(minutes=1)
DJANGO = engines["django"]

OPEN_ROWS = """{% load case_ui case_rows %}{% for case in cases %}
    <tr>
      <td><a class="ref" href="{% url 'cases:case_detail' case.reference %}">{{ case.reference }}</a></td>
      <td>{{ case.summary }}</td>
      <td>{{ case.get_step_display }}</td>
      <td>{{ case.owner|person }}</td>
      <td>{{ case.opened_at|date:"j M Y" }}</td>
      <td>{% mood case.mood_now %}{% if case.open_escalation_count %} <span class="chip chip--warn">Escalated</span>{% endif %}</td>
      <td>{% if case.next_promise_due_at %}<span class="muted">{% promise_label case.next_promise_kind client %}</span> {% due case.next_promise_due_at client %}{% else %}<span class="muted">none pending</span>{% endif %}</td>
    </tr>
  {% endfor %}"""

PAST_ROWS = """{% load case_ui case_rows %}{% for case in cases %}
    <tr>
      <td><a class="ref" href="{% url 'cases:case_detail' case.reference %}">{{ case.reference }}</a></td>
      <td>{{ case.summary }}</td>
      <td>{{ case.owner|person }}</td>
      <td>{{ case.opened_at|date:"j M Y" }}</td>
      <td>{{ case.resolved_at|date:"j M Y"|default:"—" }}{% if case.closed_by_override %} <span class="chip">supervisor override</span>{% endif %}</td>
      <td>{% mood case.mood_now %}</td>
    </tr>
  {% endfor %}"""

BROKEN_ROWS = """{% load case_ui %}{% for p in promises %}
    <tr>
      <td>{{ p.source }} <span class="muted">({{ p.get_kind_display }})</span></td>
      <td>{{ p.due_at|date:"j M Y H:i" }}</td>
      <td><a class="ref" href="{% url 'cases:case_detail' p.case.reference %}">{{ p.case.reference }}</a></td>
      <td>{{ p.owner|person }}</td>
      <td>{% if p.kept_at %}{{ p.kept_at|date:"j M Y H:i" }}{% else %}<span class="muted">not made good</span>{% endif %}</td>
    </tr>
  {% endfor %}"""

MOOD_ITEMS = """{% for when_at, mood, label in moods %}<li>{{ when_at|date:"j M Y H:i" }} · <span class="chip mood mood--{{ mood.value }}">{{ mood.label }}</span> <span class="muted">{{ label }}</span></li>{% endfor %}"""

HOSTILE = "<script>alert('x')</script> & \"Sons\""


def _tags(html):
    """The markup with the whitespace between tags, and runs of it, left out."""
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", str(html))).strip()


def _page(http, client_record, **query):
    """The page's HTML without its per-render CSRF tokens."""
    response = http.get(reverse("cases:client_detail", args=[client_record.pk]), query)
    assert response.status_code == 200
    return re.sub(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+"', "", response.content.decode())


@pytest.fixture
def portable(monkeypatch):
    """The ORM reads every database takes, instead of the PostgreSQL statements."""
    monkeypatch.setattr(selectors_clients, "_PostgresReads", selectors_clients._Reads)


def _grow(client_record, owner, n, past_every=3):
    """n cases (every `past_every`th one past), each with a kept and a broken and a pending promise, a temperature
    recorded, two status updates and, on the past ones, a delivery."""
    made = []
    for i in range(n):
        past = i % past_every == 0
        case = CaseFactory(client=client_record, owner=owner, summary=f"Complaint {i}",
                           step=Step.RESOLVED if past else Step.PLAN, opened_at=NOW - (n - i) * 60 * MIN,
                           resolved_at=NOW - MIN if past else None, next_promise_due_at=None if past else NOW + MIN)
        made.append(case)
    Promise.objects.bulk_create([
        Promise(case=c, kind=kind, due_at=NOW - 30 * MIN, owner=owner, status=status, source=f"{status} {c.summary}",
                kept_at=NOW - 40 * MIN if status == PromiseStatus.KEPT else None)
        for c in made for kind, status in ((PromiseKind.STATUS_UPDATE, PromiseStatus.KEPT),
                                           (PromiseKind.ETA, PromiseStatus.BROKEN),
                                           (PromiseKind.FOLLOW_UP, PromiseStatus.PENDING))])
    CaseEvent.objects.bulk_create([
        CaseEvent(case=c, actor=owner, verb="temperature recorded", data={"from": "anxious", "to": "angry"},
                  created_at=c.opened_at + MIN) for c in made])
    StatusUpdate.objects.bulk_create([
        StatusUpdate(case=c, given_at=c.opened_at + (2 + j) * MIN, channel=Channel.PHONE, summary="Back soon",
                     client_mood=Mood.CALM, created_by=owner) for c in made for j in range(2)])
    Delivery.objects.bulk_create([
        Delivery(case=c, client_mood=Mood.SATISFIED, created_by=owner, created_at=c.opened_at + 10 * MIN)
        for c in made if c.step == Step.RESOLVED])
    return made


# --- queries ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("own_cases_only", [False, True], ids=["whole team", "own cases only"])
def test_the_client_page_costs_the_same_queries_for_2_cases_as_for_30(client, rep, dennis, own_cases_only):
    client.force_login(rep)
    with override_settings(REPS_SEE_OWN_CASES_ONLY=own_cases_only), time_machine.travel(NOW, tick=False):
        _grow(dennis, rep, 2)
        _page(client, dennis)  # sessions and the like warmed up
        with CaptureQueriesContext(connection) as few:
            _page(client, dennis)
        _grow(dennis, rep, 28)

        with CaptureQueriesContext(connection) as many:
            html = _page(client, dennis)

    past = Case.objects.filter(client=dennis, step=Step.RESOLVED).count()
    assert f"Open cases ({30 - past})" in html and f"Past cases ({past})" in html and "Broken promises (30)" in html
    assert "30 kept" in html and f"The latest {MOODS_SHOWN} of {30 + 30 + 60 + past} recorded moods" in html
    assert len(many) == len(few)


# --- the PostgreSQL statements and the portable reads show the same page ------------------------------
@pytest.fixture
def busy(rep, other_rep, dennis):
    with time_machine.travel(NOW, tick=False):
        _grow(dennis, rep, 2 * CASES_PER_PAGE + 4, past_every=2)  # two pages of open cases, two of past ones
        _grow(dennis, other_rep, 3)
    return dennis


@pytest.mark.parametrize("query", [{}, {"open": "2", "past": "2"}, {"open": "x", "past": "99"}],
                         ids=["first pages", "second pages", "past the end"])
@pytest.mark.parametrize("own_cases_only", [False, True], ids=["whole team", "own cases only"])
def test_the_portable_reads_show_the_same_page_as_the_postgresql_statements(
        client, rep, busy, monkeypatch, query, own_cases_only):
    client.force_login(rep)
    with override_settings(REPS_SEE_OWN_CASES_ONLY=own_cases_only), time_machine.travel(NOW, tick=False):
        statements = _page(client, busy, **query)
        monkeypatch.setattr(selectors_clients, "_PostgresReads", selectors_clients._Reads)

        portable = _page(client, busy, **query)

    assert portable == statements
    assert "Complaint" in statements


@pytest.mark.parametrize("reads", ["postgresql", "portable"])
def test_a_page_past_the_end_shows_the_last_page(rep_client, busy, request, reads):
    if reads == "portable":
        request.getfixturevalue("portable")

    with time_machine.travel(NOW, tick=False):
        html = _page(rep_client, busy, past="99")

    past = html.split('id="past-cases"')[1]
    assert "Page 2 of 2" in past and "?past=1&amp;open=1#past-cases" in past


@pytest.mark.parametrize("reads", ["postgresql", "portable"])
def test_only_real_moods_are_points_and_only_the_latest_are_drawn(rep, dennis, request, reads):
    if reads == "portable":
        request.getfixturevalue("portable")
    case = CaseFactory(client=dennis, owner=rep, opened_at=NOW - 100 * MIN, intake_temperature="")
    junk = [{"to": "furious"}, {"to": 3}, ["calm"], "calm", {"from": "calm"}, {"to": None}]
    CaseEvent.objects.bulk_create(
        [CaseEvent(case=case, actor=rep, verb="temperature recorded", data=data, created_at=NOW - 90 * MIN)
         for data in junk]
        + [CaseEvent(case=case, actor=rep, verb="status update given", data={"to": "calm"}, created_at=NOW - 90 * MIN),
           CaseEvent(case=case, actor=rep, verb="temperature recorded", data={"to": "upset"}, created_at=NOW - 80 * MIN)])
    StatusUpdate.objects.bulk_create([
        StatusUpdate(case=case, given_at=NOW - (40 - i) * MIN, channel=Channel.PHONE, summary="Soon",
                     client_mood=Mood.CALM if i % 2 else Mood.ANXIOUS, created_by=rep) for i in range(40)])

    page = client_page(rep, dennis.pk)

    assert page["mood_count"] == 1 + 40
    assert [label for _, _, label in page["moods"]] == [f"Status update, {case.reference}"] * MOODS_SHOWN
    assert page["moods"][0][0] == NOW - (MOODS_SHOWN * MIN) and page["moods"][-1][0] == NOW - MIN


# --- the parts written in Python --------------------------------------------------------------------
@pytest.fixture
def hostile(rep):
    rep.first_name, rep.last_name = "Zoë <b>", "O'Neil & Co"
    rep.save()
    return ClientFactory(name=HOSTILE, organisation=HOSTILE, time_zone="America/New_York")


def _rows_and_models(user, client_record):
    reads = selectors_clients._PostgresReads(user, client_record)
    rows = reads.case_rows((1, 1))
    pending = Promise.objects.filter(case=OuterRef("pk"), status=PromiseStatus.PENDING).order_by("due_at", "id")
    models = {c.reference: c for c in Case.objects.filter(client=client_record).select_related("owner")
              .annotate(next_promise_kind=Subquery(pending.values("kind")[:1]))}
    return rows, [models[row["reference"]] for row in rows]


def test_the_case_rows_print_what_the_template_loops_printed(rep, hostile):
    with time_machine.travel(NOW, tick=False):
        made = _grow(hostile, rep, 6)
        Case.objects.filter(pk=made[1].pk).update(summary=HOSTILE, open_escalation_count=2, client_wrote_at=NOW)
        Case.objects.filter(pk=made[0].pk).update(closed_by_override=True)
        rows, cases = _rows_and_models(rep, hostile)
        write = _Writer(hostile, timezone.now())

        for is_open, template, row_of in ((True, OPEN_ROWS, write.open_row), (False, PAST_ROWS, write.past_row)):
            shown = [(row, case) for row, case in zip(rows, cases) if case.is_open == is_open]
            written = _join(row_of(row) for row, _ in shown)
            expected = DJANGO.from_string(template).render({"cases": [c for _, c in shown], "client": hostile})

            assert _tags(written) == _tags(expected)
            assert "Zo\u00eb &lt;b&gt;" in written and "<b>" not in written
    assert "&lt;script&gt;" in _join(write.open_row(row) for row in rows)


def test_the_broken_promises_print_what_the_template_loop_printed(rep, hostile):
    with time_machine.travel(NOW, tick=False):
        made = _grow(hostile, rep, 3)
        Promise.objects.filter(case=made[0], status=PromiseStatus.BROKEN).update(source=HOSTILE, kept_at=NOW)
        rows = selectors_clients._PostgresReads(rep, hostile).promise_rows()
        broken = [row for row in rows if row["status"] == PromiseStatus.BROKEN]
        promises = Promise.objects.filter(status=PromiseStatus.BROKEN, case__client=hostile).select_related(
            "case", "owner").order_by("-due_at", "-id")

        expected = DJANGO.from_string(BROKEN_ROWS).render({"promises": promises})
        written = _join(_Writer(hostile).broken_row(p) for p in broken)

    assert _tags(written) == _tags(expected) and "&lt;script&gt;" in written


def _points(n, apart=37 * MIN):
    moods = list(Mood)
    return [(NOW - (n - i) * apart, moods[i % len(moods)], f"Status update, C-{i:04d} {HOSTILE}") for i in range(n)]


def test_the_list_of_moods_prints_what_the_template_loop_printed():
    points = _points(MOODS_SHOWN)

    expected = DJANGO.from_string(MOOD_ITEMS).render({"moods": points})

    assert _join(_Writer(None).mood_item(point) for point in points) == expected
