"""The client's "Not yet" on their status page is the client not accepting the delivery, at once: the arrival is
no longer judged unless it was late, and the estimate it kept stands again with its deadline, watched by the
broken-promise sweep in `deliver` too (cases.services.transitions.arrival_not_accepted). Found by an audit: a
case the rep left in `deliver` after "Not yet" kept its "within" verdict and its kept estimate for as long as
they did not send it back, and the team page counted both."""
from importlib import import_module

import pytest
from django.apps import apps as django_apps

from cases import services
from cases.metrics import eta
from cases.models import CaseEvent, Escalation, PromiseKind, PromiseStatus, Step
from cases.client_word import attempt_key
from cases.services.client_word import client_delivery_answer
from notifications.sweeps.promises import sweep_broken_promises
from tests.cases.metrics_support import H, T0, at, board, planned_and_agreed, reach_deliver
from tests.cases.test_eta_unaccepted_delivery import eta_promises, planned_again, stored_and_rejudged, verdicts

MIN = H / 60
pytestmark = pytest.mark.django_db


def _not_yet(case, when):
    with at(when):
        client_delivery_answer(case=case, version=case.status_link_version, attempt=attempt_key(case), works=False,
                               text="Mail still bounces for every order")
    case.refresh_from_db()
    return case


def _kept_on_the_team_page(rep):
    return next(r.measures for r in board().reps if r.user == rep).kept


def test_not_yet_takes_back_the_verdict_and_the_kept_estimate_while_the_case_stays_in_deliver(rep, dennis):
    case = reach_deliver(planned_and_agreed(rep, dennis, T0), rep, T0 + 3 * H)  # within T0+1h..T0+5h
    assert verdicts() == (0, 1, 0)
    kept_at_the_arrival = _kept_on_the_team_page(rep)

    case = _not_yet(case, T0 + 3 * H + 10 * MIN)

    assert _kept_on_the_team_page(rep) == kept_at_the_arrival - 1
    assert case.step == Step.DELIVER
    assert eta_promises(case) == [(PromiseStatus.PENDING, T0 + 5 * H)]
    assert verdicts() == (0, 0, 0)
    assert stored_and_rejudged(case) == ([""], [""])
    assert case.events.filter(verb="promise restored").count() == 1


def test_the_estimate_put_back_breaks_at_its_deadline_while_the_case_is_parked_in_deliver(rep, dennis):
    case = _not_yet(reach_deliver(planned_and_agreed(rep, dennis, T0), rep, T0 + 3 * H), T0 + 3 * H + 10 * MIN)

    with at(T0 + 5 * H + MIN):
        sweep_broken_promises(T0 + 5 * H + MIN)

    estimate = case.promises.get(kind=PromiseKind.ETA)
    assert estimate.status == PromiseStatus.BROKEN
    assert Escalation.objects.filter(promise=estimate).count() == 1
    assert verdicts() == (0, 0, 0)


def test_not_yet_after_the_deadline_breaks_the_estimate_at_once(rep, dennis):
    case = _not_yet(reach_deliver(planned_and_agreed(rep, dennis, T0), rep, T0 + 3 * H), T0 + 6 * H)

    assert eta_promises(case) == [(PromiseStatus.BROKEN, T0 + 5 * H)]
    assert Escalation.objects.filter(case=case, promise__kind=PromiseKind.ETA).count() == 1


def test_a_late_arrival_stays_late_after_not_yet(rep, dennis):
    case = _not_yet(reach_deliver(planned_and_agreed(rep, dennis, T0), rep, T0 + 6 * H), T0 + 6 * H + 10 * MIN)

    assert eta_promises(case) == [(PromiseStatus.BROKEN, T0 + 5 * H)]
    assert verdicts() == (0, 0, 1)
    assert stored_and_rejudged(case) == (["late"], ["late"])


def test_loose_ends_after_not_yet_puts_nothing_back_twice_and_the_next_arrival_is_judged(rep, dennis):
    case = _not_yet(reach_deliver(planned_and_agreed(rep, dennis, T0), rep, T0 + 3 * H), T0 + 3 * H + 10 * MIN)
    with at(T0 + 3 * H + 20 * MIN):
        case = services.case_loose_ends(user=rep, case=case, reason="The client still cannot send mail")
    case = reach_deliver(planned_again(case, rep, T0 + 3 * H + 20 * MIN), rep, T0 + 4 * H)

    assert case.events.filter(verb="promise restored").count() == 1
    assert eta_promises(case) == [(PromiseStatus.KEPT, T0 + 5 * H)]  # kept by the second arrival, once
    assert verdicts() == (0, 1, 0)
    assert stored_and_rejudged(case) == (["", "within"], ["", "within"])


def test_the_migration_leaves_a_case_parked_before_the_rule_as_the_rule_leaves_it(rep, dennis):
    """Migration 0042: a case still in `deliver` in the stay a "Not yet" answered, with the verdict and the kept
    estimate the answer did not touch before the rule, is put as the answer leaves it now."""
    case = _not_yet(reach_deliver(planned_and_agreed(rep, dennis, T0), rep, T0 + 3 * H), T0 + 3 * H + 10 * MIN)
    CaseEvent.objects.filter(case=case, verb=eta.ARRIVAL.label).exclude(from_step="").update(eta_verdict="within")
    case.promises.filter(kind=PromiseKind.ETA).update(status=PromiseStatus.KEPT, kept_at=T0 + 3 * H,
                                                      closed_at=T0 + 3 * H)

    import_module("cases.migrations.0042_not_yet_takes_back_the_arrival").take_back(django_apps, None)

    assert eta_promises(case) == [(PromiseStatus.PENDING, T0 + 5 * H)]
    assert stored_and_rejudged(case) == ([""], [""])
