"""A rhythm of updates is agreed with the client: making it sparser (a longer interval, business hours
only switched on) changes every later slot even when the pending one stays put, so it needs the client's
agreement and renegotiates the pending promise (counted), like moving it (cases.services.plan.cadence_set).
A rhythm as frequent or more is a plain change when the pending slot does not move."""
import datetime as dt

import pytest

from cases import services
from cases.errors import CaseRuleError
from cases.models import Channel, Mood, PromiseKind, PromiseStatus, Step
from tests.cases.helpers import advance_to, open_case
from tests.factories import ClientFactory

NOW = dt.datetime(2031, 5, 9, 9, 0, tzinfo=dt.UTC)  # a Friday morning
AGREED = {"agreed_channel": "phone", "agreed_text": "Dennis said a call every few days is plenty now"}
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def _case(rep, *, business_hours_only=False):
    client = ClientFactory(name="Dennis", time_zone="UTC")
    case = advance_to(open_case(rep, client), Step.MANAGE_ANXIETY, rep)
    services.cadence_set(user=rep, case=case, minutes=60, channel=Channel.PHONE,
                         business_hours_only=business_hours_only, **AGREED)
    case.refresh_from_db()
    return case


def _updates(case):
    return list(case.promises.filter(kind=PromiseKind.STATUS_UPDATE).order_by("pk")
                .values_list("status", "due_at", "moved_count"))


def test_business_hours_only_switched_on_needs_the_clients_agreement_though_the_next_slot_stays(rep):
    case = _case(rep)
    before = _updates(case)

    with pytest.raises(CaseRuleError, match="Fewer updates than the client agreed") as refused:
        services.cadence_set(user=rep, case=case, minutes=60, channel=Channel.PHONE, business_hours_only=True)

    assert refused.value.field == "agreed_channel" and _updates(case) == before
    services.cadence_set(user=rep, case=case, minutes=60, channel=Channel.PHONE, business_hours_only=True, **AGREED)
    pending = case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING)
    assert pending.due_at == before[-1][1] and pending.moved_count == before[-1][2] + 1
    assert pending.replaces.status == PromiseStatus.RENEGOTIATED


def test_a_longer_interval_over_a_weekend_needs_the_clients_agreement(rep, frozen):
    case = _case(rep, business_hours_only=True)
    frozen.move_to(dt.datetime(2031, 5, 9, 16, 30, tzinfo=dt.UTC))
    services.status_update_log(user=rep, case=case, summary="The host is still restoring the mail server",
                               channel=Channel.PHONE, client_mood=Mood.CALM)
    monday = case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING).due_at
    # an hour into Monday's business hours: the hour before 09:00 is closed (promises.allowed_due)
    assert monday == dt.datetime(2031, 5, 12, 10, 0, tzinfo=dt.UTC)
    frozen.move_to(dt.datetime(2031, 5, 10, 11, 0, tzinfo=dt.UTC))  # Saturday

    with pytest.raises(CaseRuleError, match="Fewer updates|how the client agreed"):
        services.cadence_set(user=rep, case=case, minutes=64 * 60, channel=Channel.PHONE, business_hours_only=True)

    case.refresh_from_db()
    assert case.cadence_minutes == 60


def test_a_rhythm_as_frequent_or_more_that_keeps_the_next_slot_needs_nothing_more(rep):
    case = _case(rep, business_hours_only=True)
    before = _updates(case)

    services.cadence_set(user=rep, case=case, minutes=60, channel=Channel.EMAIL, business_hours_only=False)

    case.refresh_from_db()
    assert case.cadence_channel == Channel.EMAIL and _updates(case) == before
