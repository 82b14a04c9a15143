"""A renegotiated deadline is moved out of the client's quiet hours (cases.services.promises), and the
horizon holds for where it lands: a time just inside the horizon but inside the quiet hours, whose first
allowed time is past the horizon, is refused with why; the promise stays as it was."""
import datetime as dt

import pytest
from django.conf import settings

from cases import services
from cases.errors import CaseRuleError
from cases.models import Channel, PromiseKind, PromiseStatus, Step
from tests.cases.helpers import advance_to, open_case
from tests.factories import ClientFactory

NOW = dt.datetime(2025, 6, 30, 12, 0, tzinfo=dt.UTC)  # a Monday, noon UTC
AGREED = {"agreed_channel": Channel.PHONE, "agreed_text": "Dennis said that time works for him"}
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def _pending_update(rep, quiet_start, quiet_end):
    client = ClientFactory(name="Dennis", time_zone="UTC", quiet_hours_start=quiet_start, quiet_hours_end=quiet_end)
    case = advance_to(open_case(rep, client), Step.MANAGE_ANXIETY, rep)
    return case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING)


def test_a_time_whose_quiet_hours_shift_lands_past_the_horizon_is_refused(rep):
    update = _pending_update(rep, dt.time(11), dt.time(14))
    horizon = dt.timedelta(days=settings.RENEGOTIATE_UPDATE_MAX_DAYS)

    with pytest.raises(CaseRuleError, match="quiet hours") as refused:
        services.promise_renegotiate(user=rep, promise=update, new_due_at=NOW + horizon - dt.timedelta(minutes=30),
                                     **AGREED)

    update.refresh_from_db()
    assert refused.value.field == "new_due_at" and update.status == PromiseStatus.PENDING


def test_a_time_in_the_quiet_hours_well_inside_the_horizon_is_moved_to_their_end(rep):
    update = _pending_update(rep, dt.time(11), dt.time(14))

    new = services.promise_renegotiate(user=rep, promise=update, new_due_at=NOW + dt.timedelta(days=1), **AGREED)

    # 12:00 is quiet until 14:00, and so is the interval before 14:00: an hour after (promises.allowed_due)
    assert new.due_at == NOW + dt.timedelta(days=1, hours=3)
