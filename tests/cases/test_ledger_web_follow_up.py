"""The promise ledger's rules posted through the case page's real forms, each checked in the database
afterwards: delivery and the follow-up settle what they may. Resolving settles the pending update
promise by its deadline; the follow-up call keeps its promise on the client's local follow-up day,
never right after resolving."""
import datetime as dt

import pytest
import time_machine

from cases.models import Case, PromiseKind, PromiseStatus, Step
from tests.cases.helpers import advance_to, open_case
from tests.cases.ledger_web_support import delivery_data, follow_up_call_on_its_day, pending
from tests.cases.views_support import in_step, url
from tests.factories import ClientFactory


# --- Delivery and the follow-up --------------------------------------------------------------------
@pytest.mark.parametrize("after, expected", [(dt.timedelta(minutes=30), PromiseStatus.BROKEN),
                                             (dt.timedelta(minutes=-30), PromiseStatus.KEPT)],
                         ids=["already-due", "not-yet-due"])
def test_resolving_settles_the_pending_update_promise_by_its_deadline(rep_client, rep, dennis, after, expected):
    case = in_step(rep, dennis, Step.DELIVER)
    promise = pending(case, PromiseKind.STATUS_UPDATE)

    with time_machine.travel(promise.due_at + after, tick=False):
        rep_client.post(url("delivery", case), delivery_data(case))
        response = rep_client.post(url("transition", case), {"name": "complete_deliver"})

    promise.refresh_from_db()
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).step == Step.RESOLVED
    assert promise.status == expected


def test_the_follow_up_call_right_after_resolving_is_refused_and_keeps_nothing(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.RESOLVED)

    response = rep_client.post(url("followup", case), {"note": "Called, all is working fine now"})

    assert response.status_code == 422
    assert pending(case, PromiseKind.FOLLOW_UP).kept_at is None
    assert case.deliveries.get().follow_up_logged_at is None


def test_the_follow_up_call_on_the_follow_up_date_keeps_the_promise(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.RESOLVED)
    promise = pending(case, PromiseKind.FOLLOW_UP)

    response = follow_up_call_on_its_day(rep_client, case)

    promise.refresh_from_db()
    assert response.status_code == 302
    assert promise.status == PromiseStatus.KEPT


def test_the_follow_up_date_is_the_clients_local_day(rep_client, rep):
    la = ClientFactory(time_zone="America/Los_Angeles")
    case = advance_to(open_case(rep, la), Step.RESOLVED, rep)
    day = case.deliveries.get().follow_up_on
    # 03:00 UTC is 19:00 or 20:00 the evening before in Los Angeles.
    evening_before_there = dt.datetime.combine(day, dt.time(3), tzinfo=dt.timezone.utc)
    morning_there = dt.datetime.combine(day, dt.time(9), tzinfo=la.tz)

    with time_machine.travel(evening_before_there, tick=False):
        early = rep_client.post(url("followup", case), {"note": "Called, all is working fine now"})
    with time_machine.travel(morning_there, tick=False):
        on_the_day = rep_client.post(url("followup", case), {"note": "Called, all is working fine now"})

    assert early.status_code == 422 and on_the_day.status_code == 302
    assert case.promises.get(kind=PromiseKind.FOLLOW_UP).status == PromiseStatus.KEPT
