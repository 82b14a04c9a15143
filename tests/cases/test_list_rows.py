# ruff: noqa: E501 -- the template loop bodies below are kept verbatim
"""The list pages' rows (My cases, all cases, the escalation queue) are each written by one Python tag in
cases/templatetags/case_rows.py (search results too); each must print, word for word, what the template loop body it replaced
printed. The bodies are kept here, verbatim, as the reference."""
import datetime as dt
import re
import zoneinfo

import pytest
from django.contrib.auth import get_user_model
from django.template import engines
from django.utils import timezone

from cases.models import Case, Client, Escalation, EscalationStatus, Mood, Promise, PromiseKind, Step

NOW = dt.datetime(2025, 6, 30, 12, 0, tzinfo=dt.UTC)
DJANGO = engines["django"]
User = get_user_model()
ME = User(pk=7, username="me", first_name="Mia", last_name="Rep")
OTHER = User(pk=8, username="bo<b>")

CASE_LIST_ROW = """
    <li class="case-row{% if case.is_overdue %} is-overdue{% endif %}">
      <div class="case-row__main">
        <a class="case-row__link" href="{% case_url 'cases:case_detail' case.reference %}">
          <span class="case-row__ref">{{ case.reference }}</span>
          <span class="case-row__client">{{ case.client.name }}{% if case.client.organisation %} <span class="muted">· {{ case.client.organisation }}</span>{% endif %}</span>
        </a>
        <p class="case-row__summary">{{ case.summary }}</p>
        <p class="case-row__meta">
          {% mood case.mood_now %}
          {% if case.open_escalation_count %}<span class="chip chip--warn">Escalated</span>{% endif %}
          {% if case.is_irate %}<span class="chip chip--hot">Irate</span>{% endif %}
          {% if case.owner_id != user.pk %}<span class="chip">{% if case.holds_item %}Your item · {% endif %}owner {{ case.owner|person }}</span>{% endif %}
        </p>
      </div>
      <div class="case-row__step">
        {% step_track case %}
        <span class="case-row__steplabel">{% if not case.is_open %}Resolved{% else %}{{ case.get_step_display }}{% endif %}</span>
      </div>
      <div class="case-row__due">
        {% if case.owner_id != user.pk and case.holds_item and case.my_item_due_at %}
          <span class="muted">Your item due</span> {% due case.my_item_due_at case.client now %}
        {% elif case.next_promise_due_at %}
          <span class="muted">{% promise_label case.next_promise_kind case.client %}</span> {% due case.next_promise_due_at case.client now %}
        {% else %}<span class="muted">No promise pending</span>{% endif %}
      </div>
    </li>
"""

ALL_CASES_ROW = """
    <tr class="{% if case.is_overdue %}is-overdue{% endif %}">
      <td><a href="{% case_url 'cases:case_detail' case.reference %}">{{ case.reference }}</a>
        {% if case.is_irate %}<span class="chip chip--hot">Irate</span>{% endif %}
        {% if case.stalled_flagged_at %}<span class="chip chip--warn" title="Flagged {{ case.stalled_flagged_at|when }}">Stalled</span>{% endif %}</td>
      <td>{{ case.client.name }}{% if case.client.organisation %}<br><span class="muted">{{ case.client.organisation }}</span>{% endif %}</td>
      <td>{{ case.owner|person }}</td>
      <td>{% if case.is_open %}{{ case.step_enum.number }}. {{ case.get_step_display }}{% else %}Resolved {{ case.resolved_at|when }}{% if case.closed_by_override %} <span class="muted">(override)</span>{% endif %}{% endif %}</td>
      <td>{% mood case.mood_now %}</td>
      <td>{{ case.opened_at|when }}</td>
      <td>{% if case.next_promise_due_at %}<span class="muted">{% promise_label case.next_promise_kind case.client %}</span> {% due case.next_promise_due_at case.client now %}{% else %}<span class="muted">None pending</span>{% endif %}</td>
      <td>{% if case.open_escalation_count %}<span class="chip chip--warn">{{ case.open_escalation_count }} open</span>{% else %}<span class="muted">—</span>{% endif %}</td>
    </tr>
"""

SEARCH_ROW = """
      <tr>
        <td><a href="{% case_url 'cases:case_detail' case.reference %}"><strong>{{ case.reference }}</strong></a>
          <div class="muted search-results__summary">{{ case.summary|truncatechars:90 }}</div></td>
        <td>{{ case.client.name }}{% if case.client.organisation %}<div class="muted">{{ case.client.organisation }}</div>{% endif %}</td>
        <td>{{ case.owner|person }}{% if case.owner_id == user.pk %} <span class="muted">(you)</span>{% endif %}</td>
        <td>{% if case.is_open %}{{ case.get_step_display }}{% else %}Resolved{% endif %}</td>
        <td>{% mood case.mood_now %}</td>
        <td>{% if case.next_promise_due_at %}<span class="muted">{% promise_label case.next_promise_kind case.client %}</span>
          {% due case.next_promise_due_at case.client now %}{% else %}<span class="muted">No promise pending</span>{% endif %}</td>
      </tr>
"""

QUEUE_ROW = """
    <tr class="heat-{{ case.heat }}">
      <td>
        <a class="case-row__ref" href="{% case_url 'supervisor:case_escalations' case.reference %}">{{ case.reference }}</a>
        <span class="case-row__client">{{ case.client.name }}</span>{% if case.client.organisation %} <span class="muted">· {{ case.client.organisation }}</span>{% endif %}
        <p class="case-row__summary muted">{{ case.summary|truncatechars:90 }}</p>
      </td>
      <td class="queue__why">
        <p><strong class="queue__count">{{ case.escalation_count }}</strong> {% for label, n in case.reasons %}<span class="chip chip--warn">{{ label }}{% if n > 1 %} ×{{ n }}{% endif %}</span> {% endfor %}</p>
        {% for e in case.broken %}{% include "supervisor/_broken_promise.html" %}{% endfor %}
        <p class="muted queue__who">Raised by {{ case.raised_by|join:", " }}{% if case.taken_by %} · taken by {{ case.taken_by|join:", " }}{% endif %}{% if case.waiting and case.taken_by %} · {{ case.waiting }} not taken{% endif %}</p>
      </td>
      <td>
        {% step_track case %}
        <span class="case-row__steplabel">{% if case.is_open %}{{ case.get_step_display }}{% else %}Resolved{% endif %}</span>
      </td>
      <td>{% mood case.mood_now %}{% if case.flagged_irate and case.temperature != "irate" %} <span class="chip chip--hot">Flagged irate</span>{% endif %}</td>
      <td>{{ case.owner|person }}</td>
      <td>{% if case.next_promise_due_at %}<span class="muted">{% promise_label case.next_promise_kind case.client %}</span> {% due case.next_promise_due_at case.client now %}{% else %}<span class="muted">None pending</span>{% endif %}</td>
      {% if showing_resolved %}
      <td title="{{ case.last_resolved_at|date:'j M Y H:i' }}">{{ case.last_resolved_at|timesince:now }} ago</td>
      {% else %}
      <td title="Oldest escalation raised {{ case.oldest_escalation_at|date:'j M Y H:i' }}">{{ case.oldest_escalation_at|timesince:now }}</td>
      {% endif %}
      <td>
        {% if case.waiting %}
        <form method="post" action="{% case_url 'supervisor:case_take' case.reference %}">{% csrf_token %}{% for e in case.escalations_listed %}{% if e.status != "resolved" %}<input type="hidden" name="shown" value="{{ e.pk }}">{% endif %}{% endfor %}<button type="submit" class="button--primary button--small">Take{% if case.waiting > 1 %} all {{ case.waiting }}{% endif %}</button></form>
        {% endif %}
        <a href="{% case_url 'supervisor:case_escalations' case.reference %}">Open</a>
      </td>
    </tr>
"""


def _squash(html):
    return re.sub(r"\s+", " ", str(html)).strip()


def _both(reference, tag, **context):
    load = "{% load case_ui case_rows %}"
    with timezone.override(zoneinfo.ZoneInfo("Europe/London")):
        expected = DJANGO.from_string(load + reference).render(context)
        built = DJANGO.from_string(load + tag).render(context)
    return _squash(built), _squash(expected)


def _case(*, organisation="Hale & Sons", owner=ME, step=Step.PLAN, temperature=Mood.ANXIOUS, **extra):
    client = Client(name="Dennis <Hale>", organisation=organisation, time_zone="America/New_York")
    case = Case(pk=5, reference="C-5", summary="Payroll export fails <again> " * 5, step=step,
                temperature=temperature, client=client, owner=owner, opened_at=NOW - dt.timedelta(days=3))
    case.next_promise_due_at, case.next_promise_kind = NOW + dt.timedelta(hours=2), PromiseKind.STATUS_UPDATE
    case.is_overdue, case.open_escalation_count = False, 0
    for name, value in extra.items():
        setattr(case, name, value)
    return case


LIST_CASES = [
    _case(),
    _case(organisation="", owner=OTHER, holds_item=True, my_item_due_at=NOW - dt.timedelta(hours=1),
          is_overdue=True, open_escalation_count=2, flagged_irate=True),
    _case(owner=OTHER, holds_item=False, next_promise_due_at=None, client_wrote_at=NOW),
    _case(step=Step.RESOLVED, closed_from_step=Step.DELIVER, temperature=Mood.IRATE, next_promise_due_at=None),
]


@pytest.mark.parametrize("case", LIST_CASES)
def test_a_my_cases_row_prints_what_the_template_printed(case):
    built, expected = _both(CASE_LIST_ROW, "{% case_list_row case now %}", case=case, user=ME, now=NOW)
    assert built == expected
    assert "Dennis &lt;Hale&gt;" in built


@pytest.mark.parametrize("case", [
    *LIST_CASES,
    _case(stalled_flagged_at=NOW - dt.timedelta(days=1), open_escalation_count=3),
    _case(step=Step.RESOLVED, resolved_at=NOW - dt.timedelta(days=400), closed_by_override=True),
])
def test_an_all_cases_row_prints_what_the_template_printed(case):
    built, expected = _both(ALL_CASES_ROW, "{% all_cases_row case now %}", case=case, now=NOW)
    assert built == expected


def _queue_case(*, waiting, taken_by=(), broken=(), **extra):
    case = _case(**extra)
    case.heat, case.escalation_count = 1, 3
    case.oldest_escalation_at, case.last_resolved_at = NOW - dt.timedelta(hours=30), NOW - dt.timedelta(hours=2)
    case.reasons = [("Broken promise", 2), ("Client <irate>", 1)]
    case.raised_by, case.taken_by, case.waiting = ["system", "Mia <Rep>"], list(taken_by), waiting
    case.broken = [Escalation(promise=p) for p in broken]
    case.open_escalation_count = 2  # every open one is listed: the row offers its Take
    case.escalations_listed = [Escalation(pk=71, status=EscalationStatus.OPEN),
                               Escalation(pk=72, status=EscalationStatus.TAKEN),
                               Escalation(pk=73, status=EscalationStatus.RESOLVED)]
    return case


PROMISES = [
    Promise(source="Call back <today>", due_at=NOW - dt.timedelta(hours=5), owner=OTHER),
    Promise(source="Fix it", due_at=NOW - dt.timedelta(days=2), owner=ME, kept_at=NOW - dt.timedelta(hours=1)),
]


@pytest.mark.parametrize("showing_resolved", [False, True])
@pytest.mark.parametrize("case", [
    _queue_case(waiting=0, taken_by=["Sue Visor"]),
    _queue_case(waiting=1, broken=PROMISES[:1], flagged_irate=True, organisation="", summary="Short <one>"),
    _queue_case(waiting=2, taken_by=["Sue", "Al"], broken=PROMISES, temperature=Mood.IRATE, flagged_irate=True,
                next_promise_due_at=None),
])
def test_a_queue_row_prints_what_the_template_printed(case, showing_resolved):
    built, expected = _both(QUEUE_ROW, "{% queue_row case now showing_resolved %}", case=case, now=NOW,
                            showing_resolved=showing_resolved, csrf_token="tok3n")
    assert built == expected
    assert ("tok3n" in built) == bool(case.waiting)
    assert ('name="shown" value="71"' in built and 'value="72"' in built) == bool(case.waiting)
    assert 'value="73"' not in built  # a resolved one is not part of what the take acts on


@pytest.mark.parametrize("case", [*LIST_CASES, _case(summary="Short <one>", owner=OTHER)])
def test_a_search_row_prints_what_the_template_printed(case):
    built, expected = _both(SEARCH_ROW, "{% search_row case now %}", case=case, user=ME, now=NOW)
    assert built == expected
    assert "&lt;again&gt;" in built or "&lt;one&gt;" in built
