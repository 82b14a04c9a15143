"""A stalled case is escalated once per stay in a step (Escalation.stay_entered_at, the constraint
one_stall_escalation_per_stay): a stall escalation a supervisor has taken and left open does not swallow
a later stall of the case, in a later step or under a later owner, and each is counted on the team page for
the rep it was raised for. Found by a review: one open stall escalation per case blocked every later one."""
import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, transaction

from cases import metrics, services
from cases.models import Case, Escalation, EscalationReason, EscalationStatus
from cases.workflow import COMPLETE_TRANSITIONS
from notifications.sweeps import sweep_stalled_cases
from tests.cases.helpers import meet_gate, open_case, race

T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def at(moment):
    return time_machine.travel(moment, tick=False)


def _stalls(case):
    return Escalation.objects.filter(case=case, reason=EscalationReason.STALLED).order_by("created_at", "id")


def _next_step(case, user):
    case = meet_gate(Case.objects.get(pk=case.pk), user)
    return services.case_transition(user=user, case=case, name=COMPLETE_TRANSITIONS[case.step])


def _stalled_on_the_team_page(user, now):
    dashboard = metrics.team_dashboard(days=7, now=now)
    measures = next(r.measures for r in dashboard.reps if r.user == user)
    return dict(measures.escalations_by_reason)[EscalationReason.STALLED]


def _stall_taken_and_left_open(rep, supervisor, dennis):
    """A case that stalled in identify, its stall escalation taken by a supervisor and never resolved."""
    with at(T0):
        case = open_case(rep, dennis)
    with at(T0 + 25 * HOUR):
        sweep_stalled_cases()
        services.escalation_take(user=supervisor, escalation=_stalls(case).get())
    return case


def _raise_stall(case_pk):
    """What the sweep does for a stalled case, under the case lock, past its flag (a second worker)."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_pk)
        return services.escalation_raise_system(case=case, reason=EscalationReason.STALLED, note="Still here")


@pytest.mark.django_db
def test_a_stall_in_a_later_step_is_escalated_while_the_earlier_stall_escalation_is_still_taken(
        rep, supervisor, dennis):
    case = _stall_taken_and_left_open(rep, supervisor, dennis)
    with at(T0 + 26 * HOUR):
        case = _next_step(case, rep)

    with at(T0 + 51 * HOUR):
        done = sweep_stalled_cases()

    assert done == 1
    first, second = _stalls(case)
    assert first.status == EscalationStatus.TAKEN and second.status == EscalationStatus.OPEN
    assert (first.stay_entered_at, second.stay_entered_at) == (T0, T0 + 26 * HOUR)
    assert _stalled_on_the_team_page(rep, T0 + 52 * HOUR) == 2


@pytest.mark.django_db
def test_a_stall_under_a_later_owner_is_escalated_and_counted_for_them(rep, other_rep, supervisor, dennis):
    case = _stall_taken_and_left_open(rep, supervisor, dennis)
    with at(T0 + 26 * HOUR):
        handoff = services.handoff_request(user=rep, case=case, to_user=other_rep, reason="Away for the week")
        services.handoff_accept(user=other_rep, handoff=handoff, client_informed=True)
        case = _next_step(case, other_rep)

    with at(T0 + 51 * HOUR):
        sweep_stalled_cases()

    assert [e.case_owner for e in _stalls(case)] == [rep, other_rep]
    assert _stalled_on_the_team_page(rep, T0 + 52 * HOUR) == 1
    assert _stalled_on_the_team_page(other_rep, T0 + 52 * HOUR) == 1


@pytest.mark.django_db
def test_the_same_stay_swept_twice_raises_one_stall_escalation(rep, dennis):
    with at(T0):
        case = open_case(rep, dennis)

    with at(T0 + 25 * HOUR):
        first, second = sweep_stalled_cases(), sweep_stalled_cases()
    with at(T0 + 50 * HOUR):
        later = sweep_stalled_cases()

    assert (first, second, later) == (1, 0, 0)
    assert _stalls(case).count() == 1


@pytest.mark.django_db
def test_a_stay_whose_stall_escalation_was_resolved_is_not_escalated_again(rep, supervisor, dennis):
    case = _stall_taken_and_left_open(rep, supervisor, dennis)
    with at(T0 + 26 * HOUR):
        services.escalation_resolve(user=supervisor, escalation=_stalls(case).get(),
                                    resolution="Spoke to the rep, who calls the client today")

    with at(T0 + 27 * HOUR):
        again = _raise_stall(case.pk)

    assert again is None
    assert _stalls(case).count() == 1


@pytest.mark.django_db
def test_the_database_refuses_a_second_stall_escalation_for_the_same_stay(rep, dennis):
    with at(T0):
        case = open_case(rep, dennis)
    Escalation.objects.create(case=case, reason=EscalationReason.STALLED, raised_by_system=True,
                              status=EscalationStatus.RESOLVED, stay_entered_at=T0)

    with pytest.raises(IntegrityError), transaction.atomic():
        Escalation.objects.create(case=case, reason=EscalationReason.STALLED, raised_by_system=True,
                                  stay_entered_at=T0)

    Escalation.objects.create(case=case, reason=EscalationReason.STALLED, raised_by_system=True,
                              stay_entered_at=T0 + 26 * HOUR)  # another stay: its own
    assert _stalls(case).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_workers_raising_a_stay_at_once_raise_one_escalation(rep, dennis):
    """No case lock here: the constraint alone keeps it to one (the loser's insert fails, it returns None)."""
    with at(T0):
        case = open_case(rep, dennis)

    def raise_unlocked():
        with transaction.atomic():
            fresh = Case.objects.get(pk=case.pk)
            return services.escalation_raise_system(case=fresh, reason=EscalationReason.STALLED, note="Still here")

    results = race([raise_unlocked, raise_unlocked])

    assert sorted(kind for kind, _ in results) == ["ok", "ok"]
    assert sorted(value is None for _, value in results) == [False, True]
    assert _stalls(case).count() == 1
