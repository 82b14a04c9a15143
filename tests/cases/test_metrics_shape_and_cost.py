"""The dashboard's shape and cost (cases/metrics.py): every rep is listed, with zeros when idle; the
query count must not grow with the cases; durations read as a person would say them."""
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import metrics, services
from cases.models import EscalationReason, Mood, Step
from tests.cases.helpers import open_case
from tests.cases.metrics_support import H, T0, at, board, deliver, planned_and_agreed, reach_deliver, row
from tests.factories import ClientFactory, RepFactory

DASHBOARD_QUERIES = 9


# --- shape and cost --------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_rep_with_no_activity_is_listed_with_zeros(rep, other_rep, dennis):
    with at(T0):
        open_case(rep, dennis)

    quiet = row(board(), other_rep)

    assert (quiet.opened, quiet.promise_rate, quiet.median_in(Step.IDENTIFY)) == (0, None, None)


def busy_team(n):
    for _ in range(n):
        owner, client = RepFactory(), ClientFactory()
        case = reach_deliver(planned_and_agreed(owner, client, T0), owner, T0 + 3 * H)
        with at(T0 + 3 * H):
            deliver(case, owner, mood=Mood.SATISFIED)
            services.escalation_raise(user=owner, case=open_case(owner, client), reason=EscalationReason.OTHER,
                                      note="Need a hand")


@pytest.mark.django_db
def test_the_dashboard_costs_the_same_queries_for_one_case_or_many(rep):
    busy_team(1)
    with CaptureQueriesContext(connection) as few:
        board()
    busy_team(5)

    with CaptureQueriesContext(connection) as many:
        dashboard = board()

    assert len(few) == len(many) == DASHBOARD_QUERIES
    assert dashboard.team.resolved == 6 and dashboard.team.eta_within == 6


def test_durations_read_as_a_person_would_say_them():
    assert metrics.format_duration(dt.timedelta(minutes=45)) == "45 min"
    assert metrics.format_duration(dt.timedelta(hours=2, minutes=5)) == "2 h 05 min"
    assert metrics.format_duration(dt.timedelta(days=3, hours=4)) == "3 d 4 h"
    assert metrics.format_duration(None) == "—"
