"""A mail server that is up but answers "try again later" (a 4xx reply) is waited for like one that is down
(notifications.sweeps.outbox.waits_for_the_server), not counted against the email: found by a resilience
audit, a relay answering 451 for an hour used up a client update's attempts, and the ledger then counted the
update, given on time, as not given and its promise as broken. The wait has an end (OUTBOX_TRY_LATER_HOURS):
found by a red team, a mailbox full for good never failed, and the update stayed counted given though it never
left. A 421 ("service not available") is an outage and waits however long; a 5xx refusal fails at once."""
import datetime as dt

import pytest

from cases.models import ClientMessageStatus, Escalation, PromiseKind, PromiseStatus
from notifications.models import OutboxStatus
from notifications.sweeps.outbox import sweep_outbox
from tests.cases.test_client_messages import HOUR, MIN, T0, at, emailed_case, row_of, send
from tests.notifications.conftest import queue_notice

pytestmark = pytest.mark.django_db


def _server_answers(sink, where, reply):
    """The sink answers `reply` to every MAIL, RCPT or DATA command from now on (None: as it did before)."""
    async def refuse(server, session, envelope, *args):
        return reply

    if reply is None:
        delattr(sink.controller.handler, f"handle_{where}")
    else:
        setattr(sink.controller.handler, f"handle_{where}", refuse)


def _runs(row, moment, times):
    """The outbox run `times` times, each when the row is next due; the row as it is then."""
    for _ in range(times):
        with at(moment):
            sweep_outbox()
        row.refresh_from_db()
        if row.status != OutboxStatus.PENDING:
            break
        moment = row.next_attempt_at
    return row


@pytest.mark.parametrize("where,reply", [("MAIL", "421 4.7.0 Too many connections, try again later"),
                                         ("RCPT", "452 4.3.1 Insufficient system storage"),
                                         ("DATA", "451 4.3.0 Temporary local problem, try again later")])
def test_a_temporary_refusal_never_uses_up_the_attempts_and_the_email_goes_once_it_passes(
        smtp_sink, settings, where, reply):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    row = queue_notice("try-later:1")
    _server_answers(smtp_sink, where, reply)

    row = _runs(row, T0, 6)

    assert row.status == OutboxStatus.PENDING and row.attempts == 2 and reply.split()[0] in row.last_error
    _server_answers(smtp_sink, where, None)
    row = _runs(row, row.next_attempt_at, 1)
    assert row.status == OutboxStatus.SENT and smtp_sink.keys.count("try-later:1") == 1


def test_a_permanent_refusal_still_fails_the_email(smtp_sink, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    row = queue_notice("refused:1")
    _server_answers(smtp_sink, "RCPT", "550 5.1.1 No such mailbox")

    row = _runs(row, T0, 6)

    assert row.status == OutboxStatus.FAILED and row.attempts == 3


def test_an_update_given_on_time_stays_kept_through_an_hour_of_try_again_later(rep, dennis, smtp_sink):
    case = emailed_case(rep, dennis)
    promise = case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING)
    message = send(rep, case, T0 + 50 * MIN)
    _server_answers(smtp_sink, "DATA", "451 4.3.0 Temporary local problem, try again later")

    row = _runs(row_of(message), T0 + 51 * MIN, 12)

    message.refresh_from_db()
    promise.refresh_from_db()
    assert row.status == OutboxStatus.PENDING and message.status != ClientMessageStatus.FAILED
    assert promise.status == PromiseStatus.KEPT and not Escalation.objects.filter(case=case).exists()


def test_a_mailbox_full_for_good_fails_once_the_wait_is_over_and_the_update_counts_not_given(
        rep, dennis, smtp_sink, settings):
    settings.OUTBOX_MAX_ATTEMPTS, settings.OUTBOX_TRY_LATER_HOURS = 3, 24
    case = emailed_case(rep, dennis)
    promise = case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING)
    message = send(rep, case, T0 + 50 * MIN)
    _server_answers(smtp_sink, "RCPT", "452 4.2.2 Mailbox full")

    waiting = _runs(row_of(message), T0 + 51 * MIN, 10)
    assert waiting.status == OutboxStatus.PENDING and waiting.next_attempt_at < T0 + 24 * HOUR
    row = _runs(waiting, T0 + 25 * HOUR, 3)

    message.refresh_from_db()
    promise.refresh_from_db()
    assert row.status == OutboxStatus.FAILED and message.status == ClientMessageStatus.FAILED
    assert promise.status == PromiseStatus.BROKEN  # the update never reached the client: counted not given


def test_a_server_saying_421_waits_however_long(smtp_sink, settings):
    settings.OUTBOX_MAX_ATTEMPTS, settings.OUTBOX_TRY_LATER_HOURS = 3, 1
    row = queue_notice("service-not-available:1")
    _server_answers(smtp_sink, "MAIL", "421 4.3.2 Service not available, closing channel")

    row = _runs(row, T0, 4)
    row = _runs(row, T0 + dt.timedelta(days=3), 3)

    assert row.status == OutboxStatus.PENDING and row.attempts == 2
