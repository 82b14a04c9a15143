"""A stall on a case opened from client email is counted for a rep, not for the mail intake's placeholder
(cases.services.held.longest_holder). Found by a red team: a rep who claimed a case that had waited overnight
for a claim and let it sit in Identify had its stall counted for the placeholder, on no rep's row, because
the wait was the longest part; a rep could claim old cases and never have their stalls counted."""
import datetime as dt

import pytest

from cases import metrics
from cases.models import Escalation, EscalationReason
from cases.services.client_mail import case_claim, case_open_from_mail
from notifications.sweeps import sweep_stalled_cases
from tests.cases.metrics_support import at

T0 = dt.datetime(2026, 3, 2, 18, 0, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)
pytestmark = pytest.mark.django_db


def _from_mail():
    with at(T0):
        return case_open_from_mail(sender="priya@shop.example", sender_name="Priya", subject="Checkout broken",
                                   text="Nobody can pay on our shop since this morning")


def test_a_claimed_case_left_to_stall_is_counted_for_the_rep_who_claimed_it(rep, supervisor):
    case = _from_mail()
    with at(T0 + 14 * H):  # claimed the next morning
        case_claim(user=rep, case=case)
    with at(T0 + 24 * H + dt.timedelta(minutes=1)):  # the rep has let it sit ten hours: it stalls
        assert sweep_stalled_cases() == 1
    board = metrics.team_dashboard(days=7, now=T0 + 25 * H)

    stall = Escalation.objects.get(case=case, reason=EscalationReason.STALLED)
    mine = next(r.measures for r in board.reps if r.user == rep)
    assert (stall.case_owner_id, mine.escalation_total) == (rep.pk, 1)


def test_a_case_nobody_claimed_stalls_on_the_mail_intake(supervisor):
    case = _from_mail()
    with at(T0 + 24 * H + dt.timedelta(minutes=1)):
        assert sweep_stalled_cases() == 1

    assert Escalation.objects.get(case=case, reason=EscalationReason.STALLED).case_owner == case.owner
