"""An update emailed to the client that the outbox gave up on was never given: the ledger undid it
(cases.services.updates_undone.status_update_not_given) and the promise it kept is owed again. Found by an audit: the
admin's "retry now" put that email back in the queue, so it reached the client late while the ledger still
counted it not given, and, once sent, the update counted again as given when it was logged (StatusUpdate.given:
the client's status page named it as the latest). Such an email is never sent again (cases.services.updates.
emails_counted_not_given, read by every retry and by the delivery sweep): it is withdrawn, the admin says which
and why, the rep gives a new update, and every other failed email is still retried. Real outbox, real SMTP
server (aiosmtpd)."""
import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from cases.models import ClientMessageKind, ClientMessageStatus, PromiseKind, PromiseStatus, StatusUpdate
from cases.status_links import client_status
from notifications.models import OutboxMessage, OutboxStatus
from notifications.sweeps.outbox import sweep_outbox
from tests.cases.test_client_messages import HOUR, MIN, T0, UPDATE, at, emailed_case, row_of, send

pytestmark = pytest.mark.django_db

RETRY = {"action": "retry_now"}


@pytest.fixture
def gave_up(rep, dennis, smtp_sink, settings):
    """An update emailed at 10:50 for the promise due at 11:00; Dennis's mail server refuses it and the outbox
    gives up at once (one attempt): the update is undone, the promise owed again."""
    settings.OUTBOX_MAX_ATTEMPTS = 1
    case = emailed_case(rep, dennis)
    promise = case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING)
    message = send(rep, case, T0 + 50 * MIN)
    smtp_sink.refuse = {dennis.email}
    _sweep(T0 + 51 * MIN)
    message.refresh_from_db()
    promise.refresh_from_db()
    assert message.status == ClientMessageStatus.FAILED and row_of(message).status == OutboxStatus.FAILED
    assert (promise.status, promise.kept_at) == (PromiseStatus.PENDING, None)
    smtp_sink.refuse = set()  # the client's server takes mail again
    return case, message, promise


def _sweep(moment):
    with at(moment):  # the ledger's undo reads the clock
        return sweep_outbox(moment)


def _retry(admin_client_, rows, moment):
    with at(moment):
        response = admin_client_.post(reverse("admin:notifications_outboxmessage_changelist"),
                                      {**RETRY, "_selected_action": [r.pk for r in rows]})
    assert response.status_code == 302
    return [str(m) for m in get_messages(response.wsgi_request)]


def _to(smtp_sink, address):
    return [m for m in smtp_sink.messages if address in m["to"]]


def test_retry_now_does_not_send_an_update_email_counted_not_given(gave_up, admin_client_, smtp_sink, dennis):
    case, message, promise = gave_up

    said = _retry(admin_client_, [row_of(message)], T0 + 55 * MIN)
    _sweep(T0 + 56 * MIN)

    assert _to(smtp_sink, dennis.email) == []  # nothing reaches the client late
    assert row_of(message).status == OutboxStatus.WITHDRAWN  # and no later sweep or retry sends it
    assert any(f"#{row_of(message).pk}" in m and "not given" in m and "new update" in m for m in said), said
    promise.refresh_from_db()
    message.refresh_from_db()
    assert (promise.status, promise.kept_at) == (PromiseStatus.PENDING, None)  # still owed
    assert message.status == ClientMessageStatus.FAILED
    assert not StatusUpdate.objects.given().filter(pk=message.status_update_id).exists()  # not counted as given
    assert client_status(case).last_update_at is None  # the client's page names no update they never had


def test_the_rep_gives_a_new_update_instead_and_it_keeps_the_promise(gave_up, admin_client_, smtp_sink, rep,
                                                                     dennis):
    case, message, promise = gave_up
    _retry(admin_client_, [row_of(message)], T0 + 55 * MIN)

    again = send(rep, case, T0 + 56 * MIN, text=UPDATE + " (sent again)")
    _sweep(T0 + 57 * MIN)

    got = _to(smtp_sink, dennis.email)
    assert [m["message_id"] for m in got] == [again.message_id]
    promise.refresh_from_db()
    assert (promise.status, promise.kept_at) == (PromiseStatus.KEPT, T0 + 56 * MIN)


def test_other_failed_emails_selected_with_it_are_still_retried(gave_up, admin_client_, smtp_sink, rep, dennis,
                                                                settings):
    case, message, _ = gave_up
    settings.OUTBOX_MAX_ATTEMPTS = 1
    plan = send(rep, case, T0 + 52 * MIN, kind=ClientMessageKind.PLAN,
                text="We restore the mail server from last night's backup; the website follows within 2 hours.")
    smtp_sink.refuse = {dennis.email}
    _sweep(T0 + 53 * MIN)
    smtp_sink.refuse = set()
    assert row_of(plan).status == OutboxStatus.FAILED
    notice = OutboxMessage.objects.create(key="failed:team", kind="bulk", to=["fran@example.com"], subject="s",
                                          body_text="t", status=OutboxStatus.FAILED, attempts=1, last_error="boom")

    said = _retry(admin_client_, [row_of(message), row_of(plan), notice], T0 + 55 * MIN)
    _sweep(T0 + 56 * MIN)

    assert [m["message_id"] for m in _to(smtp_sink, dennis.email)] == [plan.message_id]  # the plan, not the update
    notice.refresh_from_db()
    assert notice.status == OutboxStatus.SENT and row_of(plan).status == OutboxStatus.SENT
    assert row_of(message).status == OutboxStatus.WITHDRAWN
    assert any(m.startswith("2 email(s) queued") for m in said), said


def test_a_row_put_back_in_the_queue_some_other_way_is_not_sent_either(gave_up, smtp_sink, dennis):
    """A row the old "retry now" (or a shell) put back before this rule: the delivery sweep reads the same rule."""
    case, message, promise = gave_up
    OutboxMessage.objects.filter(key=message.outbox_key).update(status=OutboxStatus.PENDING, attempts=0,
                                                               next_attempt_at=T0 + 55 * MIN)

    _sweep(T0 + HOUR)

    assert _to(smtp_sink, dennis.email) == []
    assert row_of(message).status == OutboxStatus.WITHDRAWN
    assert not StatusUpdate.objects.given().filter(pk=message.status_update_id).exists()
