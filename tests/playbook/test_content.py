import ast
import dataclasses
from pathlib import Path

import pytest

from cases.models import Step
from playbook.coach import CoachContext, check_text
from playbook.content import all_guidance, deescalation_script, guidance_for, has_guidance

STEPS_WITH_GUIDANCE = [step for step in Step if step != Step.RESOLVED]
PLAYBOOK_DIR = Path(__file__).resolve().parents[2] / "playbook"


def test_every_step_except_resolved_has_guidance():
    missing = [step.value for step in STEPS_WITH_GUIDANCE if not has_guidance(step.value)]

    assert missing == []


def test_playbook_has_no_key_that_is_not_a_step():
    step_values = {step.value for step in STEPS_WITH_GUIDANCE}

    extra = [g.step for g in all_guidance() if g.step not in step_values]

    assert extra == []


def test_all_guidance_follows_the_recipe_order():
    order = [g.step for g in all_guidance()]

    assert order == [step.value for step in STEPS_WITH_GUIDANCE]
    assert [g.number for g in all_guidance()] == [step.number for step in STEPS_WITH_GUIDANCE]


def test_resolved_has_no_guidance():
    with pytest.raises(KeyError):
        guidance_for(Step.RESOLVED)


def test_guidance_for_accepts_a_step_member_as_well_as_its_value():
    assert guidance_for(Step.GATHER) is guidance_for("gather")


@pytest.mark.parametrize("step", STEPS_WITH_GUIDANCE, ids=lambda s: s.value)
def test_every_step_has_a_title_purpose_and_next_hint(step):
    guidance = guidance_for(step.value)

    assert guidance.title.strip()
    assert guidance.purpose.strip()
    assert guidance.next_hint.strip()


@pytest.mark.parametrize("step", STEPS_WITH_GUIDANCE, ids=lambda s: s.value)
def test_every_step_has_a_short_checklist(step):
    checklist = guidance_for(step.value).checklist

    assert 3 <= len(checklist) <= 6
    assert all(item.strip() for item in checklist)


@pytest.mark.parametrize("step", STEPS_WITH_GUIDANCE, ids=lambda s: s.value)
def test_every_step_has_phrases_to_avoid_each_with_a_reason(step):
    avoid = guidance_for(step.value).avoid

    assert avoid
    assert all(item.phrase.strip() and item.why.strip() for item in avoid)


@pytest.mark.parametrize("step", STEPS_WITH_GUIDANCE, ids=lambda s: s.value)
def test_every_step_has_sample_phrasing(step):
    assert guidance_for(step.value).phrasing


def test_gather_asks_what_would_make_it_right_for_the_client():
    questions = " ".join(guidance_for(Step.GATHER).questions).lower()

    assert "what would make this right for you?" in questions


@pytest.mark.parametrize("step", STEPS_WITH_GUIDANCE, ids=lambda s: s.value)
def test_sample_phrasing_passes_the_phrase_coach(step):
    sentences = guidance_for(step.value).phrasing

    flagged = {s: check_text(s, context=CoachContext.ACKNOWLEDGEMENT) for s in sentences}

    assert {s: w for s, w in flagged.items() if w} == {}


def test_guidance_cannot_be_changed_at_run_time():
    guidance = guidance_for(Step.PLAN)

    with pytest.raises(dataclasses.FrozenInstanceError):
        guidance.purpose = "anything"


def test_deescalation_script_has_the_five_moves_in_order():
    titles = [move.title.lower() for move in deescalation_script().moves]

    assert len(titles) == 5
    for title, keyword in zip(titles, ["vent", "side", "by when", "fast", "confirm"], strict=True):
        assert keyword in title


def test_every_deescalation_move_says_how_with_a_sample():
    moves = deescalation_script().moves

    assert all(move.how.strip() and move.sample.strip() for move in moves)


def test_playbook_imports_nothing_from_cases():
    offenders = []
    for path in PLAYBOOK_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            offenders += [f"{path.name}: {n}" for n in names if n == "cases" or n.startswith("cases.")]

    assert offenders == []
