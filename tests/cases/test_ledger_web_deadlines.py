"""The promise ledger's rules posted through the case page's real forms, each checked in the database
afterwards: a deadline that has passed cannot be talked away. Renegotiating the promise, editing or
cancelling its item, changing the cadence or the ETA after the deadline records it broken, once (one
escalation, one email each to its holder and to the supervisor)."""
import datetime as dt

import time_machine
from django.utils import timezone

from cases import services
from cases.models import Channel, Escalation, EscalationReason, ItemStatus, Promise, PromiseKind, PromiseStatus, Step
from notifications.models import OutboxMessage
from tests.cases.ledger_web_support import AGREED, pending
from tests.cases.views_support import in_step, local, url


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
    promise = pending(case, PromiseKind.STATUS_UPDATE)

    with time_machine.travel(promise.due_at + dt.timedelta(minutes=30), tick=False):
        data = {"new_due_at": local(dt.timedelta(hours=1)), **AGREED}
        first = rep_client.post(url("renegotiate", case, promise.pk), data)
        second = rep_client.post(url("renegotiate", case, promise.pk), data)

    assert first.status_code == 302 and second.status_code == 422
    _assert_broken_once(promise, owner=rep, supervisor=supervisor)
    # Broken first, as the sweep would have: the beat after the miss is what the client agreed to move.
    successor = Promise.objects.get(case=case, kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING)
    assert successor.due_at > promise.due_at and successor.after_missed
    assert successor.replaces.status == PromiseStatus.RENEGOTIATED and successor.replaces.after_missed


def test_editing_an_items_due_time_after_its_deadline_records_it_broken_once(
        rep_client, rep, other_rep, supervisor, dennis):
    case = in_step(rep, dennis, Step.PLAN)
    item = services.action_item_create(user=rep, case=case, description="Check the DNS records",
                                       assignee=other_rep, due_at=timezone.now() + dt.timedelta(hours=2))
    promise = pending(case, PromiseKind.ACTION_ITEM)

    with time_machine.travel(item.due_at + dt.timedelta(minutes=30), tick=False):
        data = {"description": item.description, "kind": item.kind, "assignee": other_rep.pk,
                "due_at": local(dt.timedelta(hours=2))}
        alone = rep_client.post(url("item_edit", case, item.pk), data)  # a new time needs the client's word
        assert alone.status_code == 422 and "Say how the client agreed to the new deadline" in alone.content.decode()
        assert pending(case, PromiseKind.ACTION_ITEM) == promise
        data.update(agreed_channel=Channel.PHONE, agreed_text="Dennis agreed to two more hours")
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
    promise = pending(case, PromiseKind.ACTION_ITEM)

    with time_machine.travel(item.due_at + dt.timedelta(minutes=30), tick=False):
        first = rep_client.post(url("item_cancel", case, item.pk), {"reason": "The host fixed it themselves"})
        rep_client.post(url("item_cancel", case, item.pk), {"reason": "The host fixed it themselves"})

    item.refresh_from_db()
    assert first.status_code == 302 and item.status == ItemStatus.CANCELLED
    _assert_broken_once(promise, owner=other_rep, supervisor=supervisor)


def test_changing_the_cadence_after_the_update_deadline_records_it_broken_once(rep_client, rep, supervisor, dennis):
    case = in_step(rep, dennis, Step.MANAGE_ANXIETY)
    promise = pending(case, PromiseKind.STATUS_UPDATE)

    with time_machine.travel(promise.due_at + dt.timedelta(minutes=30), tick=False):
        # A sparser rhythm needs the client's agreement (plan.cadence_set), past the deadline too.
        data = {"every": 2, "unit": "hours", "channel": Channel.PHONE, **AGREED}
        first = rep_client.post(url("cadence", case), data)
        rep_client.post(url("cadence", case), data)

    assert first.status_code == 302
    _assert_broken_once(promise, owner=rep, supervisor=supervisor)
    assert pending(case, PromiseKind.STATUS_UPDATE).due_at > promise.due_at


def test_changing_the_eta_after_it_passed_records_it_broken_once(rep_client, rep, supervisor, dennis):
    case = in_step(rep, dennis, Step.MANAGE_ANXIETY)
    promise = pending(case, PromiseKind.ETA)

    with time_machine.travel(promise.due_at + dt.timedelta(minutes=30), tick=False):
        data = {"eta_earliest": local(dt.timedelta(hours=1)), "eta_latest": local(dt.timedelta(hours=3))}
        alone = rep_client.post(url("eta", case), data)  # a new range after the miss needs the client's word
        assert alone.status_code == 422 and "Say how the client agreed to the new deadline" in alone.content.decode()
        assert data["eta_latest"] in alone.content.decode()  # what was typed is shown again
        assert pending(case, PromiseKind.ETA) == promise
        data.update(agreed_channel=Channel.PHONE, agreed_text="Dennis agreed to three more hours")
        first = rep_client.post(url("eta", case), data)
        rep_client.post(url("eta", case), data)

    assert first.status_code == 302
    _assert_broken_once(promise, owner=rep, supervisor=supervisor)
    assert Promise.objects.get(replaces=promise).status == PromiseStatus.PENDING
    assert pending(case, PromiseKind.ETA).due_at > promise.due_at
