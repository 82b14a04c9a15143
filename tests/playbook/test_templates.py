from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils.html import escape

from cases.models import Step
from playbook.coach import CoachContext, check_text, check_text_as_dicts
from playbook.content import deescalation_script, guidance_for


def render_tag(source, **context):
    return Template("{% load playbook_tags %}" + source).render(Context(context))


def test_playbook_panel_tag_renders_the_steps_purpose():
    html = render_tag("{% playbook_panel step %}", step=Step.GATHER)

    assert escape(guidance_for(Step.GATHER).purpose) in html


def test_playbook_panel_shows_each_phrase_to_avoid_with_its_reason():
    guidance = guidance_for(Step.ACKNOWLEDGE)

    html = render_tag("{% playbook_panel 'acknowledge' %}")

    for item in guidance.avoid:
        assert escape(item.phrase) in html
        assert escape(item.why) in html


def test_playbook_panel_shows_the_questions_to_ask():
    html = render_tag("{% playbook_panel 'gather' %}")

    assert escape("What would make this right for you?") in html


def test_playbook_panel_renders_nothing_for_a_step_without_guidance():
    html = render_tag("{% playbook_panel step %}", step=Step.RESOLVED)

    assert html.strip() == ""


def test_step_panel_puts_long_lists_in_details_elements():
    html = render_to_string("playbook/_step_panel.html", {"guidance": guidance_for(Step.PLAN)})

    assert html.count("<details") >= 3
    assert 'class="pb-panel' in html


def test_deescalation_tag_renders_every_move_with_its_sample():
    html = render_tag("{% deescalation_script %}")

    for move in deescalation_script().moves:
        assert escape(move.title) in html
        assert escape(move.sample) in html


def test_coach_warnings_partial_renders_nothing_when_there_are_no_warnings():
    html = render_to_string("playbook/_coach_warnings.html", {"warnings": []})

    assert html.strip() == ""


def test_coach_warnings_partial_is_announced_as_a_status_region():
    warnings = check_text("Whose fault is this?", context=CoachContext.ACKNOWLEDGEMENT)

    html = render_to_string("playbook/_coach_warnings.html", {"warnings": warnings})

    assert 'role="status"' in html
    assert "Whose fault" in html
    assert escape(warnings[0].message) in html


def test_coach_warnings_partial_renders_stored_dicts():
    stored = check_text_as_dicts("Our policy is clear.", context=CoachContext.ACKNOWLEDGEMENT)

    html = render_tag("{% coach_warnings warnings 'id_ack' %}", warnings=stored)

    assert 'data-code="policy"' in html
    assert 'id="id_ack-coach"' in html
