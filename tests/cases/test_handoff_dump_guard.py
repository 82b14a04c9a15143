"""A promise about to break cannot be dumped on a teammate by offering them the case (cases.services.handoffs
.given_by, read by hand_on_promises under promises.handover_cutoff): the teammate who accepts a case offered to
them did not take it on themselves, the owner gave it, so a promise due within HANDOVER_MIN_MINUTES stays on the
giver's count, and with it its break, its escalation and the late arrival's ETA verdict. Found by a review: an
owner offered the case a minute before the estimate broke, the teammate accepted, the break landed on the
teammate and the case was handed straight back. A supervisor who reassigns a case to themselves does take it on
themselves: what falls due while they hold it is theirs, and handing it back moves none of it."""
import datetime as dt

import pytest

from cases import services
from cases.models import Channel, Escalation, EscalationReason, ItemKind, PromiseKind, PromiseStatus, Step
from notifications.sweeps import SWEEPS
from tests.cases.helpers import advance_to, open_case

NOW = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)  # a Monday
ETA_DUE = NOW + dt.timedelta(hours=2)
MINUTE = dt.timedelta(minutes=1)
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture(autouse=True)
def an_hour_to_hand_over(settings):
    settings.HANDOVER_MIN_MINUTES = 60


def _estimate_due_at_eleven(rep, client):
    """`rep`'s case in manage anxiety, its estimate due at 11:00 (a weekly update, so nothing else falls due)."""
    case = advance_to(open_case(rep, client), Step.PLAN, rep)
    services.action_item_create(user=rep, case=case, description="Restore the mail server from backup",
                                kind=ItemKind.FIX, assignee=rep, due_at=NOW + dt.timedelta(hours=20))
    services.cadence_set(user=rep, case=case, minutes=7 * 24 * 60, channel=Channel.PHONE)
    services.eta_set(user=rep, case=case, earliest=NOW + dt.timedelta(hours=1), latest=ETA_DUE)
    return services.case_transition(user=rep, case=case, name="complete_plan")


def _eta(case):
    return case.promises.get(kind=PromiseKind.ETA)


def _offered_and_accepted(case, giver, taker, frozen, *, before_due=MINUTE):
    frozen.move_to(ETA_DUE - before_due)
    offered = services.handoff_request(user=giver, case=case, to_user=taker,
                                       reason="I am off to a training session this afternoon")
    services.handoff_accept(user=taker, handoff=offered, client_informed=True)
    case.refresh_from_db()
    return case


def _broken_by_the_sweep(case):
    SWEEPS["broken_promises"]()
    eta = _eta(case)
    return eta, Escalation.objects.get(promise=eta, reason=EscalationReason.BROKEN_PROMISE)


def _arrival(case):
    return case.events.filter(data__transition="complete_manage_anxiety").get()


def test_an_estimate_about_to_break_stays_with_the_owner_who_offers_the_case(rep, other_rep, dennis, frozen):
    case = _estimate_due_at_eleven(rep, dennis)

    case = _offered_and_accepted(case, rep, other_rep, frozen)

    assert case.owner == other_rep  # the work goes
    assert _eta(case).owner == rep  # the count stays


def test_its_break_and_escalation_count_for_the_owner_who_offered_the_case(rep, other_rep, dennis, frozen):
    case = _offered_and_accepted(_estimate_due_at_eleven(rep, dennis), rep, other_rep, frozen)
    frozen.move_to(ETA_DUE + MINUTE)

    eta, escalation = _broken_by_the_sweep(case)

    assert eta.status == PromiseStatus.BROKEN and eta.owner == rep
    assert escalation.case_owner == rep


def test_a_late_arrival_is_judged_against_the_owner_who_offered_the_case(rep, other_rep, dennis, frozen):
    case = _offered_and_accepted(_estimate_due_at_eleven(rep, dennis), rep, other_rep, frozen)
    frozen.move_to(ETA_DUE + MINUTE)
    SWEEPS["broken_promises"]()
    frozen.move_to(ETA_DUE + dt.timedelta(minutes=20))

    case = advance_to(case, Step.DELIVER, other_rep)

    arrival = _arrival(case)
    assert arrival.eta_verdict == "late" and arrival.eta_owner == rep


def test_handing_the_case_straight_back_leaves_the_break_on_the_owner_who_offered_it(rep, other_rep, dennis, frozen):
    case = _offered_and_accepted(_estimate_due_at_eleven(rep, dennis), rep, other_rep, frozen)
    frozen.move_to(ETA_DUE + MINUTE)
    SWEEPS["broken_promises"]()

    case = _offered_and_accepted(case, other_rep, rep, frozen, before_due=-dt.timedelta(minutes=20))  # at 11:20

    eta = _eta(case)
    assert case.owner == rep
    assert eta.owner == rep
    assert Escalation.objects.get(promise=eta).case_owner == rep


def test_an_update_about_to_fall_due_stays_with_the_owner_who_offers_the_case(rep, other_rep, dennis, frozen):
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    update = case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING)
    offered = services.handoff_request(user=rep, case=case, to_user=other_rep, reason="Going on leave tomorrow")
    frozen.move_to(update.due_at - 2 * MINUTE)

    services.handoff_accept(user=other_rep, handoff=offered, client_informed=True)

    update.refresh_from_db()
    assert update.owner == rep


def test_a_case_a_supervisor_offers_for_the_owner_leaves_the_breaking_estimate_with_the_owner(
        rep, other_rep, supervisor, dennis, frozen):
    case = _estimate_due_at_eleven(rep, dennis)

    case = _offered_and_accepted(case, supervisor, other_rep, frozen)

    assert case.owner == other_rep and _eta(case).owner == rep


def test_an_offer_accepted_with_time_to_spare_passes_the_promises_to_the_new_owner(rep, other_rep, dennis, frozen):
    case = _estimate_due_at_eleven(rep, dennis)

    case = _offered_and_accepted(case, rep, other_rep, frozen, before_due=dt.timedelta(minutes=90))

    assert _eta(case).owner == other_rep
    assert case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING).owner == other_rep


def _reassign(case, supervisor, to_user):
    services.case_reassign(user=supervisor, case=case, to_user=to_user, reason="I will handle this one for an hour",
                           client_informed=True)
    case.refresh_from_db()
    return case


def test_a_supervisor_who_takes_the_case_on_themselves_holds_the_estimate_about_to_break(
        rep, supervisor, dennis, frozen):
    case = _estimate_due_at_eleven(rep, dennis)
    frozen.move_to(ETA_DUE - MINUTE)

    case = _reassign(case, supervisor, supervisor)

    assert _eta(case).owner == supervisor


def test_reassigning_it_back_after_the_break_leaves_the_break_where_it_fell(rep, supervisor, dennis, frozen):
    case = _estimate_due_at_eleven(rep, dennis)
    frozen.move_to(ETA_DUE - MINUTE)
    case = _reassign(case, supervisor, supervisor)
    frozen.move_to(ETA_DUE + MINUTE)
    eta, escalation = _broken_by_the_sweep(case)
    frozen.move_to(ETA_DUE + dt.timedelta(minutes=10))

    case = advance_to(_reassign(case, supervisor, rep), Step.DELIVER, rep)

    eta.refresh_from_db()
    escalation.refresh_from_db()
    assert eta.owner == supervisor and escalation.case_owner == supervisor
    assert _arrival(case).eta_owner == supervisor  # rep's late arrival is judged against the estimate's holder


def test_a_supervisor_handing_the_case_back_just_before_the_deadline_gives_the_estimate_back(
        rep, supervisor, dennis, frozen):
    """Taken from the rep inside the cutoff and given straight back, the estimate is the rep's again: the rep
    held it when it was about to break (promises.taken_back; tests/cases/test_handover_round_trip.py)."""
    case = _estimate_due_at_eleven(rep, dennis)
    frozen.move_to(ETA_DUE - 3 * MINUTE)
    case = _reassign(case, supervisor, supervisor)
    frozen.move_to(ETA_DUE - MINUTE)

    case = _reassign(case, supervisor, rep)

    assert case.owner == rep and _eta(case).owner == rep


def test_a_supervisor_handing_the_case_to_another_rep_just_before_the_deadline_keeps_the_estimate(
        rep, other_rep, supervisor, dennis, frozen):
    case = _estimate_due_at_eleven(rep, dennis)
    frozen.move_to(ETA_DUE - 3 * MINUTE)
    case = _reassign(case, supervisor, supervisor)
    frozen.move_to(ETA_DUE - MINUTE)

    case = _reassign(case, supervisor, other_rep)

    assert case.owner == other_rep and _eta(case).owner == supervisor
