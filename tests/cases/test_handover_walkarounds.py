"""The give-back rule (services.promises.promise_pass: work taken on oneself inside a promise's cutoff and
given back to the one it was taken from takes the promise back) and the rule of whose share a move counts in
(promises.move_counted_for) hold whatever path the work takes. Found by a red team of both rules: a delivery
sent back restoring the estimate was taken for a take, and let its owner hand the break to the teammate who
had delivered; a supervisor who took the work first and then moved it kept the move off the rep's share; a
round trip made a teammate's three-hour-old item "given lately"; a take with hours to spare, its deadline
pulled in, came back to the rep; a take given on to a third and then to the rep, or a kept estimate restored
days later, went to the rep."""
import datetime as dt

import pytest

from cases import services
from cases.models import Channel, Escalation, EscalationReason, PromiseKind, PromiseStatus
from tests.cases.metrics_support import T0, at, board, case_in_plan, planned_and_agreed, reach_deliver, row

pytestmark = pytest.mark.django_db
MIN, H = dt.timedelta(minutes=1), dt.timedelta(hours=1)
AGREED = {"agreed_channel": Channel.PHONE, "agreed_text": "The client said tomorrow morning is fine by them"}
WHY = "Covering the client call while the rep is on another line"


def give_item(user, item, to):
    item.refresh_from_db()
    services.action_item_update(user=user, item=item, description=item.description, kind=item.kind,
                                assignee=to, due_at=item.due_at)


def reassign(supervisor, case, to):
    case.refresh_from_db()
    services.case_reassign(user=supervisor, case=case, to_user=to, reason=WHY, client_informed=True)


def offer(case, frm, to, reason):
    case.refresh_from_db()
    handoff = services.handoff_request(user=frm, case=case, to_user=to, reason=reason)
    services.handoff_accept(user=to, handoff=handoff, client_informed=True)


def test_an_estimate_restored_by_loose_ends_is_not_taken_and_stays_on_who_restored_it(rep, other_rep, dennis):
    case = planned_and_agreed(other_rep, dennis, T0)  # latest estimate T0 + 5h
    eta = case.promises.get(kind=PromiseKind.ETA, status=PromiseStatus.PENDING)
    case.refresh_from_db()
    reach_deliver(case, other_rep, T0 + 2 * H)
    with at(T0 + 2 * H + 10 * MIN):
        offer(case, other_rep, rep, "Going on leave tomorrow so please take the delivery call")
    with at(eta.due_at - 50 * MIN):
        case.refresh_from_db()
        services.case_transition(user=rep, case=case, name="loose_ends",
                                 reason="The client says the mailbox still loses messages")
    with at(eta.due_at - 5 * MIN):
        offer(case, rep, other_rep, "The client asked for the engineer who fixed it first")
    with at(eta.due_at + MIN):
        services.promise_break(promise=eta)

    eta.refresh_from_db()
    escalation = Escalation.objects.get(case=case, reason=EscalationReason.BROKEN_PROMISE, promise=eta)
    assert (eta.status, eta.owner, escalation.case_owner) == (PromiseStatus.BROKEN, rep, rep)


def cancelled_after_a_take(rep, supervisor, dennis):
    case = case_in_plan(rep, dennis, T0)  # the rep's item, due T0 + 3h
    item = case.action_items.get()
    with at(item.due_at - 2 * MIN):
        give_item(supervisor, item, supervisor)
    with at(item.due_at - MIN):
        item.refresh_from_db()
        services.action_item_cancel(user=supervisor, item=item, reason="The client no longer needs the mail restored",
                                    **AGREED)


def item_moved_after_a_take(rep, supervisor, dennis):
    case = case_in_plan(rep, dennis, T0)
    item = case.action_items.get()
    promise = case.promises.get(kind=PromiseKind.ACTION_ITEM)
    with at(item.due_at - 2 * MIN):
        give_item(supervisor, item, supervisor)
        promise.refresh_from_db()
        services.promise_renegotiate(user=supervisor, promise=promise, new_due_at=T0 + 24 * H, **AGREED)
        give_item(supervisor, item, rep)
    with at(T0 + 5 * H):
        item.refresh_from_db()
        services.action_item_complete(user=rep, item=item)


def estimate_moved_after_a_take(rep, supervisor, dennis):
    case = planned_and_agreed(rep, dennis, T0)
    eta = case.promises.get(kind=PromiseKind.ETA, status=PromiseStatus.PENDING)
    with at(eta.due_at - 2 * MIN):
        reassign(supervisor, case, supervisor)
        eta.refresh_from_db()
        services.promise_renegotiate(user=supervisor, promise=eta, new_due_at=T0 + 20 * H, **AGREED)
        reassign(supervisor, case, rep)
    case.refresh_from_db()
    reach_deliver(case, rep, T0 + 8 * H)


def update_moved_by_the_owner_it_was_offered_to(rep, supervisor, dennis):
    case = planned_and_agreed(rep, dennis, T0)
    update = case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING)
    with at(update.due_at - 10 * MIN):
        offer(case, rep, supervisor, "I am off shift now and cannot cover the client")
    with at(update.due_at - 2 * MIN):
        services.promise_renegotiate(user=supervisor, promise=update, new_due_at=update.due_at + 3 * H, **AGREED)


@pytest.mark.parametrize("move", [cancelled_after_a_take, item_moved_after_a_take, estimate_moved_after_a_take,
                                  update_moved_by_the_owner_it_was_offered_to])
def test_a_move_of_a_reps_promise_counts_on_the_rep_however_the_supervisor_came_to_hold_the_work(move, rep,
                                                                                              supervisor, dennis):
    move(rep, supervisor, dennis)

    dashboard = board()

    boss = next((r.measures for r in dashboard.reps if r.user == supervisor), None)
    assert row(dashboard, rep).renegotiated == 1
    assert boss is None or boss.renegotiated == 0


@pytest.mark.parametrize("middle", ["supervisor", "owner"])
def test_a_round_trip_does_not_make_a_teammates_old_item_given_lately(middle, rep, other_rep, supervisor, dennis):
    case = case_in_plan(rep, dennis, T0)  # the owner's (rep's) case; item due T0 + 3h
    item = case.action_items.get()
    with at(T0 + MIN):
        give_item(rep, item, other_rep)  # three hours to run: the teammate's promise
    promise = case.promises.get(kind=PromiseKind.ACTION_ITEM)
    with at(item.due_at - 12 * MIN):
        give_item(supervisor, item, supervisor if middle == "supervisor" else rep)
    with at(item.due_at - 11 * MIN):
        give_item(supervisor, item, other_rep)
    with at(item.due_at - 10 * MIN):
        item.refresh_from_db()
        services.action_item_hand_back(user=other_rep, item=item, note="I cannot get to this before the deadline")
    with at(item.due_at + MIN):
        services.promise_break(promise=promise)

    promise.refresh_from_db()
    assert (promise.status, promise.owner) == (PromiseStatus.BROKEN, other_rep)


def test_a_take_with_time_to_spare_stays_on_the_taker_when_its_deadline_is_pulled_in(rep, supervisor, dennis):
    case = planned_and_agreed(rep, dennis, T0)
    with at(T0 + MIN):
        case.refresh_from_db()
        services.cadence_set(user=rep, case=case, minutes=180, channel=Channel.PHONE,
                             agreed_channel=Channel.PHONE, agreed_text="The client said every three hours is fine")
    first = case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING)
    with at(first.due_at + MIN):
        services.promise_break(promise=first)
    beat = case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING)
    t = first.due_at + 5 * MIN
    with at(t):
        reassign(supervisor, case, supervisor)  # hours to spare: the supervisor's to keep
        case.refresh_from_db()
        services.cadence_set(user=supervisor, case=case, minutes=15, channel=Channel.PHONE)  # pulled in, in place
    with at(t + MIN):
        reassign(supervisor, case, rep)

    beat.refresh_from_db()
    assert beat.owner == supervisor


def test_a_take_given_on_to_a_third_is_forgotten(rep, other_rep, supervisor, dennis):
    case = case_in_plan(rep, dennis, T0)
    item = case.action_items.get()
    with at(item.due_at - 30 * MIN):
        give_item(supervisor, item, supervisor)
    with at(item.due_at - 20 * MIN):
        give_item(supervisor, item, other_rep)  # given on: the promise stays on the one who took it
    with at(item.due_at - 2 * MIN):
        give_item(supervisor, item, rep)

    promise = case.promises.get(kind=PromiseKind.ACTION_ITEM)
    assert (promise.owner, promise.taken_from) == (supervisor, None)


def test_a_kept_estimate_restored_days_later_is_not_given_back_by_an_old_take(rep, other_rep, supervisor, dennis):
    case = planned_and_agreed(rep, dennis, T0)  # latest estimate T0 + 5h
    eta = case.promises.get(kind=PromiseKind.ETA, status=PromiseStatus.PENDING)
    with at(eta.due_at - 30 * MIN):
        reassign(supervisor, case, supervisor)
    case.refresh_from_db()
    reach_deliver(case, supervisor, eta.due_at - 20 * MIN)
    with at(eta.due_at - 10 * MIN):
        reassign(supervisor, case, other_rep)
    with at(eta.due_at + 24 * H):
        reassign(supervisor, case, rep)
    with at(eta.due_at + 25 * H):
        case.refresh_from_db()
        services.case_transition(user=rep, case=case, name="loose_ends",
                                 reason="The client says the mailbox still loses messages")

    eta.refresh_from_db()
    assert (eta.status, eta.owner) == (PromiseStatus.BROKEN, supervisor)
