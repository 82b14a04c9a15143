"""The client is owed updates until the delivery call: in `deliver` the agreed rhythm runs as in the
steps before it (workflow.POLICIES[DELIVER].cadence_runs), so an update logged there opens the next one
and a case cannot be parked in deliver with no promise running and nothing watching it."""
import datetime as dt

import pytest

from cases import services
from cases.models import Channel, Mood, PromiseKind, PromiseStatus, Step
from cases.workflow import OPEN_STEPS, policy
from tests.cases.helpers import advance_to, open_case

NOW = dt.datetime(2025, 6, 30, 9, 0, tzinfo=dt.UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def _update_promises(case):
    return case.promises.filter(kind=PromiseKind.STATUS_UPDATE)


def test_an_update_logged_in_deliver_opens_the_next_one(rep, dennis, frozen):
    case = advance_to(open_case(rep, dennis), Step.DELIVER, rep)
    pending = _update_promises(case).get(status=PromiseStatus.PENDING)
    frozen.move_to(pending.due_at - dt.timedelta(minutes=5))

    services.status_update_log(user=rep, case=case, summary="The fix is live, we are checking it with Dennis",
                               channel=Channel.PHONE, client_mood=Mood.CALM)

    pending.refresh_from_db()
    following = _update_promises(case).get(status=PromiseStatus.PENDING)
    assert pending.status == PromiseStatus.KEPT
    assert following.due_at == pending.due_at + dt.timedelta(minutes=case.cadence_minutes)


def test_every_open_step_from_plan_on_runs_the_rhythm_or_is_watched_for_stalls():
    for step in OPEN_STEPS:
        rules = policy(step)
        assert rules.cadence_runs or rules.stall_watch, f"{step} runs no rhythm and no stall watch"
