"""Every form on the case page: valid and invalid input, plain and htmx requests, and who may post it.
A plain post redirects back to the block; htmx gets the block back with the page's read-only regions
out of band; refused input comes back (422) with the rep's text kept and the error beside the field."""
import datetime as dt
import zoneinfo

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import (
    ActionItem, Case, Channel, EscalationReason, HandoffStatus, ItemStatus, Mood, Promise, PromiseKind,
    PromiseStatus, Step,
)
from tests.cases.helpers import advance_to, open_case, plan_ready
from tests.factories import ClientFactory, StaffProfileFactory

HTMX = {"HX-Request": "true"}


def url(name, case, pk=None):
    return reverse(f"cases:{name}", args=[case.reference] + ([pk] if pk is not None else []))


def local(delta, tz="UTC"):
    return (timezone.now() + delta).astimezone(zoneinfo.ZoneInfo(tz)).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def rep_client(client, rep):
    client.force_login(rep)
    return client


@pytest.fixture
def case(rep, dennis):
    return open_case(rep, dennis)


def in_step(rep, dennis, step):
    return advance_to(open_case(rep, dennis), step, rep)


# --- Shared behaviour ----------------------------------------------------------------------------
def test_a_plain_post_redirects_back_to_the_block_with_a_message(rep_client, case):
    response = rep_client.post(url("concern_add", case), {"description": "Email bounces", "impact": "No orders",
                                                          "feeling": "Angry"}, follow=True)

    assert response.redirect_chain[0][0].endswith("#blk-concerns")
    assert "Concern added." in response.content.decode()
    assert case.concerns.count() == 2


def test_an_htmx_post_gets_the_block_and_out_of_band_regions(rep_client, case):
    response = rep_client.post(url("concern_add", case), {"description": "Email bounces"}, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<details class="block block--concerns" id="blk-concerns" open')
    for region in ("case-header", "case-gate", "case-promises", "case-trend", "case-timeline", "messages"):
        assert f'id="{region}"' in html
    assert html.count('hx-swap-oob="true"') >= 6
    assert "<html" not in html


def test_an_htmx_refusal_keeps_the_text_and_puts_the_error_next_to_the_field(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.PLAN)

    response = rep_client.post(url("item_add", case), {"description": "Restore backup", "kind": "fix",
                                                       "due_at": local(-dt.timedelta(hours=1))}, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 422
    assert "Restore backup" in html
    assert 'id="id_item_add_due_at_error"' in html and "Choose a time in the future." in html


def test_a_get_on_an_action_is_not_allowed(rep_client, case):
    response = rep_client.get(url("concern_add", case))

    assert response.status_code == 405


def test_a_post_without_the_csrf_token_is_refused(rep, case):
    browser = HttpClient(enforce_csrf_checks=True)
    browser.force_login(rep)

    response = browser.post(url("concern_add", case), {"description": "Email bounces"})

    assert response.status_code == 403
    assert case.concerns.count() == 1


def test_another_rep_gets_404_when_posting_to_a_case_they_cannot_see(client, other_rep, case):
    client.force_login(other_rep)

    response = client.post(url("concern_add", case), {"description": "Sneaky"})

    assert response.status_code == 404
    assert case.concerns.count() == 1


def test_anonymous_posts_go_to_sign_in(client, case):
    response = client.post(url("concern_add", case), {"description": "x"})

    assert response.status_code == 302 and response.url.startswith(reverse("login"))


# --- Step 1 --------------------------------------------------------------------------------------
def test_an_empty_concern_is_refused_with_the_services_words(rep_client, case):
    response = rep_client.post(url("concern_add", case), {"description": "", "impact": "", "feeling": ""})

    assert response.status_code == 422
    assert response.context["forms"]["concern_add"].errors["description"] == ["Describe the concern before saving it."]


def test_a_concern_can_be_completed_later(rep_client, rep, dennis):
    case = services.case_open(user=rep, client=dennis, summary="Down", temperature=Mood.ANXIOUS,
                              concern={"description": "Site down", "impact": "", "feeling": ""})
    concern = case.concerns.get()

    rep_client.post(url("concern_edit", case, concern.pk),
                    {"description": "Site down", "impact": "No orders", "feeling": "Worried"})

    concern.refresh_from_db()
    assert concern.impact == "No orders" and concern.is_complete


def test_a_refused_concern_edit_reopens_that_concerns_form_with_the_text(rep_client, case):
    concern = case.concerns.get()

    response = rep_client.post(url("concern_edit", case, concern.pk),
                               {"description": "", "impact": "", "feeling": "", "impact_deadline": "not a date"})

    html = response.content.decode()
    assert response.status_code == 422
    assert f'id="id_concern_edit_{concern.pk}_impact_deadline_error"' in html


def test_recording_the_temperature(rep_client, case):
    rep_client.post(url("temperature", case), {"temperature": Mood.ANGRY})

    case.refresh_from_db()
    assert case.temperature == Mood.ANGRY


def test_an_unknown_temperature_is_refused(rep_client, case):
    response = rep_client.post(url("temperature", case), {"temperature": "furious"})

    assert response.status_code == 422


def test_flagging_irate_shows_the_script_and_adds_a_supervisor(rep_client, case, supervisor):
    response = rep_client.post(url("irate", case), {"flagged": "on"}, headers=HTMX)

    case.refresh_from_db()
    assert case.flagged_irate and case.co_owner == supervisor
    assert "pb-deesc" in response.content.decode()


# --- Steps 2-4 -----------------------------------------------------------------------------------
def test_an_acknowledgement_is_recorded_with_the_coachs_warnings(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.ACKNOWLEDGE)

    response = rep_client.post(url("ack", case), {"text": "Are you sure that's what happened?"}, headers=HTMX)

    ack = case.acknowledgements.get()
    assert ack.coach_warnings and ack.coach_warnings[0]["code"] == "defensive"
    assert "pb-coach__warning--defensive" in response.content.decode()


def test_an_empty_acknowledgement_says_what_to_write(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.ACKNOWLEDGE)

    response = rep_client.post(url("ack", case), {"text": "  "})

    assert response.status_code == 422
    assert response.context["forms"]["ack"].errors["text"]
    assert case.acknowledgements.count() == 0


def test_an_acknowledgement_before_its_step_is_refused_in_plain_words(rep_client, case):
    response = rep_client.post(url("ack", case), {"text": "I hear you"})

    assert response.status_code == 422
    assert "Identify the concerns before acknowledging them." in response.content.decode()


def test_the_coached_field_is_wired_to_the_live_coach(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.RECOMMIT)

    html = rep_client.get(reverse("cases:case_detail", args=[case.reference])).content.decode()

    assert f'hx-post="{reverse("playbook:coach")}"' in html
    assert "&quot;context&quot;: &quot;recommitment&quot;" in html
    assert 'id="id_recommit_text-coach"' in html


def test_a_recommitment_is_recorded(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.RECOMMIT)

    rep_client.post(url("recommit", case), {"text": "We hold ourselves to keeping you online."})

    assert case.recommitments.count() == 1


def test_a_question_with_its_answer_and_a_later_answer(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.GATHER)
    rep_client.post(url("fact_add", case), {"question": "When did it start?"})
    fact = case.facts.get()

    rep_client.post(url("fact_answer", case, fact.pk), {"answer": "At 7am"})

    fact.refresh_from_db()
    assert fact.answer == "At 7am"


def test_a_question_is_required(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.GATHER)

    response = rep_client.post(url("fact_add", case), {"question": "", "answer": "At 7am"})

    assert response.status_code == 422
    assert "At 7am" in response.content.decode()


def test_the_root_problem_and_the_clients_expectation(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.GATHER)

    rep_client.post(url("root", case), {"root_problem": "Mail server failed", "expected_resolution": "Back today"})

    case.refresh_from_db()
    assert case.root_problem == "Mail server failed" and case.expected_resolution == "Back today"


# --- Step 5 --------------------------------------------------------------------------------------
def test_an_item_for_a_teammate_with_a_due_time_opens_a_promise(rep_client, rep, other_rep, dennis):
    case = in_step(rep, dennis, Step.PLAN)

    rep_client.post(url("item_add", case), {"description": "Check DNS", "kind": "mitigate",
                                            "assignee": other_rep.pk, "due_at": local(dt.timedelta(hours=2))})

    item = case.action_items.get()
    assert item.assignee == other_rep and item.kind == "mitigate"
    assert item.promises.get().status == PromiseStatus.PENDING


def test_an_item_due_time_is_read_in_the_viewers_time_zone(client, dennis):
    rep = StaffProfileFactory(time_zone="Asia/Tokyo").user
    case = advance_to(open_case(rep, dennis), Step.PLAN, rep)
    client.force_login(rep)
    typed = local(dt.timedelta(days=2), "Asia/Tokyo")

    client.post(url("item_add", case), {"description": "Restore", "kind": "fix", "assignee": rep.pk, "due_at": typed})

    due = case.action_items.get().due_at.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo"))
    assert due.strftime("%Y-%m-%dT%H:%M") == typed


def test_an_item_due_time_may_be_typed_in_the_clients_time_zone(rep_client, rep):
    case = advance_to(open_case(rep, ClientFactory(time_zone="America/New_York")), Step.PLAN, rep)
    typed = local(dt.timedelta(days=2), "America/New_York")

    rep_client.post(url("item_add", case), {"description": "Restore", "kind": "fix", "assignee": rep.pk,
                                            "due_at": typed, "entry_zone": "client"})

    due = case.action_items.get().due_at.astimezone(zoneinfo.ZoneInfo("America/New_York"))
    assert due.strftime("%Y-%m-%dT%H:%M") == typed


def test_an_item_without_a_due_time_is_kept_and_the_gate_says_so(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.PLAN)

    response = rep_client.post(url("item_add", case), {"description": "Restore", "kind": "fix", "assignee": rep.pk},
                               headers=HTMX)

    assert case.action_items.get().due_at is None
    assert "Give every action item a due time (1 without one)." in response.content.decode()


def test_items_cannot_be_added_before_the_plan_step(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.GATHER)

    response = rep_client.post(url("item_add", case), {"description": "Restore", "kind": "fix"})

    assert response.status_code == 422
    assert "from the plan step on" in response.content.decode()
    assert not ActionItem.objects.exists()


def test_an_item_can_be_given_its_due_time_later(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.PLAN)
    item = services.action_item_create(user=rep, case=case, description="Restore", assignee=rep)

    rep_client.post(url("item_edit", case, item.pk), {"description": "Restore", "kind": "fix", "assignee": rep.pk,
                                                      "due_at": local(dt.timedelta(hours=3))})

    item.refresh_from_db()
    assert item.due_at is not None


def test_the_cadence_is_agreed_in_hours(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.PLAN)

    rep_client.post(url("cadence", case), {"every": 2, "unit": "hours", "channel": Channel.EMAIL,
                                           "business_hours_only": "on"})

    case.refresh_from_db()
    assert (case.cadence_minutes, case.cadence_channel, case.cadence_business_hours_only) == (120, "email", True)
    assert case.promises.filter(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING).exists()


def test_a_cadence_below_the_services_minimum_is_refused_on_the_interval_field(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.PLAN)

    response = rep_client.post(url("cadence", case), {"every": 2, "unit": "minutes", "channel": Channel.PHONE})

    assert response.status_code == 422
    assert response.context["forms"]["cadence"].errors["every"] == ["Updates must be at least 5 minutes apart."]


def test_an_eta_range_is_given(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.PLAN)

    rep_client.post(url("eta", case), {"eta_earliest": local(dt.timedelta(hours=1)),
                                       "eta_latest": local(dt.timedelta(hours=5))})

    case.refresh_from_db()
    assert case.eta_earliest < case.eta_latest
    assert case.promises.filter(kind=PromiseKind.ETA).exists()


def test_an_eta_range_backwards_is_refused_on_the_earliest_field(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.PLAN)

    response = rep_client.post(url("eta", case), {"eta_earliest": local(dt.timedelta(hours=5)),
                                                  "eta_latest": local(dt.timedelta(hours=1))})

    assert response.status_code == 422
    errors = response.context["forms"]["eta"].errors
    assert errors["eta_earliest"] == ["The earliest estimate must not be later than the latest."]


# --- Step 6 --------------------------------------------------------------------------------------
def test_a_status_update_on_time_keeps_the_promise(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.MANAGE_ANXIETY)

    rep_client.post(url("update", case), {"text": "Email back within the hour", "channel": Channel.PHONE,
                                          "client_mood": Mood.CALM})

    assert case.promises.filter(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.KEPT).count() == 1
    assert case.status_updates.get().client_mood == Mood.CALM


def test_a_status_update_without_the_clients_mood_keeps_the_text(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.MANAGE_ANXIETY)

    response = rep_client.post(url("update", case), {"text": "Email back within the hour", "channel": "phone"},
                               headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 422
    assert "Email back within the hour" in html
    assert 'id="id_update_client_mood_error"' in html
    assert not case.status_updates.exists()


def test_a_status_update_cannot_be_dated_in_the_future(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.MANAGE_ANXIETY)

    response = rep_client.post(url("update", case), {"text": "Soon", "channel": "phone", "client_mood": "calm",
                                                     "given_at": local(dt.timedelta(hours=1))})

    assert response.context["forms"]["update"].errors["given_at"] == ["That time is in the future."]


def test_the_assignee_marks_their_item_done_on_another_reps_case(client, rep, other_rep, dennis):
    case = in_step(rep, dennis, Step.PLAN)
    plan_ready(case, rep, assignee=other_rep)
    item = case.action_items.get()
    client.force_login(other_rep)

    response = client.post(url("item_done", case, item.pk))

    item.refresh_from_db()
    assert response.status_code == 302
    assert item.status == ItemStatus.DONE


def test_an_item_holder_cannot_act_on_someone_elses_item(client, rep, other_rep, dennis):
    case = in_step(rep, dennis, Step.PLAN)
    services.action_item_create(user=rep, case=case, description="Theirs", assignee=other_rep,
                                due_at=timezone.now() + dt.timedelta(hours=1))
    owners = services.action_item_create(user=rep, case=case, description="Mine", assignee=rep,
                                         due_at=timezone.now() + dt.timedelta(hours=1))
    client.force_login(other_rep)

    response = client.post(url("item_done", case, owners.pk))

    owners.refresh_from_db()
    assert response.status_code == 403
    assert owners.status == ItemStatus.OPEN


def test_an_item_holder_cannot_work_the_rest_of_the_case(client, rep, other_rep, dennis):
    case = in_step(rep, dennis, Step.PLAN)
    services.action_item_create(user=rep, case=case, description="Theirs", assignee=other_rep,
                                due_at=timezone.now() + dt.timedelta(hours=1))
    client.force_login(other_rep)

    response = client.post(url("cadence", case), {"every": 1, "unit": "hours", "channel": "phone"})

    assert response.status_code == 403


def test_cancelling_an_item_needs_a_reason(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.MANAGE_ANXIETY)
    item = case.action_items.get()

    refused = rep_client.post(url("item_cancel", case, item.pk), {"reason": ""})
    rep_client.post(url("item_cancel", case, item.pk), {"reason": "The host fixed it themselves"})

    item.refresh_from_db()
    assert refused.status_code == 422
    assert item.status == ItemStatus.CANCELLED


def test_a_promise_is_renegotiated_with_the_clients_agreement(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.MANAGE_ANXIETY)
    promise = case.promises.get(kind=PromiseKind.ETA, status=PromiseStatus.PENDING)

    response = rep_client.post(url("renegotiate", case, promise.pk),
                               {"new_due_at": local(dt.timedelta(hours=8)), "note": "Dennis agreed to tonight"},
                               headers=HTMX)

    promise.refresh_from_db()
    assert promise.status == PromiseStatus.RENEGOTIATED
    assert response.content.decode().lstrip().startswith('<section id="case-promises"')


def test_a_renegotiation_needs_the_clients_words(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.MANAGE_ANXIETY)
    promise = case.promises.get(kind=PromiseKind.ETA, status=PromiseStatus.PENDING)

    response = rep_client.post(url("renegotiate", case, promise.pk), {"new_due_at": local(dt.timedelta(hours=8))})

    assert response.status_code == 422
    assert Promise.objects.get(pk=promise.pk).status == PromiseStatus.PENDING


# --- Step 7 and after ----------------------------------------------------------------------------
def _delivery(**overrides):
    data = {"verified_with_client": "on", "client_satisfied": "on", "expectation_met": "yes",
            "prevention_note": "Snapshots before upgrades", "client_mood": "delighted",
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

    assert response.context["forms"]["delivery"].errors["follow_up_on"] == ["Choose today or a later date."]
    assert "Snapshots before upgrades" in response.content.decode()


def test_the_follow_up_call_is_logged_after_resolution(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.RESOLVED)

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
    handoff = services.handoff_request(user=rep, case=case, to_user=other_rep, reason="Leave")
    client.force_login(other_rep)

    response = client.post(url("handoff_accept", case, handoff.pk), {})

    assert response.status_code == 422
    assert "Confirm the client has been told" in response.content.decode()
    assert Case.objects.get(pk=case.pk).owner == rep


def test_declining_a_handoff_returns_the_receiver_to_their_cases(client, rep, other_rep, case):
    handoff = services.handoff_request(user=rep, case=case, to_user=other_rep, reason="Leave")
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
    response = rep_client.post(url("concern_add", case), {"description": "Email bounces"}, headers=HTMX)

    assert 'autofocus id="id_concern_add_description"' in response.content.decode()


def test_a_row_from_another_case_is_not_found(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.MANAGE_ANXIETY)
    elsewhere = in_step(rep, dennis, Step.MANAGE_ANXIETY).action_items.get()

    response = rep_client.post(url("item_done", case, elsewhere.pk))

    elsewhere.refresh_from_db()
    assert response.status_code == 404
    assert elsewhere.status == ItemStatus.OPEN
