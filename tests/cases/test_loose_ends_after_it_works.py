"""Loose ends after the client said "It works" (found by an audit): the client accepted that delivery, so
sending it back does not void its arrival's verdict nor put back the estimate it kept, as a supervisor's
override after "It works" does not (cases.services.transitions._record_transition, _loose_ends). Otherwise a
rep who arrived early could take the accepted delivery back with loose ends and arrive again inside the range,
turning "early" into "within" on the team page. Without the client's acceptance (no answer, or "Not yet") the
arrival is re-judged as before (tests/cases/test_eta_unaccepted_delivery.py)."""
import pytest

from cases import services
from cases.metrics import eta
from cases.models import ItemKind, PromiseKind, PromiseStatus, Step
from cases.client_word import attempt_key
from cases.services.client_word import client_delivery_answer
from cases.workflow import Transition
from tests.cases.client_word_support import DennisBrowser, token_of
from tests.cases.metrics_support import H, T0, at, board, deliver, planned_and_agreed, reach_deliver, row
from tests.cases.metrics_support import NOW  # noqa: F401  # the `frozen` clock reads the module's NOW
from tests.cases.views_support import url

MIN = H / 60
REASON = "Want to double check the backups first"


def verdicts(rep):
    measures = row(board(), rep)
    return measures.eta_early, measures.eta_within, measures.eta_late


def stored_and_rejudged(case):
    """The verdicts kept on the case's arrivals (the team page), and judged again from its rows (the case's)."""
    arrivals = case.events.filter(verb=eta.ARRIVAL.label).exclude(from_step="").order_by("created_at", "id")
    return list(arrivals.values_list("eta_verdict", flat=True)), eta.case_verdicts(case)


def eta_statuses(case):
    return list(case.promises.filter(kind=PromiseKind.ETA).order_by("id").values_list("status", flat=True))


def early_then_sent_back(rep, dennis, *, works):
    """Arrives 20 minutes in (the range is +1h..+5h: early); the client answers (or not, `works` None), and
    the rep sends the delivery back with loose ends."""
    case = reach_deliver(planned_and_agreed(rep, dennis, T0), rep, T0 + 20 * MIN)
    assert case.events.get(verb=eta.ARRIVAL.label).eta_verdict == "early"
    with at(T0 + 25 * MIN):
        if works is not None:
            client_delivery_answer(case=case, version=case.status_link_version, attempt=attempt_key(case), works=works,
                                   text="" if works else "Mail still bounces for orders")
        case.refresh_from_db()
        return services.case_loose_ends(user=rep, case=case, reason=REASON)


def planned_again(case, rep, *, estimate):
    with at(T0 + 25 * MIN):
        services.action_item_create(user=rep, case=case, description="Double check the nightly backups",
                                    kind=ItemKind.FIX, assignee=rep, due_at=T0 + 85 * MIN)
        if estimate:
            services.eta_set(user=rep, case=case, earliest=T0 + H, latest=T0 + 5 * H)
        case.refresh_from_db()
        return services.case_transition(user=rep, case=case, name="complete_plan")


def delivered_again(case, rep):
    case = reach_deliver(case, rep, T0 + 2 * H)
    with at(T0 + 2 * H + 5 * MIN):
        case.refresh_from_db()
        return deliver(case, rep, mood="delighted")


@pytest.mark.django_db
def test_loose_ends_after_it_works_keeps_the_early_arrival_and_the_estimate_it_kept(rep, dennis):
    case = early_then_sent_back(rep, dennis, works=True)

    assert case.step == Step.PLAN
    assert eta_statuses(case) == [PromiseStatus.KEPT]  # the accepted delivery kept it: nothing is put back
    assert not case.events.filter(verb="promise restored").exists()
    assert case.events.get(verb=Transition.LOOSE_ENDS.label).data.get("client_accepted") is True
    assert case.eta_latest is None  # a new plan needs a new estimate, as after a reopen
    assert stored_and_rejudged(case) == (["early"], ["early"])


@pytest.mark.django_db
def test_an_early_arrival_the_client_accepted_is_not_turned_into_within_by_loose_ends(rep, dennis):
    case = delivered_again(planned_again(early_then_sent_back(rep, dennis, works=True), rep, estimate=True), rep)

    assert case.step == Step.RESOLVED
    assert verdicts(rep) == (1, 0, 0)  # the case once, by its first (accepted) arrival
    assert stored_and_rejudged(case) == (["early", "within"], ["early", "within"])  # team page and case agree
    assert row(board(), rep).sent_back == 1  # still counted as sent back


@pytest.mark.django_db
def test_it_works_holds_for_its_own_delivery_only_a_later_one_sent_back_is_rejudged(rep, dennis):
    """The client's "It works" is for the stay in `deliver` it was said in: the next delivery, which they
    answer "Not yet", is sent back unaccepted (not judged, its estimate stands again), and the one after it
    is judged in the same cycle."""
    case = planned_again(early_then_sent_back(rep, dennis, works=True), rep, estimate=True)
    case = reach_deliver(case, rep, T0 + 2 * H)
    with at(T0 + 2 * H + 2 * MIN):
        client_delivery_answer(case=case, version=case.status_link_version, attempt=attempt_key(case), works=False,
                               text="The backups still fail every night")
        case.refresh_from_db()
        case = services.case_loose_ends(user=rep, case=case, reason="The client says the backups still fail")

    moves = case.events.filter(verb=Transition.LOOSE_ENDS.label).order_by("created_at", "id")
    assert list(moves.values_list("data__client_accepted", flat=True)) == [True, None]
    assert eta_statuses(case) == [PromiseStatus.KEPT, PromiseStatus.PENDING]  # the second estimate stands again
    assert stored_and_rejudged(case) == (["early", ""], ["early", ""])

    case = reach_deliver(planned_again(case, rep, estimate=False), rep, T0 + 3 * H)

    assert eta_statuses(case) == [PromiseStatus.KEPT, PromiseStatus.KEPT]
    assert verdicts(rep) == (1, 0, 0)
    assert stored_and_rejudged(case) == (["early", "", "within"], ["early", "", "within"])
    assert row(board(), rep).sent_back == 2


# --- through the pages: the client's status page, the rep's case page --------------------------------------
@pytest.mark.django_db
def test_on_the_pages_loose_ends_after_it_works_keeps_the_arrival(frozen, rep_client, rep, at_delivery):
    arrival = at_delivery.events.get(verb=eta.ARRIVAL.label)
    assert arrival.eta_verdict == "early"
    assert DennisBrowser(token_of(rep, at_delivery)).answer("works").status_code == 302

    response = rep_client.post(url("move", at_delivery), {"name": Transition.LOOSE_ENDS.method, "reason": REASON})

    assert response.status_code == 302
    at_delivery.refresh_from_db()
    arrival.refresh_from_db()
    assert at_delivery.step == Step.PLAN and arrival.eta_verdict == "early"
    assert eta_statuses(at_delivery) == [PromiseStatus.KEPT]
    assert stored_and_rejudged(at_delivery) == (["early"], ["early"])
