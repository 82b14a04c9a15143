"""Reopening a resolved case withdraws its pending follow-up call; on or after the call's day (the client's)
the call is owed, so it is logged first: reopening is not a way to move a due call uncounted."""
import datetime as dt

import pytest
import time_machine

from cases import services
from cases.errors import CaseRuleError
from cases.models import PromiseKind, PromiseStatus, Step
from tests.cases.helpers import advance_to, open_case
from tests.notifications.conftest import T0

pytestmark = pytest.mark.django_db
REOPEN = "The client called back: the mail stopped again"


def _resolved(rep, dennis):
    with time_machine.travel(T0, tick=False):
        case = advance_to(open_case(rep, dennis), Step.RESOLVED, rep)
    return case, case.promises.get(kind=PromiseKind.FOLLOW_UP, status=PromiseStatus.PENDING)


def test_before_the_follow_up_day_a_reopen_withdraws_the_call(rep, dennis):
    case, follow_up = _resolved(rep, dennis)

    with time_machine.travel(follow_up.due_at - dt.timedelta(days=2), tick=False):
        services.case_reopen(user=rep, case=case, reason=REOPEN)

    follow_up.refresh_from_db()
    assert follow_up.status == PromiseStatus.WITHDRAWN


@pytest.mark.parametrize("before_due", [dt.timedelta(minutes=30), dt.timedelta(hours=6), -dt.timedelta(hours=1)])
def test_on_the_follow_up_day_the_call_is_logged_before_the_case_reopens(rep, dennis, before_due):
    case, follow_up = _resolved(rep, dennis)

    with time_machine.travel(follow_up.due_at - before_due, tick=False):
        with pytest.raises(CaseRuleError, match="log it"):
            services.case_reopen(user=rep, case=case, reason=REOPEN)
        case.refresh_from_db()
        assert case.step == Step.RESOLVED
        services.follow_up_log(user=rep, case=case, note="Client says the mail stopped again this morning")
        services.case_reopen(user=rep, case=case, reason=REOPEN)

    follow_up.refresh_from_db()
    case.refresh_from_db()
    assert case.step == Step.PLAN
    assert follow_up.status == (PromiseStatus.KEPT if before_due > dt.timedelta(0) else PromiseStatus.BROKEN)
    assert follow_up.kept_at is not None
