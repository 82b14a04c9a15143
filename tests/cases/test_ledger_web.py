"""The promise ledger's rules, posted through the case page's real forms as a rep would, each checked
in the database afterwards: a passed deadline cannot be talked away, renegotiations need the client's
agreement and stay within their horizon, only the owner cancels an item, delivery and the follow-up
settle what they may, absurd dates are form errors, and a closed case refuses every forged post."""
import datetime as dt

import pytest
import time_machine
from django import forms as django_forms
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import (
    ActionItem, Case, CaseEvent, Channel, Client, Concern, Delivery, Escalation, EscalationReason, Fact,
    Handoff, ItemStatus, Promise, PromiseKind, PromiseStatus, StaffProfile, StatusUpdate, Step,
)
from cases.status_links import make_token
from cases.views.actions import ACTION_LIST, ACTIONS
from cases.workflow import ALL_TRANSITIONS, Transition
from notifications.models import OutboxMessage
from tests.cases.helpers import advance_to, open_case
from tests.cases.views_support import in_step, local, page_of, url
from tests.factories import ClientFactory

AGREED = {"agreed_channel": Channel.PHONE, "agreed_text": "Dennis said that time works for him"}


def _pending(case, kind):
    return case.promises.get(kind=kind, status=PromiseStatus.PENDING)


def _as(user):
    http = HttpClient()
    http.force_login(user)
    return http


def _broken_escalations(promise):
    return Escalation.objects.filter(case=promise.case, reason=EscalationReason.BROKEN_PROMISE)


def _told(address, promise):
    """Emails queued to `address` about `promise` breaking (or, for an item's promise, the item's
    overdue notice, which is how the sweeps tell its holder)."""
    keys = [f"promise-broken:{promise.pk}:"]
    if promise.action_item_id:
        keys.append(f"item-overdue:{promise.action_item_id}:")
    return [m for m in OutboxMessage.objects.filter(case=promise.case).order_by("pk")
            if any(m.key.startswith(k) for k in keys) and address in m.to]


def _assert_broken_once(promise, *, owner, supervisor):
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.BROKEN
    assert promise.broken_at is not None
    escalations = list(_broken_escalations(promise))
    assert [e.promise_id for e in escalations] == [promise.pk]
    assert len(_told(owner.email, promise)) == 1
    assert len(_told(supervisor.email, promise)) == 1


# --- A deadline that has passed cannot be talked away ------------------------------------------------
def test_renegotiating_after_the_deadline_records_it_broken_once_then_opens_the_new_one(
        rep_client, rep, supervisor, dennis):
    case = in_step(rep, dennis, Step.MANAGE_ANXIETY)
    promise = _pending(case, PromiseKind.STATUS_UPDATE)

    with time_machine.travel(promise.due_at + dt.timedelta(minutes=30), tick=False):
        data = {"new_due_at": local(dt.timedelta(hours=1)), **AGREED}
        first = rep_client.post(url("renegotiate", case, promise.pk), data)
        second = rep_client.post(url("renegotiate", case, promise.pk), data)

    assert first.status_code == 302 and second.status_code == 422
    _assert_broken_once(promise, owner=rep, supervisor=supervisor)
    successor = Promise.objects.get(replaces=promise)
    assert successor.status == PromiseStatus.PENDING and successor.due_at > promise.due_at


def test_editing_an_items_due_time_after_its_deadline_records_it_broken_once(
        rep_client, rep, other_rep, supervisor, dennis):
    case = in_step(rep, dennis, Step.PLAN)
    item = services.action_item_create(user=rep, case=case, description="Check the DNS records",
                                       assignee=other_rep, due_at=timezone.now() + dt.timedelta(hours=2))
    promise = _pending(case, PromiseKind.ACTION_ITEM)

    with time_machine.travel(item.due_at + dt.timedelta(minutes=30), tick=False):
        data = {"description": item.description, "kind": item.kind, "assignee": other_rep.pk,
                "due_at": local(dt.timedelta(hours=2))}
        first = rep_client.post(url("item_edit", case, item.pk), data)
        rep_client.post(url("item_edit", case, item.pk), data)

    assert first.status_code == 302
    _assert_broken_once(promise, owner=other_rep, supervisor=supervisor)
    assert Promise.objects.get(replaces=promise).status == PromiseStatus.PENDING


def test_cancelling_an_item_after_its_deadline_records_it_broken_not_withdrawn(
        rep_client, rep, other_rep, supervisor, dennis):
    case = in_step(rep, dennis, Step.PLAN)
    item = services.action_item_create(user=rep, case=case, description="Check the DNS records",
                                       assignee=other_rep, due_at=timezone.now() + dt.timedelta(hours=2))
    promise = _pending(case, PromiseKind.ACTION_ITEM)

    with time_machine.travel(item.due_at + dt.timedelta(minutes=30), tick=False):
        first = rep_client.post(url("item_cancel", case, item.pk), {"reason": "The host fixed it themselves"})
        rep_client.post(url("item_cancel", case, item.pk), {"reason": "The host fixed it themselves"})

    item.refresh_from_db()
    assert first.status_code == 302 and item.status == ItemStatus.CANCELLED
    _assert_broken_once(promise, owner=other_rep, supervisor=supervisor)


def test_changing_the_cadence_after_the_update_deadline_records_it_broken_once(rep_client, rep, supervisor, dennis):
    case = in_step(rep, dennis, Step.MANAGE_ANXIETY)
    promise = _pending(case, PromiseKind.STATUS_UPDATE)

    with time_machine.travel(promise.due_at + dt.timedelta(minutes=30), tick=False):
        data = {"every": 2, "unit": "hours", "channel": Channel.PHONE}
        first = rep_client.post(url("cadence", case), data)
        rep_client.post(url("cadence", case), data)

    assert first.status_code == 302
    _assert_broken_once(promise, owner=rep, supervisor=supervisor)
    assert _pending(case, PromiseKind.STATUS_UPDATE).due_at > promise.due_at


def test_changing_the_eta_after_it_passed_records_it_broken_once(rep_client, rep, supervisor, dennis):
    case = in_step(rep, dennis, Step.MANAGE_ANXIETY)
    promise = _pending(case, PromiseKind.ETA)

    with time_machine.travel(promise.due_at + dt.timedelta(minutes=30), tick=False):
        data = {"eta_earliest": local(dt.timedelta(hours=1)), "eta_latest": local(dt.timedelta(hours=3))}
        first = rep_client.post(url("eta", case), data)
        rep_client.post(url("eta", case), data)

    assert first.status_code == 302
    _assert_broken_once(promise, owner=rep, supervisor=supervisor)
    assert _pending(case, PromiseKind.ETA).due_at > promise.due_at


# --- Renegotiation: the client's agreement, the horizon, the count ----------------------------------
@pytest.mark.parametrize("agreement, field", [
    ({"agreed_channel": "", "agreed_text": "Dennis said that time works for him"}, "agreed_channel"),
    ({"agreed_channel": "phone", "agreed_text": "x"}, "agreed_text"),
    ({"agreed_channel": "phone", "agreed_text": "ok fine"}, "agreed_text"),
    ({"agreed_channel": "phone", "agreed_text": "\u200bok\u200b \u200b"}, "agreed_text"),
    ({"agreed_channel": "pigeon", "agreed_text": "Dennis said that time works for him"}, "agreed_channel"),
], ids=["no-channel", "x", "two-words", "invisible", "unknown-channel"])
def test_a_renegotiation_without_the_clients_agreement_is_refused_beside_the_field(
        rep_client, rep, dennis, agreement, field):
    case = in_step(rep, dennis, Step.MANAGE_ANXIETY)
    promise = _pending(case, PromiseKind.ETA)
    before = list(case.promises.order_by("pk").values())

    response = rep_client.post(url("renegotiate", case, promise.pk),
                               {"new_due_at": local(dt.timedelta(hours=8)), **agreement})

    assert response.status_code == 422
    assert field in response.context["forms"].get("renegotiate", promise).errors
    assert f'id="id_renegotiate_{promise.pk}_{field}_error"' in response.content.decode()
    assert list(case.promises.order_by("pk").values()) == before


@pytest.mark.parametrize("action", ["item_edit", "cadence", "eta"])
def test_moving_a_promised_time_from_its_own_form_needs_the_clients_agreement(rep_client, rep, dennis, action):
    case = in_step(rep, dennis, Step.MANAGE_ANXIETY)
    item = services.action_item_create(user=rep, case=case, description="Check the DNS records", assignee=rep,
                                       due_at=timezone.now() + dt.timedelta(hours=2))
    before = list(case.promises.order_by("pk").values())
    posts = {
        "item_edit": (item.pk, {"description": item.description, "kind": item.kind, "assignee": rep.pk,
                                "due_at": local(dt.timedelta(hours=6))}),
        "cadence": (None, {"every": 3, "unit": "hours", "channel": Channel.PHONE}),
        "eta": (None, {"eta_earliest": local(dt.timedelta(hours=2)), "eta_latest": local(dt.timedelta(hours=9))}),
    }
    pk, data = posts[action]

    response = rep_client.post(url(action, case, pk), {**data, "agreed_channel": "", "agreed_text": "ok"})

    assert response.status_code == 422
    assert list(case.promises.order_by("pk").values()) == before


def _with_one_pending_promise_of_each_kind(rep, dennis):
    """A case in manage_anxiety: its plan left a pending update, ETA and action-item promise."""
    return in_step(rep, dennis, Step.MANAGE_ANXIETY)


HORIZON_CASES = [
    (PromiseKind.STATUS_UPDATE, dt.timedelta(days=8)),
    (PromiseKind.ACTION_ITEM, dt.timedelta(days=31)),
    (PromiseKind.ETA, dt.timedelta(days=91)),
    (PromiseKind.STATUS_UPDATE, dt.timedelta(days=4 * 365)),
    (PromiseKind.ACTION_ITEM, dt.timedelta(days=4 * 365)),
    (PromiseKind.ETA, dt.timedelta(days=4 * 365)),
]


@pytest.mark.parametrize("kind, ahead", HORIZON_CASES,
                         ids=[f"{k.value}-{d.days}d" for k, d in HORIZON_CASES])
def test_a_new_deadline_beyond_the_kinds_horizon_is_refused(rep_client, rep, dennis, kind, ahead):
    case = _with_one_pending_promise_of_each_kind(rep, dennis)
    promise = _pending(case, kind)

    response = rep_client.post(url("renegotiate", case, promise.pk), {"new_due_at": local(ahead), **AGREED})

    promise.refresh_from_db()
    assert response.status_code == 422
    assert "new_due_at" in response.context["forms"].get("renegotiate", promise).errors
    assert promise.status == PromiseStatus.PENDING and not Promise.objects.filter(replaces=promise).exists()


@pytest.mark.parametrize("kind, ahead", [(PromiseKind.STATUS_UPDATE, dt.timedelta(days=6)),
                                         (PromiseKind.ACTION_ITEM, dt.timedelta(days=29)),
                                         (PromiseKind.ETA, dt.timedelta(days=89))],
                         ids=["status_update", "action_item", "eta"])
def test_a_new_deadline_within_the_kinds_horizon_is_accepted(rep_client, rep, dennis, kind, ahead):
    case = _with_one_pending_promise_of_each_kind(rep, dennis)
    promise = _pending(case, kind)

    response = rep_client.post(url("renegotiate", case, promise.pk), {"new_due_at": local(ahead), **AGREED})

    promise.refresh_from_db()
    assert response.status_code == 302
    assert promise.status == PromiseStatus.RENEGOTIATED
    assert Promise.objects.get(replaces=promise).agreed_text == AGREED["agreed_text"]


def test_each_promise_shows_how_often_it_moved_on_the_case_page(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.MANAGE_ANXIETY)
    promise = _pending(case, PromiseKind.ETA)
    rep_client.post(url("renegotiate", case, promise.pk), {"new_due_at": local(dt.timedelta(hours=8)), **AGREED})
    once = rep_client.get(page_of(case)).content.decode()
    moved = _pending(case, PromiseKind.ETA)

    rep_client.post(url("renegotiate", case, moved.pk), {"new_due_at": local(dt.timedelta(hours=10)), **AGREED})

    twice = rep_client.get(page_of(case)).content.decode()
    assert "moved 1×" in once
    assert "moved 2×" in twice and "moved 1×" not in twice
    assert _pending(case, PromiseKind.ETA).moved_count == 2


def test_the_team_page_shows_the_reps_renegotiated_share(rep_client, rep, supervisor, dennis):
    case = in_step(rep, dennis, Step.MANAGE_ANXIETY)
    eta = _pending(case, PromiseKind.ETA)
    rep_client.post(url("renegotiate", case, eta.pk), {"new_due_at": local(dt.timedelta(hours=8)), **AGREED})

    # The dashboard counts promises due in its window: look once the old ETA's deadline has passed.
    with time_machine.travel(eta.due_at + dt.timedelta(minutes=10), tick=False):
        response = _as(supervisor).get(reverse("supervisor:dashboard"))

    row = next(r for r in response.context["board"].reps if r.user == rep)
    assert (row.measures.kept, row.measures.broken, row.measures.renegotiated) == (0, 0, 1)
    assert row.measures.renegotiated_pct == 100
    assert "1 moved" in response.content.decode()


# --- Items: only the owner cancels; a teammate hands back ----------------------------------------
def _teammate_item(rep, other_rep, dennis):
    case = in_step(rep, dennis, Step.PLAN)
    item = services.action_item_create(user=rep, case=case, description="Check the DNS records",
                                       assignee=other_rep, due_at=timezone.now() + dt.timedelta(hours=2))
    return case, item


def test_a_teammate_holding_an_item_cannot_cancel_it(rep, other_rep, dennis):
    case, item = _teammate_item(rep, other_rep, dennis)

    response = _as(other_rep).post(url("item_cancel", case, item.pk), {"reason": "I do not have the time"})

    item.refresh_from_db()
    assert response.status_code in (403, 422)
    assert item.status == ItemStatus.OPEN
    assert item.promises.get().status == PromiseStatus.PENDING


def test_a_teammate_hands_an_item_back_and_the_owner_takes_it(rep_client, rep, other_rep, dennis):
    case, item = _teammate_item(rep, other_rep, dennis)
    handed = _as(other_rep).post(url("item_hand_back", case, item.pk), {"note": "I have no access to that server"})

    response = rep_client.post(url("item_hand_back_answer", case, item.pk), {"accept": "accept"})

    item.refresh_from_db()
    assert handed.status_code == 302 and response.status_code == 302
    assert item.assignee == rep and item.handback_at is None and item.status == ItemStatus.OPEN
    assert item.promises.get(status=PromiseStatus.PENDING).owner == rep


def test_a_teammate_hands_an_item_back_and_the_owner_declines(rep_client, rep, other_rep, dennis):
    case, item = _teammate_item(rep, other_rep, dennis)
    _as(other_rep).post(url("item_hand_back", case, item.pk), {"note": "I have no access to that server"})

    response = rep_client.post(url("item_hand_back_answer", case, item.pk), {"accept": "decline"})

    item.refresh_from_db()
    assert response.status_code == 302
    assert item.assignee == other_rep and item.handback_at is None and item.status == ItemStatus.OPEN
    assert item.promises.get(status=PromiseStatus.PENDING).owner == other_rep


# --- Delivery and the follow-up --------------------------------------------------------------------
def _delivery_data(case, **overrides):
    day = timezone.localdate(timezone=case.client.tz) + dt.timedelta(days=7)
    return {"verified_with_client": "on", "client_satisfied": "on", "expectation_met": "yes",
            "prevention_note": "Upgrades now run with a tested rollback", "client_mood": "delighted",
            "follow_up_on": day.isoformat(), **overrides}


@pytest.mark.parametrize("after, expected", [(dt.timedelta(minutes=30), PromiseStatus.BROKEN),
                                             (dt.timedelta(minutes=-30), PromiseStatus.KEPT)],
                         ids=["already-due", "not-yet-due"])
def test_resolving_settles_the_pending_update_promise_by_its_deadline(rep_client, rep, dennis, after, expected):
    case = in_step(rep, dennis, Step.DELIVER)
    promise = _pending(case, PromiseKind.STATUS_UPDATE)

    with time_machine.travel(promise.due_at + after, tick=False):
        rep_client.post(url("delivery", case), _delivery_data(case))
        response = rep_client.post(url("transition", case), {"name": "complete_deliver"})

    promise.refresh_from_db()
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).step == Step.RESOLVED
    assert promise.status == expected


def test_the_follow_up_call_right_after_resolving_is_refused_and_keeps_nothing(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.RESOLVED)

    response = rep_client.post(url("followup", case), {"note": "Called, all is working fine now"})

    assert response.status_code == 422
    assert _pending(case, PromiseKind.FOLLOW_UP).kept_at is None
    assert case.deliveries.get().follow_up_logged_at is None


def test_the_follow_up_call_on_the_follow_up_date_keeps_the_promise(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.RESOLVED)
    promise = _pending(case, PromiseKind.FOLLOW_UP)
    morning = dt.datetime.combine(case.deliveries.get().follow_up_on, dt.time(10), tzinfo=dennis.tz)

    with time_machine.travel(morning, tick=False):
        response = rep_client.post(url("followup", case), {"note": "Called, all is working fine now"})

    promise.refresh_from_db()
    assert response.status_code == 302
    assert promise.status == PromiseStatus.KEPT


def test_the_follow_up_date_is_the_clients_local_day(rep_client, rep):
    la = ClientFactory(time_zone="America/Los_Angeles")
    case = advance_to(open_case(rep, la), Step.RESOLVED, rep)
    day = case.deliveries.get().follow_up_on
    # 03:00 UTC is 19:00 or 20:00 the evening before in Los Angeles.
    evening_before_there = dt.datetime.combine(day, dt.time(3), tzinfo=dt.timezone.utc)
    morning_there = dt.datetime.combine(day, dt.time(9), tzinfo=la.tz)

    with time_machine.travel(evening_before_there, tick=False):
        early = rep_client.post(url("followup", case), {"note": "Called, all is working fine now"})
    with time_machine.travel(morning_there, tick=False):
        on_the_day = rep_client.post(url("followup", case), {"note": "Called, all is working fine now"})

    assert early.status_code == 422 and on_the_day.status_code == 302
    assert case.promises.get(kind=PromiseKind.FOLLOW_UP).status == PromiseStatus.KEPT


# --- Absurd values are form errors, never a 500 ----------------------------------------------------
def test_a_cadence_of_ten_thousand_days_is_a_form_error(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.MANAGE_ANXIETY)

    response = rep_client.post(url("cadence", case), {"every": 10_000, "unit": "days", "channel": Channel.PHONE,
                                                      **AGREED})

    assert response.status_code == 422
    assert "every" in response.context["forms"]["cadence"].errors
    assert Case.objects.get(pk=case.pk).cadence_minutes == 60


def test_a_ten_year_eta_is_a_form_error(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.MANAGE_ANXIETY)

    response = rep_client.post(url("eta", case), {"eta_earliest": local(dt.timedelta(hours=1)),
                                                  "eta_latest": local(dt.timedelta(days=3650)), **AGREED})

    assert response.status_code == 422
    assert "eta_latest" in response.context["forms"]["eta"].errors
    assert _pending(case, PromiseKind.ETA).due_at < timezone.now() + dt.timedelta(days=1)


def test_a_follow_up_in_2036_is_a_form_error(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.DELIVER)

    response = rep_client.post(url("delivery", case), _delivery_data(case, follow_up_on="2036-06-01"))

    assert response.status_code == 422
    assert "follow_up_on" in response.context["forms"]["delivery"].errors
    assert not case.deliveries.exists()


def _date_fields():
    """(action, field, is a date only) for every date or datetime field of the case page's forms."""
    found = []
    for action in ACTION_LIST:
        fields = action.form.base_fields
        for name, fld in fields.items():
            if isinstance(fld, (django_forms.DateTimeField, django_forms.DateField)):
                found.append((action.name, name, not isinstance(fld, django_forms.DateTimeField)))
    return found


DATE_FIELDS = _date_fields()


@pytest.mark.parametrize("viewer_zone, entry_zone", [("UTC", "mine"), ("America/Los_Angeles", "client"),
                                                     ("Pacific/Kiritimati", "mine")])
@pytest.mark.parametrize("typed", ["9999-12-31T23:59", "0001-01-01T00:00"], ids=["year-9999", "year-1"])
def test_absurd_years_in_every_date_field_are_form_errors_and_the_pages_still_answer(
        client, rep, other_rep, supervisor, viewer_zone, entry_zone, typed):
    StaffProfile.objects.filter(user=rep).update(time_zone=viewer_zone)
    case = advance_to(open_case(rep, ClientFactory(time_zone="Pacific/Kiritimati")), Step.MANAGE_ANXIETY, rep)
    services.action_item_create(user=rep, case=case, description="Check the DNS records", assignee=rep,
                                due_at=timezone.now() + dt.timedelta(hours=2))
    client.force_login(rep)
    posts = {label: post for label, post in _posts(case, rep, other_rep, supervisor)}
    assert {a for a, _, _ in DATE_FIELDS} <= {p[0] for p in posts.values()}
    problems = []

    for action, name, date_only in DATE_FIELDS:
        label = next(lbl for lbl, p in posts.items() if p[0] == action)
        _, pk, _, data = posts[label]
        data = {**data, name: typed[:10] if date_only else typed, "entry_zone": entry_zone}
        response = client.post(url(action, case, pk), data)
        obj = ACTIONS[action].get_object(case, pk) if pk else None
        errors = response.context["forms"].get(action, obj).errors if response.status_code == 422 else {}
        if response.status_code != 422 or name not in errors:
            problems.append((action, name, response.status_code, dict(errors)))

    assert problems == []
    assert client.get(page_of(case)).status_code == 200
    assert HttpClient().get(reverse("client_status", kwargs={"token": make_token(case)})).status_code == 200


def test_quiet_hours_over_the_whole_business_day_refuse_a_business_hours_cadence(rep_client, rep):
    shut = ClientFactory(time_zone="Europe/London", quiet_hours_start=dt.time(8), quiet_hours_end=dt.time(18))
    case = advance_to(open_case(rep, shut), Step.PLAN, rep)

    response = rep_client.post(url("cadence", case), {"every": 2, "unit": "hours", "channel": Channel.PHONE,
                                                      "business_hours_only": "on"})

    assert response.status_code == 422
    errors = response.context["forms"]["cadence"].errors["business_hours_only"]
    assert "quiet hours cover the whole business day" in errors[0]
    assert Case.objects.get(pk=case.pk).cadence_minutes is None
    assert not case.promises.exists()


def test_quiet_hours_over_the_whole_business_day_are_refused_for_a_business_hours_cadence(rep_client, rep):
    shop = ClientFactory(time_zone="Europe/London")
    case = advance_to(open_case(rep, shop), Step.PLAN, rep)
    services.cadence_set(user=rep, case=case, minutes=120, channel=Channel.PHONE, business_hours_only=True)
    data = {f: getattr(shop, f) or "" for f in ("name", "organisation", "email", "phone", "time_zone")}

    response = rep_client.post(url("client_details", case), {**data, "quiet_hours_start": "08:00",
                                                             "quiet_hours_end": "18:00"})

    shop.refresh_from_db()
    assert response.status_code == 422
    assert "whole business day" in response.content.decode()
    assert shop.quiet_hours_start is None


# --- Closed means closed -----------------------------------------------------------------------------
def _posts(case, rep, other_rep, supervisor):
    """(label, (action, pk, user, data)) for every action of the case page, as a forger would post it
    (every transition but reopen for the two step-change actions; the client's time zone for
    client_details, since its contact fields stay editable on a closed case)."""
    concern, fact = case.concerns.first(), case.facts.first()
    item = case.action_items.filter(assignee=other_rep).first() or case.action_items.first()
    promise = case.promises.order_by("-pk").first()
    handoff = case.handoffs.first()
    soon, later = local(dt.timedelta(hours=2)), local(dt.timedelta(hours=5))
    client = case.client
    concern_data = {"description": "The shop is down again this morning", "impact": "No orders since six o'clock",
                    "feeling": "Furious"}
    posts = [
        ("concern_add", None, rep, concern_data),
        ("concern_edit", concern.pk, rep, concern_data),
        ("temperature", None, rep, {"temperature": "calm", "note": ""}),
        ("irate", None, rep, {"flagged": "on", "note": "Shouting on the phone"}),
        ("ack", None, rep, {"text": "I hear how much this outage hurts your business"}),
        ("recommit", None, rep, {"text": "We hold ourselves to keeping your shop online"}),
        ("fact_add", None, rep, {"question": "When did it start again?", "answer": "This morning at nine"}),
        ("fact_answer", fact.pk, rep, {"answer": "It started this morning at nine"}),
        ("root", None, rep, {"root_problem": "The mail server lost its certificate again", "expected_resolution": ""}),
        ("item_add", None, rep, {"description": "Renew the certificate", "kind": "fix", "assignee": rep.pk,
                                 "due_at": soon}),
        ("item_edit", item.pk, rep, {"description": "Renew the certificate", "kind": "fix", "assignee": rep.pk,
                                     "due_at": soon, **AGREED}),
        ("item_hand_back", item.pk, other_rep, {"note": "I have no access to that server"}),
        ("item_hand_back_answer", item.pk, rep, {"accept": "accept"}),
        ("item_done", item.pk, rep, {"note": ""}),
        ("item_cancel", item.pk, rep, {"reason": "The host fixed it themselves"}),
        ("cadence", None, rep, {"every": 2, "unit": "hours", "channel": "phone", **AGREED}),
        ("eta", None, rep, {"eta_earliest": soon, "eta_latest": later, **AGREED}),
        ("update", None, rep, {"text": "The certificate is renewed, all fixed by noon", "channel": "phone",
                               "client_mood": "calm"}),
        ("renegotiate", promise.pk, rep, {"new_due_at": later, **AGREED}),
        ("delivery", None, rep, _delivery_data(case)),
        ("followup", None, rep, {"note": "Called, all is working fine now"}),
        ("escalate", None, rep, {"reason": "other", "note": "I need a second opinion on this"}),
        ("handoff_request", None, rep, {"to_user": other_rep.pk, "reason": "I am on leave from tomorrow"}),
        ("handoff_accept", handoff.pk if handoff else 0, other_rep, {"client_informed": "on"}),
        ("handoff_decline", handoff.pk if handoff else 0, rep, {"note": ""}),
        ("client_details", None, rep, {"name": client.name, "organisation": client.organisation,
                                       "email": client.email, "phone": client.phone, "time_zone": "Europe/Paris",
                                       "quiet_hours_start": "", "quiet_hours_end": ""}),
        ("reassign", None, supervisor, {"to_user": other_rep.pk, "reason": "Rebalancing the team's cases",
                                        "client_informed": "on"}),
        ("contact_log", None, other_rep, {"said": "He called to say it works again", "client_mood": "calm",
                                          "channel": "phone"}),
        ("ask_for_case", None, other_rep, {"reason": "I know this client and can take it"}),
    ]
    labelled = [(name, (name, pk, user, data)) for name, pk, user, data in posts]
    for action in ("transition", "move"):
        for name in ALL_TRANSITIONS:
            user = supervisor if name == Transition.FORCE_CLOSE.method else rep
            labelled.append((f"{action}:{name}", (action, None, user, {"name": name, "reason": "Client called back"})))
    return labelled


def _snapshot(case):
    """Everything a post could change about the case."""
    rows = lambda model, **f: list(model.objects.filter(**f).order_by("pk").values())  # noqa: E731
    return {
        "case": rows(Case, pk=case.pk), "client": rows(Client, pk=case.client_id),
        "watchers": sorted(case.watchers.values_list("pk", flat=True)),
        "promises": rows(Promise, case=case), "items": rows(ActionItem, case=case),
        "concerns": rows(Concern, case=case), "facts": rows(Fact, case=case),
        "acks": list(case.acknowledgements.values()), "recommits": list(case.recommitments.values()),
        "updates": rows(StatusUpdate, case=case), "deliveries": rows(Delivery, case=case),
        "escalations": rows(Escalation, case=case), "handoffs": rows(Handoff, case=case),
        "events": rows(CaseEvent, case=case), "outbox": rows(OutboxMessage, case=case),
    }


ALLOWED_ON_A_CLOSED_CASE = {"followup", "move:reopen", "transition:reopen"}


def _closed_case(rep, other_rep, supervisor, dennis, *, how):
    case = in_step(rep, dennis, Step.PLAN)
    services.action_item_create(user=rep, case=case, description="Check the DNS records", assignee=other_rep,
                                due_at=timezone.now() + dt.timedelta(hours=2))
    services.handoff_request(user=rep, case=case, to_user=other_rep, reason="I am on leave next week")
    if how == "resolved":
        return advance_to(case, Step.RESOLVED, rep)
    case = advance_to(case, Step.MANAGE_ANXIETY, rep)
    return services.case_force_close(user=supervisor, case=case, reason="The client withdrew the complaint")


@pytest.mark.parametrize("how", ["resolved", "force_closed"])
def test_every_forged_post_on_a_closed_case_is_refused_and_changes_nothing(rep, other_rep, supervisor, dennis, how):
    case = _closed_case(rep, other_rep, supervisor, dennis, how=how)
    posts = _posts(case, rep, other_rep, supervisor)
    assert {action for _, (action, *_rest) in posts} == set(ACTIONS)
    clients = {u.pk: _as(u) for u in (rep, other_rep, supervisor)}
    problems = []

    for label, (action, pk, user, data) in posts:
        if label in ALLOWED_ON_A_CLOSED_CASE:
            continue
        before = _snapshot(case)
        response = clients[user.pk].post(url(action, case, pk), data)
        after = _snapshot(case)
        changed = sorted(k for k in before if before[k] != after[k])
        if response.status_code not in (403, 404, 422) or changed:
            problems.append((label, response.status_code, changed))

    assert Case.objects.get(pk=case.pk).step == Step.RESOLVED
    assert problems == []


def test_a_resolved_case_still_takes_the_follow_up_the_contact_details_and_reopen(rep_client, rep, other_rep,
                                                                                 supervisor, dennis):
    case = _closed_case(rep, other_rep, supervisor, dennis, how="resolved")
    follow_up_day = dt.datetime.combine(case.deliveries.get().follow_up_on, dt.time(10), tzinfo=dennis.tz)
    contact = {"name": dennis.name, "organisation": dennis.organisation, "email": dennis.email,
               "phone": "+44 20 7946 0999", "time_zone": dennis.time_zone, "quiet_hours_start": "",
               "quiet_hours_end": ""}

    with time_machine.travel(follow_up_day, tick=False):
        followup = rep_client.post(url("followup", case), {"note": "Called, all is working fine now"})
        details = rep_client.post(url("client_details", case), contact)
        reopen = rep_client.post(url("move", case), {"name": "reopen", "reason": "The problem came back today"})

    dennis.refresh_from_db()
    assert (followup.status_code, details.status_code, reopen.status_code) == (302, 302, 302)
    assert case.promises.get(kind=PromiseKind.FOLLOW_UP).status == PromiseStatus.KEPT
    assert dennis.phone == "+44 20 7946 0999"
    assert Case.objects.get(pk=case.pk).step == Step.PLAN
