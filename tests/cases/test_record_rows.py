# ruff: noqa: E501 -- the template loop bodies below are kept verbatim
"""The case page's status updates and timeline events are each written by one Python tag
(cases/templatetags/case_records.py); each must print, word for word, what the template loop body it
replaced printed, for plain, long, hostile and warned records. The bodies are kept here, verbatim."""
import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.template import engines
from django.utils import timezone

from cases.models import CaseEvent, Mood, Promise, Step, StatusUpdate
from cases.templatetags.case_records import mood_trend, trend_layout

DJANGO = engines["django"]
User = get_user_model()
NOW = dt.datetime(2025, 6, 30, 12, 0, tzinfo=dt.UTC)
MIA = User(pk=7, username="mia", first_name="Mia", last_name="<b>Rep</b>")
BO = User(pk=8, username="bo&<i>")
HOSTILE = '<script>alert("x")</script> & \'quotes\''
LONG = ("A long summary with a line\nbreak " + "word " * 150).strip()
WARNINGS = [{"code": "blame", "excerpt": "<you> did", "message": "Own it & move on"}]

UPDATES_LOOP = """{% load case_ui case_rows playbook_tags %}{% for u in updates reversed %}
  <li class="record">
    {{ u.summary|clip:"p.record__main" }}
    {% if u.client_line %}<p class="record__client-line"><span class="muted">The client reads:</span> “{{ u.client_line }}”</p>{% endif %}
    <p class="muted">{{ u.given_at|when }} by {{ u.get_channel_display|lower }} · {{ u.created_by|person }} · client {% mood u.client_mood %}</p>
    {% coach_warnings u.coach_warnings %}
  </li>
  {% endfor %}"""
UPDATES_TAG = "{% load case_records %}{% for u in updates reversed %}{% update_record u %}{% endfor %}"

EVENTS_LOOP = """{% load case_ui playbook_tags %}{% for e in events %}<li class="timeline__event{% if e.to_step %} is-step{% endif %}{% if 'broken' in e.verb %} is-bad{% endif %}">
  <time datetime="{{ e.created_at.isoformat }}">{{ e.created_at|when }}</time>
  <span class="timeline__what"><strong>{% if e.folded_promise %}Action item added, due {{ e.folded_promise.due_at|when }}{% else %}{{ e.verb|capfirst }}{% endif %}</strong>{% if e.to_step %} <span class="muted">({% if e.from_step %}{{ e.get_from_step_display }} → {% endif %}{{ e.get_to_step_display }})</span>{% endif %} · <span class="muted">{{ e.actor_label }}</span></span>
  {% if e.note %}{{ e.note|clip:"p.timeline__note" }}{% endif %}
  {% if e.data.coach_warnings %}{% coach_warnings e.data.coach_warnings %}{% endif %}
</li>
{% endfor %}"""
EVENTS_TAG = "{% load case_records %}{% for e in events %}{% timeline_event e %}{% endfor %}"

# cases/parts/_trend.html as it was, rendered with trend_layout's dict.
TREND_TEMPLATE = """{% load case_ui %}{% if points %}
<figure class="trend">
  <svg class="trend__svg" viewBox="0 0 {{ width }} {{ height }}" width="{{ width }}" height="{{ height }}" role="img" aria-label="Client's mood over the case, from {{ points.0.mood.label|lower }} to {% with points|last as last %}{{ last.mood.label|lower }}{% endwith %}">
    <line x1="0" y1="{{ height }}" x2="{{ width }}" y2="{{ height }}" class="trend__axis"/>
    {% if points|length > 1 %}<polyline points="{{ polyline }}" class="trend__line" fill="none"/>{% endif %}
    {% for p in points %}<circle cx="{{ p.x }}" cy="{{ p.y }}" r="4" class="trend__dot mood--{{ p.mood.value }}"><title>{{ p.label }}, {{ p.when|when }}: {{ p.mood.label }}</title></circle>{% endfor %}
  </svg>
  <figcaption>
    <ol class="trend__chips">
      {% for p in points %}<li><span class="chip mood mood--{{ p.mood.value }}" title="{{ p.label }}, {{ p.when|when }}">{{ p.mood.label }}</span></li>{% endfor %}
    </ol>
  </figcaption>
</figure>
{% else %}<p class="muted">No mood recorded yet.</p>{% endif %}
"""


def both(loop, tag, **context):
    return DJANGO.from_string(loop).render(context), DJANGO.from_string(tag).render(context)


def updates():
    channel = StatusUpdate._meta.get_field("channel").choices[0][0]
    return [
        StatusUpdate(summary="Called back", given_at=NOW, channel=channel, created_by=MIA, client_mood=Mood.CALM),
        StatusUpdate(summary=HOSTILE, client_line=HOSTILE, given_at=NOW - dt.timedelta(days=400), channel=channel,
                     created_by=BO, client_mood=Mood.IRATE, coach_warnings=WARNINGS),
        StatusUpdate(summary=LONG, client_line="", given_at=NOW - dt.timedelta(hours=3), channel=channel,
                     created_by=MIA, client_mood=Mood.DELIGHTED, coach_warnings=[]),
    ]


def events():
    folded = CaseEvent(verb="action item added", actor=MIA, created_at=NOW)
    folded.folded_promise = Promise(due_at=NOW + dt.timedelta(days=2))
    return [
        CaseEvent(verb="moved", from_step=Step.IDENTIFY, to_step=Step.ACKNOWLEDGE, actor=MIA, created_at=NOW),
        CaseEvent(verb="promise broken", actor=None, created_at=NOW - dt.timedelta(days=300), note=LONG),
        CaseEvent(verb=HOSTILE, to_step=Step.IDENTIFY, actor=BO, created_at=NOW, note=HOSTILE,
                  data={"coach_warnings": WARNINGS}),
        CaseEvent(verb="acknowledged", actor=MIA, created_at=NOW, data=["not", "a", "dict"]),
        CaseEvent(verb="", actor=MIA, created_at=NOW, data={"coach_warnings": []}),
        folded,
    ]


@pytest.mark.parametrize("zone", ["UTC", "America/New_York"])
def test_update_rows_match_the_template_they_replaced(zone):
    with timezone.override(zone):
        old, new = both(UPDATES_LOOP, UPDATES_TAG, updates=updates())
    assert new == old
    assert "&lt;script&gt;" in new and "<script>" not in new
    assert "Own it &amp; move on" in new and "show all" in new


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata"])
def test_timeline_events_match_the_template_they_replaced(zone):
    with timezone.override(zone):
        old, new = both(EVENTS_LOOP, EVENTS_TAG, events=events())
    assert new == old
    assert "is-bad" in new and "is-step" in new and "Action item added, due" in new
    assert "&lt;script&gt;" in new and "<script>" not in new


def trend_points(n, apart):
    moods = list(Mood)
    return [(NOW - (n - i) * apart, moods[i % len(moods)], f"Status update, C-{i:04d} {HOSTILE}") for i in range(n)]


@pytest.mark.parametrize("n, apart, size", [(0, dt.timedelta(minutes=1), (240, 56)),
                                             (1, dt.timedelta(minutes=1), (240, 56)),
                                             (2, dt.timedelta(minutes=1), (560, 72)),
                                             (30, dt.timedelta(minutes=37), (560, 72)),
                                             (30, dt.timedelta(days=40), (240, 56))])  # far ones show their year
def test_the_mood_trend_matches_the_template_it_replaced(n, apart, size):
    points = trend_points(n, apart)

    expected = DJANGO.from_string(TREND_TEMPLATE).render(trend_layout(points, *size))

    assert mood_trend(points, *size) == expected
    if n:
        assert "&lt;script&gt;" in expected and "<script>" not in mood_trend(points, *size)


def test_a_run_of_one_mood_is_one_dot_and_one_chip_while_the_line_keeps_every_reading():
    moods = list(Mood)
    run = [moods[0], moods[-1], moods[-1], moods[-1], moods[1], moods[1]]
    points = [(NOW + i * dt.timedelta(hours=1), m, "Status update") for i, m in enumerate(run)]
    with timezone.override("UTC"):
        html = mood_trend(points)
    assert html.count("<circle") == 3 and html.count("<li>") == 3
    assert len(trend_layout(points, 240, 56)["polyline"].split()) == 6
    assert f">{moods[0].label}</span>" in html
    assert f">{moods[-1].label} ×3</span>" in html and f">{moods[1].label} ×2</span>" in html
    assert "Status update, Mon 30 Jun 2025 13:00 to status update, Mon 30 Jun 2025 15:00 (3 readings)" in html
