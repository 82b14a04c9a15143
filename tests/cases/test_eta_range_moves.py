"""The estimate range the client was given is what ETA honesty judges their fix's arrival by, so either
end moves only with the client's agreement (cases.services.plan.eta_set), and the earliest end is never
in the past. The first estimate, and a new one after the promised one broke, need no agreement."""
import datetime as dt

import pytest

from cases import services
from cases.errors import CaseRuleError
from cases.models import CaseEvent, Channel, PromiseKind, PromiseStatus
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


def test_a_new_range_after_the_promised_one_broke_needs_no_agreement(rep, dennis):
    case = planned_and_agreed(rep, dennis, T0)

    with at(T0 + 6 * H):
        services.eta_set(user=rep, case=case, earliest=T0 + 7 * H, latest=T0 + 9 * H)

    assert case.promises.filter(kind=PromiseKind.ETA, status=PromiseStatus.BROKEN).count() == 1
    assert case.promises.get(kind=PromiseKind.ETA, status=PromiseStatus.PENDING).due_at == T0 + 9 * H


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
