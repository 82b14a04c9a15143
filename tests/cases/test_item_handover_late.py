"""An item's promise follows the item to a teammate only while there is time to keep it
(cases.services.promises.handover_cutoff, HANDOVER_MIN_MINUTES): an item about to break, given to a teammate
by the owner, stays on the owner's count when it breaks, whoever then holds the item; with time to
spare, or taken on by the one who will do it, it passes."""
import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from cases import metrics, services
from cases.models import PromiseKind, PromiseStatus, Step
from notifications.sweeps import SWEEPS
from tests.cases.helpers import advance_to, open_case
from tests.cases.metrics_support import row

NOW = dt.datetime(2025, 6, 30, 12, 0, tzinfo=dt.UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def _item_due_in(rep, client, minutes):
    case = advance_to(open_case(rep, client), Step.MANAGE_ANXIETY, rep)
    item = services.action_item_create(user=rep, case=case, description="Renew the certificate on the mail host",
                                       assignee=rep, due_at=NOW + dt.timedelta(minutes=minutes))
    return case, item


def _give(item, user, to):
    return services.action_item_update(user=user, item=item, description=item.description, kind=item.kind,
                                       assignee=to, due_at=item.due_at)


def _promise(item):
    return item.promises.get(kind=PromiseKind.ACTION_ITEM)


@override_settings(HANDOVER_MIN_MINUTES=60)
def test_an_item_given_away_minutes_before_its_deadline_breaks_on_the_givers_count(rep, other_rep, dennis, frozen):
    case, item = _item_due_in(rep, dennis, 20)

    _give(item, rep, other_rep)
    frozen.move_to(NOW + dt.timedelta(minutes=25))
    SWEEPS["broken_promises"]()

    item.refresh_from_db()
    promise = _promise(item)
    assert item.assignee == other_rep
    assert promise.status == PromiseStatus.BROKEN and promise.owner == rep
    dashboard = metrics.team_dashboard(days=7, now=timezone.now())
    assert row(dashboard, rep).broken >= 1
    assert all(r.measures.broken == 0 for r in dashboard.reps if r.user == other_rep)


@override_settings(HANDOVER_MIN_MINUTES=60)
def test_an_item_given_away_with_time_to_spare_takes_its_promise_along(rep, other_rep, dennis):
    case, item = _item_due_in(rep, dennis, 90)

    _give(item, rep, other_rep)

    assert _promise(item).owner == other_rep


@override_settings(HANDOVER_MIN_MINUTES=60)
def test_a_late_move_to_a_new_deadline_follows_the_same_rule(rep, other_rep, dennis):
    case, item = _item_due_in(rep, dennis, 20)

    services.action_item_update(user=rep, item=item, description=item.description, kind=item.kind,
                                assignee=other_rep, due_at=NOW + dt.timedelta(minutes=30),
                                agreed_channel="phone", agreed_text="Dennis can wait ten more minutes")

    new = item.promises.get(status=PromiseStatus.PENDING)
    assert new.due_at == NOW + dt.timedelta(minutes=30) and new.owner == rep


@override_settings(HANDOVER_MIN_MINUTES=60)
def test_a_supervisor_taking_an_item_on_themselves_late_takes_its_promise(rep, supervisor, dennis):
    case, item = _item_due_in(rep, dennis, 20)

    _give(item, supervisor, supervisor)

    assert _promise(item).owner == supervisor


@override_settings(HANDOVER_MIN_MINUTES=60)
def test_an_item_created_for_a_teammate_minutes_before_its_deadline_breaks_on_the_owners_count(
        rep, other_rep, dennis, frozen):
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    item = services.action_item_create(user=rep, case=case, description="Reboot the mail relay on the host",
                                       assignee=other_rep, due_at=NOW + dt.timedelta(minutes=1))
    frozen.move_to(NOW + dt.timedelta(minutes=3))
    SWEEPS["broken_promises"]()

    promise = _promise(item)
    assert promise.status == PromiseStatus.BROKEN and promise.owner == rep
    assert all(r.measures.broken == 0 for r in metrics.team_dashboard(days=7, now=timezone.now()).reps
               if r.user == other_rep)


@override_settings(HANDOVER_MIN_MINUTES=60)
@pytest.mark.parametrize("minutes, holder", [(1, "rep"), (90, "other_rep")], ids=["too-close", "time-to-spare"])
def test_a_teammates_draft_item_dated_in_the_plan_opens_its_promise_by_the_same_rule(
        rep, other_rep, dennis, minutes, holder, request):
    case = advance_to(open_case(rep, dennis), Step.PLAN, rep)
    item = services.action_item_create(user=rep, case=case, description="Reboot the mail relay on the host",
                                       assignee=other_rep)

    services.action_item_update(user=rep, item=item, description=item.description, kind=item.kind,
                                assignee=other_rep, due_at=NOW + dt.timedelta(minutes=minutes))

    assert _promise(item).owner == request.getfixturevalue(holder)


@override_settings(HANDOVER_MIN_MINUTES=60)
def test_a_teammate_creating_an_item_for_themselves_holds_its_promise_however_close(supervisor, rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    item = services.action_item_create(user=supervisor, case=case, description="Call the host's escalation line",
                                       assignee=supervisor, due_at=NOW + dt.timedelta(minutes=5))

    assert _promise(item).owner == supervisor


@override_settings(HANDOVER_MIN_MINUTES=60)
def test_while_a_hand_back_waits_the_promise_is_the_owners_and_breaks_on_their_count(rep, other_rep, dennis, frozen):
    """The teammate said they cannot keep it: an owner who never answers cannot leave it on their count."""
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    item = services.action_item_create(user=rep, case=case, description="Reboot the mail relay on the host",
                                       assignee=other_rep, due_at=NOW + dt.timedelta(minutes=61))
    services.action_item_hand_back(user=other_rep, item=item, note="I have no access to that host")
    frozen.move_to(NOW + dt.timedelta(minutes=70))
    SWEEPS["broken_promises"]()

    promise = _promise(item)
    assert promise.status == PromiseStatus.BROKEN and promise.owner == rep


@override_settings(HANDOVER_MIN_MINUTES=60)
def test_a_hand_back_minutes_before_the_deadline_leaves_the_promise_on_the_teammates_count(
        rep, other_rep, dennis, frozen):
    case, item = _item_due_in(rep, dennis, 90)
    _give(item, rep, other_rep)
    assert _promise(item).owner == other_rep
    frozen.move_to(NOW + dt.timedelta(minutes=80))

    services.action_item_hand_back(user=other_rep, item=item, note="I have no access to that host")

    assert _promise(item).owner == other_rep


@override_settings(HANDOVER_MIN_MINUTES=60)
def test_a_declined_hand_back_returns_the_promise_to_the_teammate_with_time_to_keep_it(rep, other_rep, dennis):
    case, item = _item_due_in(rep, dennis, 180)
    _give(item, rep, other_rep)
    services.action_item_hand_back(user=other_rep, item=item, note="I have no access to that host")
    assert _promise(item).owner == rep

    services.action_item_answer_hand_back(user=rep, item=item, accept=False, note="You have the keys now")

    assert _promise(item).owner == other_rep


@override_settings(HANDOVER_MIN_MINUTES=60)
def test_a_hand_back_declined_just_inside_the_cutoff_returns_the_promise_to_the_teammate_who_held_it(
        rep, other_rep, dennis, frozen):
    """Found by an audit: handed back 5 seconds outside the cutoff (the promise goes to the owner) and declined
    10 seconds later, inside it: the teammate keeps the work, and the promise they held goes back with it."""
    case, item = _item_due_in(rep, dennis, 180)
    _give(item, rep, other_rep)
    frozen.move_to(NOW + dt.timedelta(minutes=120) - dt.timedelta(seconds=5))
    services.action_item_hand_back(user=other_rep, item=item, note="I have no access to that host")
    assert _promise(item).owner == rep
    frozen.move_to(NOW + dt.timedelta(minutes=120) + dt.timedelta(seconds=5))
    item.refresh_from_db()

    services.action_item_answer_hand_back(user=rep, item=item, accept=False, note="You have the keys now")
    frozen.move_to(NOW + dt.timedelta(minutes=181))
    SWEEPS["broken_promises"]()

    promise = _promise(item)
    assert promise.status == PromiseStatus.BROKEN and promise.owner == other_rep
    assert row(metrics.team_dashboard(days=7, now=timezone.now()), other_rep).broken == 1


@override_settings(HANDOVER_MIN_MINUTES=60)
def test_an_item_given_lately_handed_back_and_declined_keeps_its_promise_on_the_owner(rep, other_rep, dennis, frozen):
    """The owner cannot use a decline to put on a teammate a promise the cutoff kept off them: given 62 minutes
    before its deadline and handed straight back, the promise is the owner's, and declining leaves it so."""
    case, item = _item_due_in(rep, dennis, 62)
    _give(item, rep, other_rep)
    frozen.move_to(NOW + dt.timedelta(minutes=3))
    services.action_item_hand_back(user=other_rep, item=item, note="I have no access to that host")
    frozen.move_to(NOW + dt.timedelta(minutes=4))
    item.refresh_from_db()

    services.action_item_answer_hand_back(user=rep, item=item, accept=False, note="You have the keys now")

    assert _promise(item).owner == rep


@override_settings(HANDOVER_MIN_MINUTES=60)
def test_an_item_given_just_outside_the_cutoff_and_handed_straight_back_returns_its_promise_to_the_owner(
        rep, other_rep, dennis, frozen):
    """Given 62 minutes before its deadline (the promise goes along), handed back 3 minutes later: the
    teammate never had the time the cutoff promises, so the promise is the owner's again and breaks on
    their count."""
    case, item = _item_due_in(rep, dennis, 62)
    _give(item, rep, other_rep)
    assert _promise(item).owner == other_rep
    frozen.move_to(NOW + dt.timedelta(minutes=3))

    services.action_item_hand_back(user=other_rep, item=item, note="I have no access to that host")
    frozen.move_to(NOW + dt.timedelta(minutes=70))
    SWEEPS["broken_promises"]()

    promise = _promise(item)
    assert promise.status == PromiseStatus.BROKEN and promise.owner == rep



@override_settings(HANDOVER_MIN_MINUTES=60)
def test_an_item_the_teammate_gave_themselves_keeps_its_promise_on_them_when_handed_back_late(
        rep, other_rep, supervisor, dennis, frozen):
    """Found by a padding review: minutes before their own item's deadline, the owner gives it away and
    takes it straight back (a fresh `assigned_at`), the case then goes to a teammate, and the old owner
    hands the item back. They gave it to themselves: the promise about to break stays on their count, and
    the new owner's declining does not move it either."""
    case, item = _item_due_in(rep, dennis, 20)
    _give(item, rep, other_rep)
    item.refresh_from_db()
    _give(item, rep, rep)
    assert _promise(item).owner == rep
    services.case_reassign(user=supervisor, case=case, to_user=other_rep, reason="Rep is off tomorrow morning",
                           client_informed=True)
    item.refresh_from_db()

    services.action_item_hand_back(user=rep, item=item, note="Cannot do it in time now")
    assert _promise(item).owner == rep
    item.refresh_from_db()
    services.action_item_answer_hand_back(user=other_rep, item=item, accept=False)
    frozen.move_to(NOW + dt.timedelta(minutes=25))
    SWEEPS["broken_promises"]()

    promise = _promise(item)
    assert promise.status == PromiseStatus.BROKEN and promise.owner == rep
    dashboard = metrics.team_dashboard(days=7, now=timezone.now())
    assert all(r.measures.broken == 0 for r in dashboard.reps if r.user == other_rep)


@override_settings(HANDOVER_MIN_MINUTES=60)
def test_an_item_the_owner_moves_between_teammates_near_its_deadline_escalates_on_the_owner(
        rep, other_rep, dennis, frozen):
    """Found by a review: the owner moved a teammate's item to another teammate 50 minutes before its
    deadline; the promise stayed on the first teammate's count (the work goes, the count stays), and so did
    the escalation when it broke, off the owner, who answers for the items they give out."""
    from tests.factories import RepFactory

    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    item = services.action_item_create(user=rep, case=case, description="Renew the certificate on the mail host",
                                       assignee=other_rep, due_at=NOW + dt.timedelta(minutes=90))
    frozen.move_to(NOW + dt.timedelta(minutes=40))
    _give(item, rep, RepFactory())
    frozen.move_to(NOW + dt.timedelta(minutes=95))
    SWEEPS["broken_promises"]()

    promise = _promise(item)
    assert promise.status == PromiseStatus.BROKEN and promise.owner == other_rep
    assert case.escalations.get(promise=promise).case_owner == rep


@override_settings(HANDOVER_MIN_MINUTES=60)
@pytest.mark.parametrize("answered_by", ["owner", "supervisor"])
def test_a_hand_back_minutes_before_the_deadline_stays_on_the_teammates_count_when_accepted(
        rep, other_rep, supervisor, dennis, frozen, answered_by):
    """Found by an audit: accepted by the owner, the teammate's imminent miss became the owner's (the owner
    "took it on themselves"); the teammate gave the work back when they handed it back, so the cutoff is
    measured from then, whoever accepts."""
    case, item = _item_due_in(rep, dennis, 180)
    _give(item, rep, other_rep)
    frozen.move_to(NOW + dt.timedelta(minutes=175))
    services.action_item_hand_back(user=other_rep, item=item, note="I have no access to that host")
    frozen.move_to(NOW + dt.timedelta(minutes=176))

    services.action_item_answer_hand_back(user=rep if answered_by == "owner" else supervisor, item=item, accept=True)
    frozen.move_to(NOW + dt.timedelta(minutes=181))
    SWEEPS["broken_promises"]()

    promise = _promise(item)
    assert promise.status == PromiseStatus.BROKEN and promise.owner == other_rep


@override_settings(HANDOVER_MIN_MINUTES=60)
def test_a_hand_back_with_time_to_spare_accepted_late_is_the_owners(rep, other_rep, dennis, frozen):
    case, item = _item_due_in(rep, dennis, 180)
    _give(item, rep, other_rep)
    services.action_item_hand_back(user=other_rep, item=item, note="I have no access to that host")
    frozen.move_to(NOW + dt.timedelta(minutes=170))  # the owner answers late: the teammate gave it back in time

    services.action_item_answer_hand_back(user=rep, item=item, accept=True)

    assert _promise(item).owner == rep
