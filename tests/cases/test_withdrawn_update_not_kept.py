"""An update emailed to the client keeps its promise when it is queued, even while the client's quiet hours
hold it (cases.services.client_messages). Found by a padding review: when that email was withdrawn before it
left (the case changed hands or closed, the client's address changed), the client never got the update, yet
the promise stayed kept. The recipe keeps a promise when the update is given, so a withdrawn update is
undone in the ledger (cases.services.updates_undone.status_update_not_given): its promise is owed again while its
deadline is ahead (the next beat it opened is taken back), or broken, as the sweep breaks one, once it has
passed. An email queued again with a new link (client_messages_relink_held) still carries the update, and
its promise stays kept."""
import datetime as dt

import pytest

from cases import services
from cases.models import CaseEvent, Escalation, Promise, PromiseKind, PromiseStatus, Step
from cases.services.updates_undone import NOT_GIVEN
from cases.status_links import client_status
from tests.cases.helpers import advance_to
from tests.cases.test_client_messages import UTC, at, emailed_case, send
from tests.cases.test_client_messages_withdrawn import _gave_up
from tests.cases.test_client_survey_owed import details

pytestmark = pytest.mark.django_db

EVENING = dt.datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
THREE_AM = dt.datetime(2026, 3, 3, 3, 0, tzinfo=UTC)
SEVEN_AM = dt.datetime(2026, 3, 3, 7, 0, tzinfo=UTC)  # the end of Dennis's quiet hours: the update is due then
AGAIN = "The mail server is back and orders flow again; the website follows within the next two hours."


def updates(case):
    return case.promises.filter(kind=PromiseKind.STATUS_UPDATE).order_by("due_at", "id")


@pytest.fixture
def held(rep, dennis):
    """An update emailed at 03:00 to Dennis, asleep until 07:00: it keeps the promise due at 07:00 and opens
    the next one (19:00). Returns (case, message, the promise it kept, the beat it opened)."""
    dennis.quiet_hours_start, dennis.quiet_hours_end = dt.time(22), dt.time(7)
    dennis.save()
    case = emailed_case(rep, dennis, when=EVENING, cadence=12 * 60)
    message = send(rep, case, THREE_AM)
    kept = case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.KEPT)
    beat = case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING)
    assert kept.due_at == SEVEN_AM and message.send_after == SEVEN_AM and beat.due_at > SEVEN_AM
    return case, message, kept, beat


def hand_over(case, rep, other_rep, moment):
    with at(moment):
        offered = services.handoff_request(user=rep, case=case, to_user=other_rep, reason="Covers the morning shift")
        services.handoff_accept(user=other_rep, handoff=offered, client_informed=True)


def test_a_handoff_that_takes_back_the_held_update_leaves_its_promise_owed(held, rep, other_rep):
    case, _, kept, beat = held

    hand_over(case, rep, other_rep, THREE_AM + dt.timedelta(minutes=30))

    kept.refresh_from_db()
    assert (kept.status, kept.kept_at, kept.closed_at) == (PromiseStatus.PENDING, None, None)
    assert kept.owner == other_rep  # passed on with the case, hours ahead of its deadline
    assert not Promise.objects.filter(pk=beat.pk).exists()  # opened by an update the client never had
    assert list(updates(case).values_list("pk", flat=True)) == [kept.pk]
    assert CaseEvent.objects.filter(case=case, verb=NOT_GIVEN).exists()


def test_the_new_owner_who_sends_it_again_keeps_the_promise(held, rep, other_rep):
    case, _, kept, _ = held
    hand_over(case, rep, other_rep, THREE_AM + dt.timedelta(minutes=30))

    send(other_rep, case, THREE_AM + dt.timedelta(minutes=40), text=AGAIN)  # not an "extra": the first was not given

    kept.refresh_from_db()
    assert kept.status == PromiseStatus.KEPT and kept.kept_at == THREE_AM + dt.timedelta(minutes=40)
    assert updates(case).filter(status=PromiseStatus.PENDING).get().due_at > SEVEN_AM


def test_nobody_sends_it_again_and_the_sweep_breaks_it_for_whoever_holds_it(held, rep, other_rep):
    case, _, kept, _ = held
    hand_over(case, rep, other_rep, THREE_AM + dt.timedelta(minutes=30))

    with at(SEVEN_AM + dt.timedelta(minutes=1)):
        broke = services.promise_break(promise=kept)

    assert broke is not None
    kept.refresh_from_db()
    assert kept.status == PromiseStatus.BROKEN and kept.owner == other_rep


def test_a_changed_address_takes_back_the_held_update_and_its_promise_is_owed_again(held, rep, dennis):
    case, message, kept, beat = held

    with at(THREE_AM + dt.timedelta(minutes=30)):
        services.client_update(user=rep, client=dennis, case=case, **details(dennis, "dennis.h@example.org"))

    message.refresh_from_db()
    kept.refresh_from_db()
    assert message.status == "withdrawn"
    assert kept.status == PromiseStatus.PENDING and kept.owner == rep
    assert not Promise.objects.filter(pk=beat.pk).exists()


def test_a_force_close_leaves_the_update_neither_kept_nor_broken_and_a_reopen_owes_it_once(held, rep, supervisor):
    case, _, kept, beat = held

    with at(THREE_AM + dt.timedelta(minutes=30)):
        case = services.case_force_close(user=supervisor, case=case, reason="The client went elsewhere for good")

    kept.refresh_from_db()
    assert kept.status == PromiseStatus.WITHDRAWN and kept.kept_at is None
    assert not Promise.objects.filter(pk=beat.pk).exists()
    assert not updates(case).filter(status=PromiseStatus.KEPT).exists()

    with at(THREE_AM + dt.timedelta(minutes=40)):
        services.case_reopen(user=supervisor, case=case, reason="The client came back to us this morning")

    assert updates(case).filter(status=PromiseStatus.PENDING).count() <= 1


def test_resolving_with_the_update_held_keeps_one_update_promise_not_two(rep, dennis):
    """Before: the held update kept the 07:00 promise, and the delivery call kept the next one too."""
    dennis.quiet_hours_start, dennis.quiet_hours_end = dt.time(22), dt.time(7)
    dennis.save()
    case = emailed_case(rep, dennis, when=EVENING, cadence=12 * 60)
    with at(THREE_AM):
        case = advance_to(case, Step.DELIVER, rep)
    send(rep, case, THREE_AM + dt.timedelta(minutes=5))
    assert updates(case).filter(status=PromiseStatus.KEPT).count() == 1

    with at(THREE_AM + dt.timedelta(minutes=30)):
        advance_to(case, Step.RESOLVED, rep)

    kept = updates(case).filter(status=PromiseStatus.KEPT)
    assert kept.count() == 1 and kept.get().kept_at == THREE_AM + dt.timedelta(minutes=30)  # by the delivery call
    assert not updates(case).filter(status=PromiseStatus.PENDING).exists()


def test_an_update_that_gave_up_past_its_deadline_is_a_missed_update_when_withdrawn(held, rep, other_rep):
    case, message, kept, beat = held
    _gave_up(message, SEVEN_AM)  # the mail server refused it until the outbox gave up

    hand_over(case, rep, other_rep, SEVEN_AM + dt.timedelta(minutes=30))

    kept.refresh_from_db()
    beat.refresh_from_db()
    assert kept.status == PromiseStatus.BROKEN and kept.kept_at is None and kept.owner == rep
    assert Escalation.objects.filter(promise=kept).exists()
    assert beat.status == PromiseStatus.PENDING and beat.after_missed  # the next update is the late one

    send(other_rep, case, SEVEN_AM + dt.timedelta(minutes=45), text=AGAIN)

    kept.refresh_from_db()
    assert kept.status == PromiseStatus.BROKEN and kept.kept_at == SEVEN_AM + dt.timedelta(minutes=45)


def test_a_new_link_queues_the_held_update_again_and_its_promise_stays_kept(held, rep):
    case, message, kept, beat = held

    with at(THREE_AM + dt.timedelta(minutes=10)):
        services.status_link_issue(user=rep, case=case)

    message.refresh_from_db()
    kept.refresh_from_db()
    beat.refresh_from_db()
    assert message.status == "withdrawn" and case.client_messages.get(status="queued").status_update is not None
    assert kept.status == PromiseStatus.KEPT and beat.status == PromiseStatus.PENDING
    assert not CaseEvent.objects.filter(case=case, verb=NOT_GIVEN).exists()


def test_an_update_that_gave_up_and_a_new_link_only_withdraws_is_not_kept_either(held, rep):
    case, message, kept, beat = held
    _gave_up(message, SEVEN_AM)

    with at(SEVEN_AM + dt.timedelta(minutes=30)):
        services.status_link_issue(user=rep, case=case)

    kept.refresh_from_db()
    assert kept.status == PromiseStatus.BROKEN and kept.kept_at is None


def test_the_clients_page_does_not_show_an_update_he_was_never_given(held, rep, other_rep):
    case, _, _, _ = held

    hand_over(case, rep, other_rep, THREE_AM + dt.timedelta(minutes=30))

    case.refresh_from_db()
    status = client_status(case)
    assert status.last_update_at is None and status.last_update_line == ""


def test_an_extra_update_withdrawn_changes_nothing(held, rep, other_rep):
    case, _, kept, beat = held
    extra = send(rep, case, THREE_AM + dt.timedelta(minutes=5), text=AGAIN)  # a second one, minutes later
    assert extra.status_update.kept_promise is None

    hand_over(case, rep, other_rep, THREE_AM + dt.timedelta(minutes=30))  # both are taken back

    kept.refresh_from_db()
    assert kept.status == PromiseStatus.PENDING  # the first one's promise, owed once
    assert list(updates(case).values_list("pk", flat=True)) == [kept.pk]
