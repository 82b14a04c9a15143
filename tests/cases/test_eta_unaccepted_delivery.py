"""A delivery the client does not accept delivered nothing (cases.services.transitions._unaccepted_arrival,
cases.metrics.eta): sent back with loose ends, its arrival is not judged, the estimate it kept stands again
with its deadline, broken at once if that has passed, and the next arrival is judged in the same cycle;
closed by a supervisor's override, the estimate is withdrawn, and stands again if the case is reopened.
Otherwise a rep could mark the items done minutes before the latest estimate, arrive, leave deliver some
other way than the client's word, and have the estimate kept and the arrival counted on time."""
import datetime as dt

import pytest
from django.utils import timezone

from cases import services
from cases.errors import CaseRuleError
from cases.metrics import eta
from cases.models import Escalation, EscalationReason, ItemKind, PromiseKind, PromiseStatus, Step
from cases.client_word import attempt_key
from cases.services.client_word import client_delivery_answer
from notifications.sweeps.promises import sweep_broken_promises
from tests.cases.ledger_web_support import AGREED
from tests.cases.metrics_support import H, T0, at, board, planned_and_agreed, reach_deliver
from tests.cases.views_support import in_step, local, page_of, url

MIN = H / 60


def verdicts():
    team = board().team
    return team.eta_early, team.eta_within, team.eta_late


def eta_promises(case):
    return list(case.promises.filter(kind=PromiseKind.ETA).order_by("id").values_list("status", "due_at"))


def sent_back(case, rep, when):
    """Arrives at `deliver` two minutes before the latest estimate (T0+5h), and is sent back at `when`."""
    case = reach_deliver(case, rep, T0 + 5 * H - 2 * MIN)
    with at(when):
        return services.case_loose_ends(user=rep, case=case, reason="The client still cannot send mail")


def planned_again(case, rep, when, **estimate):
    """Back in plan: a new item (and a new estimate when given), then the plan completed."""
    with at(when):
        services.action_item_create(user=rep, case=case, description="Reset the outgoing mail relay",
                                    kind=ItemKind.FIX, assignee=rep, due_at=when + 2 * H)
        if estimate:
            services.eta_set(user=rep, case=case, **estimate)
        case.refresh_from_db()
        return services.case_transition(user=rep, case=case, name="complete_plan")


def stored_and_rejudged(case):
    """The verdicts kept on the case's arrivals, and the verdicts judged again from its rows."""
    arrivals = case.events.filter(verb=eta.ARRIVAL.label).exclude(from_step="").order_by("created_at", "id")
    return list(arrivals.values_list("eta_verdict", flat=True)), eta.case_verdicts(case)


@pytest.mark.django_db
def test_a_delivery_sent_back_before_the_deadline_keeps_nothing_and_the_estimate_stands_again(rep, dennis):
    case = sent_back(planned_and_agreed(rep, dennis, T0), rep, T0 + 5 * H - MIN)

    assert case.step == Step.PLAN
    assert eta_promises(case) == [(PromiseStatus.PENDING, T0 + 5 * H)]
    assert (case.eta_earliest, case.eta_latest) == (T0 + H, T0 + 5 * H)  # the range the client holds stands
    assert case.events.filter(verb="promise restored").count() == 1
    assert verdicts() == (0, 0, 0)
    assert stored_and_rejudged(case) == ([""], [""])


@pytest.mark.django_db
def test_the_estimate_left_standing_breaks_at_its_deadline_and_the_next_arrival_is_late(rep, dennis):
    case = planned_again(sent_back(planned_and_agreed(rep, dennis, T0), rep, T0 + 5 * H - MIN), rep, T0 + 5 * H - MIN)
    with at(T0 + 5 * H + MIN):
        sweep_broken_promises(T0 + 5 * H + MIN)

    case = reach_deliver(case, rep, T0 + 6 * H)

    assert eta_promises(case) == [(PromiseStatus.BROKEN, T0 + 5 * H)]
    assert verdicts() == (0, 0, 1)
    assert stored_and_rejudged(case) == (["", "late"], ["", "late"])


@pytest.mark.django_db
def test_a_later_estimate_after_a_sent_back_delivery_is_a_renegotiation_the_client_agrees_to(rep, dennis):
    case = sent_back(planned_and_agreed(rep, dennis, T0), rep, T0 + 5 * H - MIN)
    later = {"earliest": T0 + 6 * H, "latest": T0 + 9 * H}

    with at(T0 + 5 * H - MIN), pytest.raises(CaseRuleError) as refused:
        services.eta_set(user=rep, case=case, **later)
    case = planned_again(case, rep, T0 + 5 * H - MIN, **later, agreed_channel="phone",
                         agreed_text="The client agreed to wait until tonight")
    case = reach_deliver(case, rep, T0 + 8 * H)

    assert refused.value.field == "agreed_channel"
    assert eta_promises(case) == [(PromiseStatus.RENEGOTIATED, T0 + 5 * H), (PromiseStatus.KEPT, T0 + 9 * H)]
    assert verdicts() == (0, 1, 0)
    assert stored_and_rejudged(case) == (["", "within"], ["", "within"])


@pytest.mark.django_db
def test_a_delivery_sent_back_after_the_deadline_breaks_the_estimate_at_once_as_the_sweep_would(rep, dennis):
    case = sent_back(planned_and_agreed(rep, dennis, T0), rep, T0 + 6 * H)

    assert eta_promises(case) == [(PromiseStatus.BROKEN, T0 + 5 * H)]
    assert Escalation.objects.filter(case=case, reason=EscalationReason.BROKEN_PROMISE,
                                     promise__kind=PromiseKind.ETA).count() == 1
    assert case.eta_latest is None  # a new plan needs a new estimate

    case = reach_deliver(planned_again(case, rep, T0 + 6 * H, earliest=T0 + 7 * H, latest=T0 + 9 * H), rep, T0 + 8 * H)

    assert verdicts() == (0, 0, 1)  # inside the fresh range, but the deadline passed in this cycle
    assert stored_and_rejudged(case) == (["", "late"], ["", "late"])


@pytest.mark.django_db
def test_a_late_arrival_sent_back_stays_late_and_the_next_is_judged_on_the_fresh_estimate(rep, dennis):
    """Late is late whatever follows: the deadline is held against that arrival, once; the estimate given
    after it (a new promise, the old one broken) judges the next."""
    case = reach_deliver(planned_and_agreed(rep, dennis, T0), rep, T0 + 6 * H)  # late: broken at the arrival
    with at(T0 + 6 * H + MIN):
        case = services.case_loose_ends(user=rep, case=case, reason="The client still cannot send mail")
    case = reach_deliver(planned_again(case, rep, T0 + 6 * H + MIN, earliest=T0 + 7 * H, latest=T0 + 9 * H),
                         rep, T0 + 8 * H)

    assert eta_promises(case) == [(PromiseStatus.BROKEN, T0 + 5 * H), (PromiseStatus.KEPT, T0 + 9 * H)]
    assert verdicts() == (0, 0, 1)  # the case once, late (cases/metrics/eta.py per_case)
    assert stored_and_rejudged(case) == (["late", "within"], ["late", "within"])


@pytest.mark.django_db
def test_sending_a_late_delivery_back_and_closing_the_case_does_not_hide_the_lateness(rep, supervisor, dennis):
    case = reach_deliver(planned_and_agreed(rep, dennis, T0), rep, T0 + 6 * H)
    with at(T0 + 6 * H + MIN):
        case = services.case_loose_ends(user=rep, case=case, reason="The client still cannot send mail")
        case = services.case_force_close(user=supervisor, case=case, reason="The client moved to another provider")

    assert verdicts() == (0, 0, 1)
    assert stored_and_rejudged(case) == (["late"], ["late"])


@pytest.mark.django_db
def test_a_reopened_case_keeps_the_estimate_its_accepted_delivery_kept(rep, dennis):
    """Only loose ends sends a delivery back: the problem coming back after a resolution does not undo it."""
    from tests.cases.metrics_support import deliver

    case = reach_deliver(planned_and_agreed(rep, dennis, T0), rep, T0 + 3 * H)
    with at(T0 + 3 * H):
        case = deliver(case, rep)
    with at(T0 + 10 * H):
        case = services.case_reopen(user=rep, case=case, reason="Mail stopped again this morning")

    assert eta_promises(case) == [(PromiseStatus.KEPT, T0 + 5 * H)]
    assert verdicts() == (0, 1, 0)


# --- through the case page ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_on_the_case_page_the_estimate_a_sent_back_delivery_left_standing_moves_only_with_the_clients_word(
        rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.DELIVER)
    rep_client.post(url("move", case), {"name": "loose_ends", "reason": "The client still cannot send mail"})
    case.refresh_from_db()
    standing = list(case.promises.filter(kind=PromiseKind.ETA).values_list("status", "due_at"))
    later = {"eta_earliest": local(dt.timedelta(hours=6)), "eta_latest": local(dt.timedelta(hours=9))}

    page = rep_client.get(page_of(case)).content.decode()
    refused = rep_client.post(url("eta", case), {**later, "agreed_channel": "", "agreed_text": ""})

    assert case.step == Step.PLAN and standing[0][0] == PromiseStatus.PENDING
    assert f'value="{timezone.localtime(case.eta_latest):%Y-%m-%dT%H:%M}"' in page  # the range the client holds
    assert refused.status_code == 422
    assert 'id="id_eta_agreed_channel_error"' in refused.content.decode()
    assert list(case.promises.filter(kind=PromiseKind.ETA).values_list("status", "due_at")) == standing
    assert rep_client.post(url("eta", case), {**later, **AGREED}).status_code == 302
    assert case.promises.get(kind=PromiseKind.ETA, status=PromiseStatus.PENDING).moved_count == 1


# --- other ways out of deliver, other hands ------------------------------------------------------------
@pytest.mark.django_db
def test_a_delivery_the_client_refused_and_a_supervisor_closed_keeps_no_estimate_and_is_not_judged(
        rep, supervisor, dennis):
    case = reach_deliver(planned_and_agreed(rep, dennis, T0), rep, T0 + 5 * H - 2 * MIN)
    with at(T0 + 5 * H - MIN):
        client_delivery_answer(case=case, version=case.status_link_version, attempt=attempt_key(case), works=False,
                               text="Mail still bounces for every order")
        case = services.case_force_close(user=supervisor, case=case, reason="Client unreachable, closing for now")

    assert eta_promises(case) == [(PromiseStatus.WITHDRAWN, T0 + 5 * H)]
    assert verdicts() == (0, 0, 0)
    assert stored_and_rejudged(case) == ([""], [""])


@pytest.mark.django_db
def test_reopening_a_delivery_a_supervisor_closed_puts_its_estimate_back_with_its_deadline(rep, supervisor, dennis):
    """The override and a reopen in place of loose ends: the estimate stands again, and past its deadline
    a new one cannot be given without it breaking first, nor without the client's word; the next arrival is
    late."""
    case = reach_deliver(planned_and_agreed(rep, dennis, T0), rep, T0 + 5 * H - 2 * MIN)
    with at(T0 + 5 * H - MIN):
        case = services.case_force_close(user=supervisor, case=case, reason="Client unreachable, closing for now")
    with at(T0 + 6 * H):
        case = services.case_reopen(user=rep, case=case, reason="The client still cannot send any mail")
    with at(T0 + 6 * H), pytest.raises(CaseRuleError) as refused:
        services.eta_set(user=rep, case=case, earliest=T0 + 7 * H, latest=T0 + 9 * H)
    assert refused.value.field == "agreed_channel"
    case = reach_deliver(planned_again(case, rep, T0 + 6 * H, earliest=T0 + 7 * H, latest=T0 + 9 * H,
                                       agreed_channel="phone", agreed_text="The client agreed to tonight"),
                         rep, T0 + 8 * H)

    assert eta_promises(case) == [(PromiseStatus.BROKEN, T0 + 5 * H), (PromiseStatus.KEPT, T0 + 9 * H)]
    assert verdicts() == (0, 0, 1)
    assert stored_and_rejudged(case) == (["", "late"], ["", "late"])


@pytest.mark.django_db
def test_a_delivery_a_supervisor_closed_after_the_estimate_passed_breaks_it_as_the_sweep_would(
        rep, supervisor, dennis):
    case = reach_deliver(planned_and_agreed(rep, dennis, T0), rep, T0 + 5 * H - 2 * MIN)
    with at(T0 + 6 * H):
        case = services.case_force_close(user=supervisor, case=case, reason="Client unreachable, closing for now")

    assert eta_promises(case) == [(PromiseStatus.BROKEN, T0 + 5 * H)]
    assert Escalation.objects.filter(case=case, promise__kind=PromiseKind.ETA).count() == 1
    assert verdicts() == (0, 0, 0)


@pytest.mark.django_db
@pytest.mark.parametrize("sent_back_by, left, holder", [
    ("new_owner", 2 * H, "new_owner"),
    ("new_owner", 20 * MIN, "new_owner"),  # taking the work on oneself takes every promise still ahead
    ("supervisor", 2 * H, "new_owner"),
    ("supervisor", 20 * MIN, "first_owner"),  # too close to its deadline to be put on a teammate's count
])
def test_the_estimate_put_back_is_passed_to_whoever_holds_the_case_as_a_handoff_would(
        rep, other_rep, supervisor, dennis, sent_back_by, left, holder):
    """Handed over while the estimate was kept, then sent back: the estimate breaking later is counted as
    a handoff would have passed it on had it been pending (cases.services.promises.promise_holder)."""
    people = {"first_owner": rep, "new_owner": other_rep, "supervisor": supervisor}
    case = reach_deliver(planned_and_agreed(rep, dennis, T0), rep, T0 + 2 * H)
    with at(T0 + 2 * H + 5 * MIN):
        handoff = services.handoff_request(user=rep, case=case, to_user=other_rep, reason="Going on leave tomorrow")
        services.handoff_accept(user=other_rep, handoff=handoff, client_informed=True)
    case.refresh_from_db()
    with at(T0 + 5 * H - left):
        case = services.case_loose_ends(user=people[sent_back_by], case=case, reason="Mail still bounces for them")
    with at(T0 + 5 * H + MIN):
        sweep_broken_promises(T0 + 5 * H + MIN)

    estimate = case.promises.get(kind=PromiseKind.ETA)
    assert (estimate.status, estimate.owner) == (PromiseStatus.BROKEN, people[holder])
    assert Escalation.objects.get(promise=estimate).case_owner == people[holder]
