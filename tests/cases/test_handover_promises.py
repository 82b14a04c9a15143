"""Who holds the promises when a whole case changes hands (cases.services.handoffs._transfer, read through
promises.handover_cutoff): a promise about to fall due stays on the count of the owner who gives the case
away (also when the owner offers the case and a teammate accepts); one with time to run, or every one
still ahead when the new owner takes the case on themselves (a claim, a supervisor's reassign to self),
passes, and so does a successor the new owner agrees later (an item with no assignee is the owner's and
goes with the case). A deadline that passed before the handoff (an item's too) is broken first, its
escalation counted for the owner who let it pass."""
import datetime as dt

import pytest

from django.utils import timezone

from cases import services
from cases.models import Channel, Escalation, EscalationReason, PromiseKind, PromiseStatus, Step
from cases.services.promises import promise_break
from tests.cases.helpers import advance_to, open_case

NOW = dt.datetime(2025, 3, 3, 10, 0, tzinfo=dt.UTC)  # a Monday
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture(autouse=True)
def an_hour_to_hand_over(settings):
    settings.HANDOVER_MIN_MINUTES = 60


def _update(case):
    return case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING)


def test_an_update_about_to_fall_due_stays_with_the_owner_who_accepts_a_teammates_request(
        rep, other_rep, dennis, frozen):
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    update = _update(case)
    asked = services.case_ask_for(user=other_rep, case=case, reason="I know this host's support team well")
    frozen.move_to(update.due_at - dt.timedelta(minutes=2))

    services.handoff_accept(user=rep, handoff=asked, client_informed=True)

    update.refresh_from_db()
    eta = case.promises.get(kind=PromiseKind.ETA, status=PromiseStatus.PENDING)
    assert update.owner == rep  # two minutes left: the count stays
    assert eta.owner == other_rep  # hours left: it passes with the case


def test_a_supervisors_reassignment_follows_the_same_rule(rep, other_rep, supervisor, dennis, frozen):
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    update = _update(case)
    frozen.move_to(update.due_at - dt.timedelta(minutes=2))

    services.case_reassign(user=supervisor, case=case, to_user=other_rep, reason="Rep is off sick from noon",
                           client_informed=True)

    update.refresh_from_db()
    assert update.owner == rep


def test_a_teammate_accepting_a_case_offered_near_a_deadline_leaves_that_promise_with_the_giver(
        rep, other_rep, dennis, frozen):
    """Accepting an offered case is being given it, not taking it on oneself (found by a review: an owner
    offered the case a minute before a deadline and the breach landed on the teammate who accepted)."""
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    update = _update(case)
    offered = services.handoff_request(user=rep, case=case, to_user=other_rep, reason="Going on leave tomorrow")
    frozen.move_to(update.due_at - dt.timedelta(minutes=2))

    services.handoff_accept(user=other_rep, handoff=offered, client_informed=True)

    update.refresh_from_db()
    assert update.owner == rep


def test_an_item_overdue_before_a_handoff_escalates_against_the_owner_who_let_it_pass(rep, other_rep, dennis, frozen):
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    item_promise = case.promises.get(kind=PromiseKind.ACTION_ITEM, status=PromiseStatus.PENDING)
    asked = services.case_ask_for(user=other_rep, case=case, reason="I know this host's support team well")
    frozen.move_to(item_promise.due_at + dt.timedelta(seconds=30))  # overdue; the sweep has not run yet

    services.handoff_accept(user=rep, handoff=asked, client_informed=True)
    promise_break(promise=item_promise)  # the sweep, a few seconds later

    item_promise.refresh_from_db()
    escalation = Escalation.objects.get(promise=item_promise, reason=EscalationReason.BROKEN_PROMISE)
    assert item_promise.status == PromiseStatus.BROKEN and escalation.case_owner == rep


def _reassigned_before_the_update(rep, other_rep, supervisor, dennis, frozen, *, minutes):
    """A case in manage anxiety reassigned from rep to other_rep `minutes` before its update falls due."""
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    update = _update(case)
    frozen.move_to(update.due_at - dt.timedelta(minutes=minutes))
    services.case_reassign(user=supervisor, case=case, to_user=other_rep, reason="Rep is off sick from noon",
                           client_informed=True)
    return case, update


def test_a_deadline_the_new_owner_moves_hours_ahead_is_held_by_the_new_owner(
        rep, other_rep, supervisor, dennis, frozen):
    case, update = _reassigned_before_the_update(rep, other_rep, supervisor, dennis, frozen, minutes=5)

    services.cadence_set(user=other_rep, case=case, minutes=240, channel=Channel.PHONE,
                         agreed_channel="phone", agreed_text="Dennis said every four hours is fine now")

    update.refresh_from_db()
    successor = _update(case)
    assert update.owner == rep  # five minutes left at the handover: stayed on rep's count
    assert successor.due_at > timezone.now() + dt.timedelta(hours=3) and successor.owner == other_rep


def test_an_unassigned_items_promise_goes_with_the_case(rep, other_rep, supervisor, dennis):
    case = advance_to(open_case(rep, dennis), Step.PLAN, rep)
    item = services.action_item_create(user=rep, case=case, description="Restore the mail server from backup",
                                       due_at=NOW + dt.timedelta(days=2))

    services.case_reassign(user=supervisor, case=case, to_user=other_rep, reason="Rep is off for the week",
                           client_informed=True)

    assert item.promises.get(status=PromiseStatus.PENDING).owner == other_rep


def test_a_promise_left_with_the_owner_who_gave_the_case_away_escalates_on_their_count_when_it_breaks(
        rep, other_rep, supervisor, dennis, frozen):
    case, update = _reassigned_before_the_update(rep, other_rep, supervisor, dennis, frozen, minutes=2)
    frozen.move_to(update.due_at + dt.timedelta(minutes=1))

    promise_break(promise=update)

    escalation = Escalation.objects.get(case=case, reason=EscalationReason.BROKEN_PROMISE, promise=update)
    assert escalation.case_owner == rep  # the promise stayed theirs (handover_cutoff), so does its escalation


def test_an_item_the_old_owner_gave_themselves_escalates_on_their_count_after_the_handover(
        rep, other_rep, supervisor, dennis, frozen):
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    item = services.action_item_create(user=rep, case=case, description="Restore the mail relay from backup",
                                       assignee=rep, due_at=NOW + dt.timedelta(minutes=40))
    services.case_reassign(user=supervisor, case=case, to_user=other_rep, reason="Rep is off sick from noon",
                           client_informed=True)
    promise = item.promises.get()
    assert promise.owner == rep
    frozen.move_to(NOW + dt.timedelta(minutes=41))

    promise_break(promise=promise)

    assert Escalation.objects.get(promise=promise, reason=EscalationReason.BROKEN_PROMISE).case_owner == rep
