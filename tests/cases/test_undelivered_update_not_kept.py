"""An update emailed to the client keeps its promise when it is queued (cases.services.client_messages). Found by
an audit: when that email bounced, or the outbox gave up on it after its retries, the client was never given
the update, yet the promise stayed kept. A bounce or a final failure of an update's email undoes it in the
ledger as a withdrawal does (cases.services.updates_undone.status_update_not_given): owed again while its deadline
is ahead, broken as the sweep breaks one once it has passed. The outbox's retries before it gives up undo
nothing, and an update is undone once: an email the outbox gave up on and a handoff withdraws later does not
undo what an update given since has kept."""
import pytest
from django.conf import settings

from cases import services
from cases.models import Channel, ClientMessageStatus, PromiseKind, PromiseStatus
from cases.services.client_messages import client_message_bounced
from cases.services.updates_undone import NOT_GIVEN
from notifications.models import OutboxStatus
from notifications.sweeps.outbox import _record_failure
from tests.cases.test_client_messages import (
    HOUR, MIN, T0, UPDATE, at, deliver_at, emailed_case, emailed_update_kept, row_of, send,
)
from tests.cases.test_client_messages_withdrawn import _gave_up
from tests.cases.test_withdrawn_update_not_kept import hand_over

pytestmark = pytest.mark.django_db

BOUNCE = "550 No such mailbox"


@pytest.fixture
def sent_update(rep, dennis):
    """An update emailed at 10:50 for the promise due at 11:00 (kept then), sent at 10:51."""
    return emailed_update_kept(rep, dennis)


def _updates(case):
    return case.promises.filter(kind=PromiseKind.STATUS_UPDATE)


def test_a_bounce_before_the_deadline_leaves_the_update_owed(sent_update):
    case, message, promise = sent_update

    with at(T0 + 52 * MIN):
        client_message_bounced(message_ids=[message.message_id], reason=BOUNCE, at=T0 + 52 * MIN)

    promise.refresh_from_db()
    assert (promise.status, promise.kept_at) == (PromiseStatus.PENDING, None)
    assert _updates(case).filter(status=PromiseStatus.PENDING).count() == 1  # the beat it opened taken back
    assert case.events.filter(verb=NOT_GIVEN, note__contains="returned it").exists()


def test_a_bounce_after_the_deadline_breaks_the_promise_as_the_sweep_would(sent_update):
    case, message, promise = sent_update

    with at(T0 + 3 * HOUR):  # days later, it would be the same: the deadline (11:00) has passed
        client_message_bounced(message_ids=[message.message_id], reason=BOUNCE, at=T0 + 3 * HOUR)

    promise.refresh_from_db()
    assert (promise.status, promise.kept_at) == (PromiseStatus.BROKEN, None)
    assert case.events.filter(verb=NOT_GIVEN).count() == 1


def test_the_same_bounce_reported_twice_undoes_once(sent_update):
    case, message, _ = sent_update

    for _ in range(2):
        client_message_bounced(message_ids=[message.message_id], reason=BOUNCE, at=T0 + 52 * MIN)

    assert case.events.filter(verb=NOT_GIVEN).count() == 1


def test_an_update_the_outbox_gave_up_on_is_owed_again(rep, dennis):
    case = emailed_case(rep, dennis)
    promise = case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING)
    message = send(rep, case, T0 + 50 * MIN)

    with at(T0 + 52 * MIN):
        _gave_up(message, T0 + 52 * MIN)

    promise.refresh_from_db()
    assert (promise.status, promise.kept_at) == (PromiseStatus.PENDING, None)
    assert case.events.filter(verb=NOT_GIVEN, note__contains="could not be sent").count() == 1


def test_an_update_given_since_is_not_undone_when_the_failed_email_is_withdrawn_later(rep, other_rep, dennis):
    case = emailed_case(rep, dennis)
    promise = case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING)
    message = send(rep, case, T0 + 50 * MIN)
    with at(T0 + 52 * MIN):
        _gave_up(message, T0 + 52 * MIN)
    with at(T0 + 55 * MIN):
        services.status_update_log(user=rep, case=case, summary=UPDATE, channel=Channel.PHONE, client_mood="anxious")

    hand_over(case, rep, other_rep, T0 + 57 * MIN)  # takes back the email the outbox gave up on

    message.refresh_from_db()
    promise.refresh_from_db()
    assert message.status == ClientMessageStatus.WITHDRAWN
    assert (promise.status, promise.kept_at) == (PromiseStatus.KEPT, T0 + 55 * MIN)
    assert case.events.filter(verb=NOT_GIVEN).count() == 1


def test_a_failed_attempt_the_outbox_retries_and_then_delivers_keeps_the_promise_until_it_bounces(rep, dennis):
    case = emailed_case(rep, dennis)
    promise = case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING)
    message = send(rep, case, T0 + 50 * MIN)
    assert settings.OUTBOX_MAX_ATTEMPTS > 1
    _record_failure(row_of(message), ConnectionRefusedError("the mail server is down"), T0 + 50 * MIN)  # retried

    deliver_at(T0 + 2 * HOUR)

    message.refresh_from_db()
    promise.refresh_from_db()
    assert message.status == ClientMessageStatus.SENT and row_of(message).status == OutboxStatus.SENT
    assert promise.status == PromiseStatus.KEPT and promise.kept_at == T0 + 50 * MIN
    assert not case.events.filter(verb=NOT_GIVEN).exists()
    with at(T0 + 2 * HOUR + MIN):  # then the client's server returns it: never given, past its deadline
        client_message_bounced(message_ids=[message.message_id], reason=BOUNCE)
    promise.refresh_from_db()
    assert (promise.status, promise.kept_at) == (PromiseStatus.BROKEN, None)


def test_a_bounce_of_an_email_that_is_not_an_update_changes_no_promise(sent_update, rep):
    case, message, promise = sent_update
    plan = send(rep, case, T0 + 53 * MIN, kind="plan",
                text="Here is our plan: we restore the mail server first, then the website.")
    deliver_at(T0 + 54 * MIN)

    with at(T0 + 55 * MIN):
        client_message_bounced(message_ids=[plan.message_id], reason=BOUNCE)

    promise.refresh_from_db()
    assert promise.status == PromiseStatus.KEPT
    assert not case.events.filter(verb=NOT_GIVEN).exists()
    with at(T0 + 56 * MIN):  # the update's own bounce does
        client_message_bounced(message_ids=[message.message_id], reason=BOUNCE)
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.PENDING
