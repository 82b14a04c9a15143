"""The follow-up call comes after the case is resolved, on a later day (cases.services.transitions:
_check_follow_up_day): a delivery recorded on Monday naming Tuesday cannot resolve the case on Tuesday
(the "follow-up" would be logged a minute after the delivery call and count as done); a later date
recorded again lets it resolve."""
import datetime as dt

import pytest

from cases import services
from cases.errors import CaseRuleError
from cases.models import PromiseKind, PromiseStatus, Step
from tests.cases.helpers import advance_to, open_case

NOW = dt.datetime(2025, 3, 3, 10, 0, tzinfo=dt.UTC)  # a Monday
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def _deliver(rep, case, day):
    services.delivery_record(user=rep, case=case, verified_with_client=True, client_satisfied=True,
                             prevention_note="Upgrades now run with a tested rollback", follow_up_on=day)


def test_a_case_cannot_be_resolved_once_its_follow_up_date_has_come(rep, dennis, frozen):
    case = advance_to(open_case(rep, dennis), Step.DELIVER, rep)
    _deliver(rep, case, dt.date(2025, 3, 4))
    frozen.move_to(dt.datetime(2025, 3, 4, 9, 30, tzinfo=dt.UTC))  # the follow-up day, the delivery call

    with pytest.raises(CaseRuleError, match="follow-up date") as refused:
        services.case_transition(user=rep, case=case, name="complete_deliver")

    case.refresh_from_db()
    assert case.step == Step.DELIVER and refused.value.gaps
    assert not case.promises.filter(kind=PromiseKind.FOLLOW_UP).exists()


def test_with_a_later_date_recorded_again_it_resolves_and_the_call_is_due_that_day(rep, dennis, frozen):
    case = advance_to(open_case(rep, dennis), Step.DELIVER, rep)
    _deliver(rep, case, dt.date(2025, 3, 4))
    frozen.move_to(dt.datetime(2025, 3, 4, 9, 30, tzinfo=dt.UTC))

    _deliver(rep, case, dt.date(2025, 3, 11))
    case = services.case_transition(user=rep, case=case, name="complete_deliver")

    follow_up = case.promises.get(kind=PromiseKind.FOLLOW_UP)
    assert case.step == Step.RESOLVED and follow_up.status == PromiseStatus.PENDING
    assert follow_up.due_at.astimezone(dennis.tz).date() == dt.date(2025, 3, 11)
