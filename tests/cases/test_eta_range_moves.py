"""The estimate range the client was given is what ETA honesty judges their fix's arrival by, so either
end moves only with the client's agreement (cases.services.plan.eta_set), and the earliest end is never
in the past. The first estimate needs no agreement; a new one after the promised one broke needs it too, within
the horizon (found by an audit: it opened a fresh promise on the rep's word alone, which its arrival kept, so a
missed estimate became one broken and one kept promise, as a missed item's new time once did)."""
import datetime as dt

import pytest

from django.conf import settings

from cases import services
from cases.errors import CaseRuleError
from cases.models import CaseEvent, Channel, PromiseKind, PromiseStatus
from notifications.sweeps.promises import sweep_broken_promises
from tests.cases.metrics_support import H, T0, at, board, planned_and_agreed, reach_deliver

M = dt.timedelta(minutes=1)
AGREED = {"agreed_channel": Channel.PHONE, "agreed_text": "Dennis is fine with it coming sooner"}
pytestmark = pytest.mark.django_db


def test_the_earliest_end_cannot_be_in_the_past(rep, dennis):
    case = planned_and_agreed(rep, dennis, T0)  # between T0+1h and T0+5h

    with at(T0 + 20 * M), pytest.raises(CaseRuleError) as refused:
        services.eta_set(user=rep, case=case, earliest=T0 - 24 * H, latest=T0 + 5 * H, **AGREED)

    case.refresh_from_db()
    assert refused.value.field == "eta_earliest" and case.eta_earliest == T0 + H


def test_pulling_the_earliest_end_back_needs_the_clients_agreement(rep, dennis):
    case = planned_and_agreed(rep, dennis, T0)

    with at(T0 + 20 * M), pytest.raises(CaseRuleError) as refused:
        services.eta_set(user=rep, case=case, earliest=T0 + 25 * M, latest=T0 + 5 * H)

    case.refresh_from_db()
    assert refused.value.field == "agreed_channel" and case.eta_earliest == T0 + H


def test_with_the_clients_agreement_the_earliest_end_moves_and_the_timeline_says_how(rep, dennis):
    case = planned_and_agreed(rep, dennis, T0)

    with at(T0 + 20 * M):
        services.eta_set(user=rep, case=case, earliest=T0 + 25 * M, latest=T0 + 5 * H, **AGREED)

    case.refresh_from_db()
    event = CaseEvent.objects.filter(case=case, verb="estimate given").latest("created_at")
    assert case.eta_earliest == T0 + 25 * M
    assert "Dennis is fine with it coming sooner" in event.note and event.data["agreed_channel"] == Channel.PHONE


def test_an_early_arrival_stays_early_unless_the_client_agreed_a_new_range(rep, dennis):
    case = planned_and_agreed(rep, dennis, T0)
    with at(T0 + 20 * M), pytest.raises(CaseRuleError):
        services.eta_set(user=rep, case=case, earliest=T0 + 25 * M, latest=T0 + 5 * H)

    reach_deliver(case, rep, T0 + 30 * M)

    team = board().team
    assert (team.eta_early, team.eta_within, team.eta_late) == (1, 0, 0)


@pytest.mark.parametrize("swept", [False, True], ids=["before the sweep", "after the sweep broke it"])
def test_a_new_range_after_the_promised_one_broke_needs_the_clients_word_within_the_horizon(rep, dennis, swept):
    case = planned_and_agreed(rep, dennis, T0)  # between T0+1h and T0+5h
    missed = case.promises.get(kind=PromiseKind.ETA)
    if swept:
        sweep_broken_promises(now=T0 + 5 * H + M)

    with at(T0 + 6 * H):
        with pytest.raises(CaseRuleError) as refused:
            services.eta_set(user=rep, case=case, earliest=T0 + 7 * H, latest=T0 + 9 * H)
        assert refused.value.field == "agreed_channel"
        too_far = T0 + 6 * H + dt.timedelta(days=settings.RENEGOTIATE_ETA_MAX_DAYS, hours=1)
        with pytest.raises(CaseRuleError) as refused:
            services.eta_set(user=rep, case=case, earliest=too_far - H, latest=too_far, **AGREED)
        assert refused.value.field == "eta_latest"
        case.refresh_from_db()
        assert (case.eta_earliest, case.eta_latest) == (T0 + H, T0 + 5 * H)  # nothing changed by a refusal

        services.eta_set(user=rep, case=case, earliest=T0 + 7 * H, latest=T0 + 9 * H, **AGREED)

    missed.refresh_from_db()
    assert missed.status == PromiseStatus.BROKEN  # the miss stands
    new = case.promises.get(kind=PromiseKind.ETA, status=PromiseStatus.PENDING)
    assert new.due_at == T0 + 9 * H and new.replaces == missed and new.agreed_text == AGREED["agreed_text"]
    assert new.moved_count == missed.moved_count  # broken, not renegotiated: the miss counts, not a move


def test_pulling_the_earliest_end_back_before_an_early_arrival_counts_as_a_renegotiation(rep, dennis):
    """Agreed with the client, the arrival is within the range they now hold, and the move is counted in
    the renegotiated share as moving the latest end would be (the same deadline, renegotiated in place)."""
    case = planned_and_agreed(rep, dennis, T0)  # between T0+1h and T0+5h
    with at(T0 + 20 * M):
        services.eta_set(user=rep, case=case, earliest=T0 + 25 * M, latest=T0 + 5 * H, **AGREED)

    reach_deliver(case, rep, T0 + 30 * M)

    promises = list(case.promises.filter(kind=PromiseKind.ETA).order_by("id").values_list("status", "due_at"))
    assert promises == [(PromiseStatus.RENEGOTIATED, T0 + 5 * H), (PromiseStatus.KEPT, T0 + 5 * H)]
    team = board().team
    assert (team.eta_early, team.eta_within, team.renegotiated) == (0, 1, 1)
