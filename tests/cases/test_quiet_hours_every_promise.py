"""A promise never falls due inside the client's quiet hours, whatever kind it is and whichever path sets
its deadline (cases.services.promises.allowed_due, which promise_open holds): an item's due time, an
estimate's latest end and a follow-up call (kept on its day), when given, edited, or moved by a change
of the client's quiet hours, the thing promised moving with its promise. Status updates and
renegotiations: test_client_update.py, test_renegotiate_quiet_hours_horizon.py."""
import datetime as dt

import pytest
from django.test import override_settings

from cases import services
from cases.errors import CaseRuleError
from cases.models import CaseEvent, Promise, PromiseKind, PromiseStatus, Step
from cases.schedule import in_quiet_hours
from cases.services.promises import promise_open
from tests.cases.helpers import advance_to, open_case
from tests.cases.views_support import url
from tests.factories import ClientFactory

NOW = dt.datetime(2025, 6, 30, 12, 0, tzinfo=dt.UTC)  # a Monday, noon UTC
UTC = dt.UTC
AGREED = {"agreed_channel": "phone", "agreed_text": "Dennis said that time works for him"}
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def at(day, hour, minute=0):
    """`hour`:`minute` UTC, `day` days after NOW's date."""
    return NOW.replace(hour=0) + dt.timedelta(days=day, hours=hour, minutes=minute)


def case_in(rep, step, quiet=(dt.time(22), dt.time(7))):
    client = ClientFactory(name="Dennis", time_zone="UTC", quiet_hours_start=quiet[0], quiet_hours_end=quiet[1])
    return advance_to(open_case(rep, client), step, rep)


def pending(case, kind, item=None):
    return case.promises.get(kind=kind, status=PromiseStatus.PENDING,
                             **({"action_item": item} if item is not None else {}))


def test_an_item_due_inside_the_quiet_hours_falls_due_when_they_end(rep):
    case = case_in(rep, Step.PLAN)

    item = services.action_item_create(user=rep, case=case, description="Restore the mail server", assignee=rep,
                                       due_at=at(1, 23, 30))

    item.refresh_from_db()
    assert item.due_at == pending(case, PromiseKind.ACTION_ITEM, item).due_at == at(2, 7)
    assert item.moved_out_of_quiet_hours


def test_an_item_outside_the_quiet_hours_keeps_the_time_given(rep):
    case = case_in(rep, Step.PLAN)

    item = services.action_item_create(user=rep, case=case, description="Restore the mail server", assignee=rep,
                                       due_at=at(1, 21, 59))

    assert pending(case, PromiseKind.ACTION_ITEM, item).due_at == at(1, 21, 59)
    assert not item.moved_out_of_quiet_hours


def test_an_item_moved_into_the_quiet_hours_lands_at_their_end_with_the_clients_agreement(rep):
    case = case_in(rep, Step.MANAGE_ANXIETY)
    item = case.action_items.get()
    old = pending(case, PromiseKind.ACTION_ITEM, item)

    services.action_item_update(user=rep, item=item, description=item.description, kind=item.kind, assignee=rep,
                                due_at=at(2, 3), **AGREED)

    item.refresh_from_db()
    new = pending(case, PromiseKind.ACTION_ITEM, item)
    assert item.due_at == new.due_at == at(2, 7)
    assert new.replaces == old and new.moved_count == 1 and new.agreed_text == AGREED["agreed_text"]


def test_an_estimate_whose_latest_end_falls_inside_the_quiet_hours_is_moved_with_its_promise(rep):
    case = case_in(rep, Step.PLAN)
    services.action_item_create(user=rep, case=case, description="Restore the mail server", assignee=rep,
                                due_at=at(0, 16))

    services.eta_set(user=rep, case=case, earliest=at(0, 14), latest=at(0, 23))

    case.refresh_from_db()
    assert case.eta_latest == pending(case, PromiseKind.ETA).due_at == at(1, 7)
    assert case.eta_earliest == at(0, 14)


@override_settings(BUSINESS_HOURS_END=17)
@pytest.mark.parametrize("quiet, due", [
    ((dt.time(16), dt.time(8)), dt.time(15, 59)),  # they begin that afternoon: just before they begin
    ((dt.time(20), dt.time(17, 30)), dt.time(17, 30)),  # they began the evening before: when they end
    ((dt.time(0), dt.time(18)), dt.time(18)),  # they began at midnight: when they end
    ((dt.time(22), dt.time(7)), dt.time(17)),  # not covering the end of the business day: unchanged
])
def test_a_follow_up_call_falls_due_outside_the_quiet_hours_on_its_own_day_and_is_kept_that_day(
        rep, frozen, quiet, due):
    case = case_in(rep, Step.RESOLVED, quiet=quiet)
    follow_up = pending(case, PromiseKind.FOLLOW_UP)
    day = case.deliveries.get().follow_up_on

    assert follow_up.due_at == dt.datetime.combine(day, due, tzinfo=UTC)
    frozen.move_to(follow_up.due_at - dt.timedelta(minutes=1))
    services.follow_up_log(user=rep, case=case, note="Called Dennis, all still working fine")
    follow_up.refresh_from_db()
    assert follow_up.status == PromiseStatus.KEPT


def test_a_quiet_hours_change_moves_the_estimate_and_a_resolved_cases_follow_up_with_the_clients_agreement(
        rep, supervisor):
    working = case_in(rep, Step.MANAGE_ANXIETY, quiet=(None, None))
    resolved = advance_to(open_case(rep, working.client), Step.RESOLVED, rep)
    client = working.client
    eta, follow_up = pending(working, PromiseKind.ETA), pending(resolved, PromiseKind.FOLLOW_UP)
    item_due = pending(working, PromiseKind.ACTION_ITEM).due_at
    assert eta.due_at == at(0, 17) and follow_up.due_at.time() == dt.time(17)

    services.client_update(user=supervisor, client=client, name=client.name, organisation=client.organisation,
                           email=client.email, phone=client.phone, time_zone=client.time_zone,
                           quiet_hours_start=dt.time(16), quiet_hours_end=dt.time(8), **AGREED)

    working.refresh_from_db()
    new_eta, new_follow_up = pending(working, PromiseKind.ETA), pending(resolved, PromiseKind.FOLLOW_UP)
    assert working.eta_latest == new_eta.due_at == at(1, 8) and new_eta.replaces == eta
    assert new_follow_up.replaces == follow_up
    assert new_follow_up.due_at == follow_up.due_at - dt.timedelta(hours=1, minutes=1)  # 15:59 the same day
    assert pending(working, PromiseKind.ACTION_ITEM).due_at == item_due  # 15:00: outside the new quiet hours
    recorded = CaseEvent.objects.get(case=resolved, verb="client details updated")
    assert recorded.data["moved"] == [follow_up.pk]
    every = list(Promise.objects.filter(case__client=client, status=PromiseStatus.PENDING).values_list("due_at",
                                                                                                        flat=True))
    assert every and not any(in_quiet_hours(due.astimezone(UTC), dt.time(16), dt.time(8)) for due in every)


def test_a_follow_up_whose_time_before_the_new_quiet_hours_has_passed_waits_for_them_to_end(
        rep, supervisor, frozen):
    resolved = advance_to(case_in(rep, Step.IDENTIFY, quiet=(None, None)), Step.RESOLVED, rep)
    follow_up = pending(resolved, PromiseKind.FOLLOW_UP)  # 17:00 UTC on the follow-up day
    frozen.move_to(follow_up.due_at - dt.timedelta(minutes=30))  # 16:30: the call has not been made yet
    client = resolved.client

    services.client_update(user=supervisor, client=client, name=client.name, organisation=client.organisation,
                           email=client.email, phone=client.phone, time_zone=client.time_zone,
                           quiet_hours_start=dt.time(16), quiet_hours_end=dt.time(8), **AGREED)

    moved = pending(resolved, PromiseKind.FOLLOW_UP)
    assert moved.replaces == follow_up
    assert moved.due_at == follow_up.due_at + dt.timedelta(hours=15)  # 08:00 the next day, not 15:59 (past)
    assert moved.due_at > follow_up.due_at - dt.timedelta(minutes=30)


def test_a_quiet_hours_change_that_moves_an_item_needs_the_clients_agreement(rep, supervisor):
    case = case_in(rep, Step.MANAGE_ANXIETY, quiet=(None, None))
    client, before = case.client, pending(case, PromiseKind.ACTION_ITEM)

    with pytest.raises(CaseRuleError, match="promised deadline") as refused:
        services.client_update(user=supervisor, client=client, name=client.name, organisation=client.organisation,
                               email=client.email, phone=client.phone, time_zone=client.time_zone,
                               quiet_hours_start=dt.time(14), quiet_hours_end=dt.time(16))

    assert refused.value.field == "agreed_channel"
    assert pending(case, PromiseKind.ACTION_ITEM) == before and before.due_at == at(0, 15)
    client.refresh_from_db()
    assert client.quiet_hours_start is None


def test_the_ledger_opens_no_promise_inside_the_quiet_hours(rep):
    case = case_in(rep, Step.PLAN)

    with pytest.raises(CaseRuleError, match="quiet hours"):
        promise_open(case=case, kind=PromiseKind.ACTION_ITEM, due_at=at(1, 2), owner=rep,
                              source="A promise slipped in at 2am")

    assert not case.promises.filter(due_at=at(1, 2)).exists()


def test_the_page_tells_the_rep_the_due_time_moved_out_of_the_quiet_hours(rep_client, rep):
    case = case_in(rep, Step.PLAN)

    response = rep_client.post(url("item_add", case), {"description": "Restore the mail server", "kind": "fix",
                                                       "assignee": rep.pk, "due_at": "2025-07-01T23:30"},
                               follow=True)

    assert "falls in the client&#x27;s quiet hours" in response.content.decode()
    assert case.action_items.get().due_at == at(2, 7)


def test_quiet_hours_that_end_on_a_second_are_kept_to_the_second(rep):
    case = case_in(rep, Step.PLAN, quiet=(dt.time(22), dt.time(7, 0, 30)))

    item = services.action_item_create(user=rep, case=case, description="Restore the mail server", assignee=rep,
                                       due_at=at(1, 6, 30))

    assert pending(case, PromiseKind.ACTION_ITEM, item).due_at == at(1, 7) + dt.timedelta(seconds=30)
