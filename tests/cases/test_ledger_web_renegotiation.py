"""The promise ledger's rules posted through the case page's real forms, each checked in the database
afterwards: a renegotiation needs the client's agreement (a channel and their words), stays within its
kind's horizon, and counts how often the promise moved, on the case page and on the team page."""
import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Channel, Promise, PromiseKind, PromiseStatus, Step
from tests.cases.ledger_web_support import AGREED, pending, signed_in_as
from tests.cases.views_support import in_step, local, page_of, url


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
    promise = pending(case, PromiseKind.ETA)
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
    promise = pending(case, kind)

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
    if kind == PromiseKind.ETA:  # a range whose earliest end is far enough out to reach the horizon narrowly
        now = timezone.now()
        services.eta_set(user=rep, case=case, earliest=now + dt.timedelta(days=30),
                         latest=now + dt.timedelta(days=40), **AGREED)
    promise = pending(case, kind)

    response = rep_client.post(url("renegotiate", case, promise.pk), {"new_due_at": local(ahead), **AGREED})

    promise.refresh_from_db()
    assert response.status_code == 302
    assert promise.status == PromiseStatus.RENEGOTIATED
    assert Promise.objects.get(replaces=promise).agreed_text == AGREED["agreed_text"]


def test_each_promise_shows_how_often_it_moved_on_the_case_page(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.MANAGE_ANXIETY)
    promise = pending(case, PromiseKind.ETA)
    rep_client.post(url("renegotiate", case, promise.pk), {"new_due_at": local(dt.timedelta(hours=8)), **AGREED})
    once = rep_client.get(page_of(case)).content.decode()
    moved = pending(case, PromiseKind.ETA)

    rep_client.post(url("renegotiate", case, moved.pk), {"new_due_at": local(dt.timedelta(hours=10)), **AGREED})

    twice = rep_client.get(page_of(case)).content.decode()
    assert "moved 1×" in once
    assert "moved 2×" in twice and "moved 1×" not in twice
    assert pending(case, PromiseKind.ETA).moved_count == 2


def test_the_team_page_shows_the_reps_renegotiated_share(rep_client, rep, supervisor, dennis):
    case = in_step(rep, dennis, Step.MANAGE_ANXIETY)
    eta = pending(case, PromiseKind.ETA)
    rep_client.post(url("renegotiate", case, eta.pk), {"new_due_at": local(dt.timedelta(hours=8)), **AGREED})

    # The dashboard counts promises due in its window: look once the old ETA's deadline has passed.
    with time_machine.travel(eta.due_at + dt.timedelta(minutes=10), tick=False):
        response = signed_in_as(supervisor).get(reverse("supervisor:dashboard"))

    row = next(r for r in response.context["board"].reps if r.user == rep)
    assert (row.measures.kept, row.measures.broken, row.measures.renegotiated) == (0, 0, 1)
    assert row.measures.renegotiated_pct == 100
    assert "1 moved" in response.content.decode()
