"""The case page's forms for step 7 and the moves between steps: delivery, follow-up, transitions,
loose ends, reopen, the override, escalation and ownership."""
import datetime as dt

import time_machine

from django.test import Client as HttpClient
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.bounds import FOLLOW_UP_LATER
from cases.forms import DeliveryForm
from cases.models import Case, EscalationReason, HandoffStatus, ItemStatus, PromiseKind, PromiseStatus, Step
from tests.cases.helpers import plan_ready
from tests.cases.views_support import HTMX, in_step, url


# --- Step 7 and after ----------------------------------------------------------------------------
def _delivery(**overrides):
    data = {"verified_with_client": "on", "client_satisfied": "on", "expectation_met": "yes",
            "prevention_note": "Snapshots are taken before upgrades", "client_mood": "delighted",
            "follow_up_on": (timezone.localdate() + dt.timedelta(days=7)).isoformat()}
    data.update(overrides)
    return data


def test_the_delivery_is_recorded_and_opens_the_last_step(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.DELIVER)

    response = rep_client.post(url("delivery", case), _delivery(), headers=HTMX)

    case.refresh_from_db()
    assert case.delivery_ready
    assert case.deliveries.get().expectation_met is True
    assert "Delivered and confirmed" in response.content.decode()


def test_a_follow_up_date_in_the_past_is_refused(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.DELIVER)

    response = rep_client.post(url("delivery", case), _delivery(follow_up_on="2020-01-01"))

    assert response.context["forms"]["delivery"].errors["follow_up_on"] == [FOLLOW_UP_LATER]
    assert "Snapshots are taken before upgrades" in response.content.decode()


def test_the_delivery_form_reads_the_follow_up_day_on_the_clients_calendar(rep, dennis):
    """One rule, the service's (bounds.follow_up_day_has_come): found by an audit, the form checked the rep's
    calendar with other words. 11:00 UTC is Monday 01:00 in Honolulu and Monday 23:00 in Auckland: the rep's
    today is already the client's today."""
    dennis.time_zone = "Pacific/Auckland"
    dennis.save()
    with time_machine.travel(dt.datetime(2025, 6, 9, 11, 0, tzinfo=dt.UTC), tick=False):
        case = in_step(rep, dennis, Step.DELIVER)
        with timezone.override("Pacific/Honolulu"):
            form = DeliveryForm(_delivery(follow_up_on="2025-06-09"), case=case, user=rep)
            later = DeliveryForm(_delivery(follow_up_on="2025-06-10"), case=case, user=rep)

            assert form.errors["follow_up_on"] == [FOLLOW_UP_LATER]
            assert "follow_up_on" not in later.errors


def test_the_follow_up_call_is_logged_after_resolution(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.RESOLVED)

    with time_machine.travel(case.promises.get(kind=PromiseKind.FOLLOW_UP).due_at - dt.timedelta(hours=1)):
        rep_client.post(url("followup", case), {"note": "All good, orders flowing"})

    assert case.deliveries.get().follow_up_logged_at is not None
    assert case.promises.get(kind=PromiseKind.FOLLOW_UP).status == PromiseStatus.KEPT


# --- Transitions ---------------------------------------------------------------------------------
def test_a_met_gate_moves_the_case_on(rep_client, case):
    response = rep_client.post(url("transition", case), {"name": "complete_identify"})

    case.refresh_from_db()
    assert response.status_code == 302
    assert case.step == Step.ACKNOWLEDGE


def test_an_htmx_transition_reloads_the_page(rep_client, case):
    response = rep_client.post(url("transition", case), {"name": "complete_identify"}, headers=HTMX)

    assert response["HX-Redirect"] == reverse("cases:case_detail", args=[case.reference])


def test_a_refused_transition_lists_the_gaps_and_keeps_the_forms(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.ACKNOWLEDGE)

    response = rep_client.post(url("transition", case), {"name": "complete_acknowledge"})

    html = response.content.decode()
    case.refresh_from_db()
    assert response.status_code == 422
    assert case.step == Step.ACKNOWLEDGE
    assert "Not yet. Still missing:" in html
    assert "Record how you acknowledged the concern, in your own words." in html
    assert 'name="text"' in html  # the step's form is still on the page


def test_an_illegal_transition_is_refused_clearly_and_changes_nothing(rep_client, case):
    response = rep_client.post(url("transition", case), {"name": "complete_plan"}, headers=HTMX)

    case.refresh_from_db()
    assert response.status_code == 422
    assert case.step == Step.IDENTIFY
    assert "cannot be applied" in response.content.decode()


def test_an_unknown_transition_name_is_refused(rep_client, case):
    response = rep_client.post(url("transition", case), {"name": "skip_to_the_end"})

    assert response.status_code == 422
    assert Case.objects.get(pk=case.pk).step == Step.IDENTIFY


def test_an_item_holder_cannot_move_the_case(client, rep, other_rep, dennis):
    case = in_step(rep, dennis, Step.PLAN)
    plan_ready(case, rep, assignee=other_rep)
    client.force_login(other_rep)

    response = client.post(url("transition", case), {"name": "complete_plan"})

    assert response.status_code == 403
    assert Case.objects.get(pk=case.pk).step == Step.PLAN


def test_loose_ends_needs_a_reason_and_keeps_what_was_typed_elsewhere(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.DELIVER)

    refused = rep_client.post(url("move", case), {"name": "loose_ends", "reason": ""}, headers=HTMX)
    moved = rep_client.post(url("move", case), {"name": "loose_ends", "reason": "Email still slow"})

    case.refresh_from_db()
    assert refused.status_code == 422
    assert "Give a reason for this step change." in refused.content.decode()
    assert moved.status_code == 302
    assert case.step == Step.PLAN


def test_a_reopen_keeps_the_reason_typed_when_refused(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.RESOLVED)

    response = rep_client.post(url("move", case), {"name": "reopen", "reason": "   "})

    assert response.status_code == 422
    assert Case.objects.get(pk=case.pk).step == Step.RESOLVED


def test_a_rep_cannot_force_close(rep_client, case):
    response = rep_client.post(url("move", case), {"name": "force_close", "reason": "Tired of it"})

    assert response.status_code == 422
    assert "permission" in response.content.decode()
    assert Case.objects.get(pk=case.pk).step == Step.IDENTIFY


def test_a_supervisor_closes_a_case_whose_gate_is_not_met(client, supervisor, case):
    client.force_login(supervisor)

    client.post(url("move", case), {"name": "force_close", "reason": "Client withdrew the complaint"})

    case.refresh_from_db()
    assert case.step == Step.RESOLVED and case.closed_by_override


# --- Escalation and ownership --------------------------------------------------------------------
def test_escalating_with_a_reason(rep_client, case):
    response = rep_client.post(url("escalate", case), {"reason": EscalationReason.LIABILITY,
                                                       "note": "Asks for a refund"}, headers=HTMX)

    assert case.escalations.get().reason == EscalationReason.LIABILITY
    assert response.content.decode().lstrip().startswith('<section id="blk-escalate"')


def test_escalating_needs_a_note(rep_client, case):
    response = rep_client.post(url("escalate", case), {"reason": EscalationReason.OTHER, "note": ""})

    assert response.status_code == 422
    assert not case.escalations.exists()


def test_a_handoff_takes_effect_when_the_teammate_accepts(rep_client, client, rep, other_rep, case):
    rep_client.post(url("handoff_request", case), {"to_user": other_rep.pk, "reason": "Going on leave"})
    handoff = case.handoffs.get()
    receiver = HttpClient()
    receiver.force_login(other_rep)
    page = receiver.get(reverse("cases:case_detail", args=[case.reference]))

    response = receiver.post(url("handoff_accept", case, handoff.pk), {"client_informed": "on"})

    case.refresh_from_db()
    assert page.status_code == 200 and "Accept the case" in page.content.decode()
    assert response.status_code == 302
    assert case.owner == other_rep


def test_accepting_a_handoff_needs_the_client_told(client, rep, other_rep, case):
    handoff = services.handoff_request(user=rep, case=case, to_user=other_rep, reason="On leave tomorrow")
    client.force_login(other_rep)

    response = client.post(url("handoff_accept", case, handoff.pk), {})

    assert response.status_code == 422
    assert "Confirm the client has been told" in response.content.decode()
    assert Case.objects.get(pk=case.pk).owner == rep


@override_settings(REPS_SEE_OWN_CASES_ONLY=True)
def test_declining_a_handoff_returns_the_receiver_to_their_cases_when_they_may_no_longer_see_it(
        client, rep, other_rep, case):
    handoff = services.handoff_request(user=rep, case=case, to_user=other_rep, reason="On leave tomorrow")
    client.force_login(other_rep)

    response = client.post(url("handoff_decline", case, handoff.pk), {})

    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.DECLINED
    assert response.url == reverse("cases:my_cases")


def test_a_supervisor_reassigns_directly(client, supervisor, other_rep, case):
    client.force_login(supervisor)

    client.post(url("reassign", case), {"to_user": other_rep.pk, "reason": "Balance the load",
                                        "client_informed": "on"})

    assert Case.objects.get(pk=case.pk).owner == other_rep


def test_a_rep_cannot_reassign(rep_client, other_rep, case):
    response = rep_client.post(url("reassign", case), {"to_user": other_rep.pk, "reason": "x", "client_informed": "on"})

    assert response.status_code == 403


def test_an_htmx_refusal_for_a_form_the_page_does_not_show_is_said_in_the_messages(rep_client, case):
    response = rep_client.post(url("ack", case), {"text": "I hear you"}, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 422
    assert response["HX-Reswap"] == "none"
    assert 'id="messages"' in html and "Identify the concerns before acknowledging them." in html


def test_a_refusal_shown_beside_its_field_is_not_repeated_as_a_message(rep_client, case):
    response = rep_client.post(url("concern_add", case), {"description": ""}, headers=HTMX)

    assert "HX-Reswap" not in response
    assert response.content.decode().count("Describe the concern before saving it.") == 1


def test_after_an_htmx_save_the_cursor_returns_to_the_blocks_form(rep_client, case):
    response = rep_client.post(url("concern_add", case), {
        "description": "Invoice email bounces back", "impact": "Customers cannot pay them this week",
        "feeling": "Fed up"}, headers=HTMX)

    assert 'autofocus id="id_concern_add_description"' in response.content.decode()


def test_after_adding_a_concern_with_a_part_missing_the_cursor_goes_to_that_part(rep_client, case):
    response = rep_client.post(url("concern_add", case), {"description": "Invoice email bounces back"}, headers=HTMX)

    added = case.concerns.get(description="Invoice email bounces back")
    assert f'autofocus id="id_concern_edit_{added.pk}_impact"' in response.content.decode()


def test_a_row_from_another_case_is_not_found(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.MANAGE_ANXIETY)
    elsewhere = in_step(rep, dennis, Step.MANAGE_ANXIETY).action_items.get()

    response = rep_client.post(url("item_done", case, elsewhere.pk))

    elsewhere.refresh_from_db()
    assert response.status_code == 404
    assert elsewhere.status == ItemStatus.OPEN


def test_at_delivery_the_page_points_to_loose_ends_instead_of_offering_new_items(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.DELIVER)

    page = rep_client.get(reverse("cases:case_detail", args=[case.reference])).content.decode()

    assert "use loose ends to take the case back to the plan" in page
    assert url("item_add", case) not in page
