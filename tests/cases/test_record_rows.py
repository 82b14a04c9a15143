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
