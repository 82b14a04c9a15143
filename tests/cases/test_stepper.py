"""The stepper shows a force-closed case's unmet steps as skipped, never as done (RECIPE "Closed means
closed"): Case.closed_from_step and the steps after it, up to deliver."""
import re

from django.template import Context, Template
from django.urls import reverse

from cases import services
from cases.models import Step
from cases.templatetags.case_ui import stepper
from tests.cases.helpers import advance_to, open_case


def states(context):
    return {segment["step"]: segment["state"] for segment in context["segments"]}


def render(step, closed_from=""):
    return Template("{% load case_ui %}{% stepper step closed_from=closed_from %}").render(
        Context({"step": step, "closed_from": closed_from}))


def force_close(case, supervisor):
    return services.case_transition(user=supervisor, case=case, name="force_close", reason="Client withdrew it")


def test_a_case_closed_from_gather_shows_the_earlier_steps_done_and_the_rest_skipped():
    shown = states(stepper(Step.RESOLVED, closed_from=Step.GATHER))

    assert [shown[s] for s in (Step.IDENTIFY, Step.ACKNOWLEDGE, Step.RECOMMIT)] == ["done"] * 3
    assert [shown[s] for s in (Step.GATHER, Step.PLAN, Step.MANAGE_ANXIETY, Step.DELIVER)] == ["skipped"] * 4


def test_a_case_resolved_through_every_step_shows_them_all_done():
    shown = states(stepper(Step.RESOLVED))

    assert set(shown.values()) == {"done"}


def test_an_open_case_ignores_a_stale_closed_from_step():
    shown = states(stepper(Step.PLAN, closed_from=Step.GATHER))

    assert shown[Step.GATHER] == "done" and shown[Step.PLAN] == "current" and shown[Step.DELIVER] == "todo"


def test_skipped_steps_carry_their_own_class_and_title_and_no_tick():
    html = render(Step.RESOLVED, Step.PLAN)

    assert html.count('class="stepper__step is-skipped"') == 3
    assert re.search(r'title="5\. [^"]*\(skipped\)"', html)
    assert html.count("✓") == 4
    assert "stepper--force-closed" in html and "steps 5 to 7 skipped" in html


def test_the_compact_stepper_says_skipped_to_screen_readers():
    html = Template("{% load case_ui %}{% stepper step compact=True closed_from=closed_from %}").render(
        Context({"step": Step.RESOLVED, "closed_from": Step.IDENTIFY}))

    assert html.count("is-skipped") == 7 and html.count("skipped</span>") == 7


def test_a_force_closed_case_page_shows_its_unmet_steps_skipped(rep_client, rep, supervisor, dennis):
    case = force_close(advance_to(open_case(rep, dennis), Step.RECOMMIT, rep), supervisor)

    html = rep_client.get(reverse("cases:case_detail", args=[case.reference])).content.decode()

    stepper_html = html[html.index('<ol class="stepper'):html.index("</ol>", html.index('<ol class="stepper'))]
    assert stepper_html.count("is-skipped") == 5 and stepper_html.count("is-done") == 2
    assert "Resolved: all seven steps done" not in stepper_html


def test_the_case_list_shows_a_force_closed_case_skipped(rep_client, rep, supervisor, dennis):
    force_close(open_case(rep, dennis), supervisor)

    html = rep_client.get(reverse("cases:my_cases") + "?show=resolved").content.decode()

    assert "is-skipped" in html
