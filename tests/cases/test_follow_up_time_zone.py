"""A follow-up call counts from the start of the client's day, read in their time zone: a new time zone moves
the call as a renegotiation the client agreed to, or is refused when the call's day is already over there
(found by a review: the zone changed from another case of the client moved nothing, so a zone ahead let
the call be logged a day early and kept, or a call due today be reopened away as not due yet)."""
import datetime as dt

import pytest
from django.utils import timezone

from cases import services
from cases.errors import CaseRuleError
from cases.models import CaseEvent, PromiseKind, PromiseStatus, Step
from tests.cases.helpers import open_case
from tests.cases.test_quiet_hours_every_promise import AGREED, NOW, case_in, pending  # noqa: F401 (NOW: the clock)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def _zone(user, client, time_zone, **agreement):
    services.client_update(user=user, client=client, name=client.name, organisation=client.organisation,
                           email=client.email, phone=client.phone, time_zone=time_zone,
                           quiet_hours_start=client.quiet_hours_start, quiet_hours_end=client.quiet_hours_end,
                           **agreement)


def test_a_zone_ahead_moves_the_follow_up_call_to_its_day_there_with_the_clients_agreement(rep, supervisor):
    resolved = case_in(rep, Step.RESOLVED, quiet=(None, None))
    follow_up = pending(resolved, PromiseKind.FOLLOW_UP)  # 17:00 UTC on its day
    client = resolved.client

    with pytest.raises(CaseRuleError) as refused:
        _zone(supervisor, client, "Asia/Dhaka")
    assert refused.value.field == "agreed_channel"
    client.refresh_from_db()
    assert client.time_zone == "UTC" and pending(resolved, PromiseKind.FOLLOW_UP) == follow_up

    _zone(supervisor, client, "Asia/Dhaka", **AGREED)

    moved = pending(resolved, PromiseKind.FOLLOW_UP)
    assert moved.replaces == follow_up and moved.moved_count == follow_up.moved_count + 1
    assert moved.due_at == follow_up.due_at - dt.timedelta(hours=6)  # 17:00 in Dhaka, the same day
    follow_up.refresh_from_db()
    assert follow_up.status == PromiseStatus.RENEGOTIATED
    assert CaseEvent.objects.get(case=resolved, verb="client details updated").data["moved"] == [follow_up.pk]


def test_a_zone_where_the_calls_day_is_over_is_refused_and_the_call_stays_owed(rep, supervisor, frozen):
    resolved = case_in(rep, Step.RESOLVED, quiet=(None, None))
    follow_up = pending(resolved, PromiseKind.FOLLOW_UP)
    client = resolved.client
    frozen.move_to(follow_up.due_at - dt.timedelta(hours=6))  # 11:00 UTC on the call's day: 21:00 in Brisbane

    with pytest.raises(CaseRuleError, match="log the call first") as refused:
        _zone(supervisor, client, "Australia/Brisbane", **AGREED)
    assert refused.value.field == "time_zone"
    client.refresh_from_db()
    assert client.time_zone == "UTC" and pending(resolved, PromiseKind.FOLLOW_UP) == follow_up
    with pytest.raises(CaseRuleError, match="due today"):
        services.case_transition(user=rep, case=resolved, name="reopen", reason="Client says it broke again")

    services.follow_up_log(user=rep, case=resolved, note="Called Dennis, all still working fine")
    _zone(supervisor, client, "Australia/Brisbane")  # nothing owed moves now: no agreement asked
    follow_up.refresh_from_db()
    assert follow_up.status == PromiseStatus.KEPT


def test_the_follow_up_call_is_not_logged_inside_the_clients_quiet_hours(rep, frozen):
    """Found by a review: for a client east of the rep, resolved at 23:55 their time with tomorrow as the
    call's day, a call logged at 00:01 their time, minutes after resolving, kept the follow-up promise."""
    resolved = case_in(rep, Step.RESOLVED)  # quiet hours 22:00-07:00 UTC
    follow_up = pending(resolved, PromiseKind.FOLLOW_UP)
    day = follow_up.due_at.date()
    frozen.move_to(dt.datetime.combine(day, dt.time(0, 1), tzinfo=dt.UTC))

    with pytest.raises(CaseRuleError, match="inside their quiet hours") as refused:
        services.follow_up_log(user=rep, case=resolved, note="Called Dennis, all still working fine")

    assert refused.value.field == "note" and pending(resolved, PromiseKind.FOLLOW_UP) == follow_up
    frozen.move_to(dt.datetime.combine(day, dt.time(9, 0), tzinfo=dt.UTC))
    services.follow_up_log(user=rep, case=resolved, note="Called Dennis, all still working fine")
    follow_up.refresh_from_db()
    assert follow_up.status == PromiseStatus.KEPT


def test_a_new_zone_that_puts_the_call_on_another_day_at_the_same_moment_moves_it_as_agreed(rep, frozen):
    """Found by a red team: on the call's day, a zone fourteen hours ahead with quiet hours until the next
    morning there put the call on tomorrow at the same UTC moment; nothing counted a move, and the call due
    today was then reopened away as not due yet."""
    resolved = case_in(rep, Step.RESOLVED, quiet=(None, None))
    follow_up = pending(resolved, PromiseKind.FOLLOW_UP)  # 17:00 UTC on its day
    client = resolved.client
    open_case(rep, client)  # the rep owns every open case of the client: they may change the zone
    frozen.move_to(follow_up.due_at.replace(hour=3))  # 03:00 UTC on the call's day: 17:00 the day before in Kiritimati

    def kiritimati(**agreement):
        services.client_update(user=rep, client=client, name=client.name, organisation=client.organisation,
                               email=client.email, phone=client.phone, time_zone="Pacific/Kiritimati",
                               quiet_hours_start=dt.time(16), quiet_hours_end=dt.time(7), **agreement)

    with pytest.raises(CaseRuleError) as refused:
        kiritimati()
    assert refused.value.field == "agreed_channel"
    with pytest.raises(CaseRuleError, match="due today"):
        services.case_transition(user=rep, case=resolved, name="reopen", reason="Client says it broke again")

    kiritimati(**AGREED)

    moved = pending(resolved, PromiseKind.FOLLOW_UP)
    assert moved.replaces == follow_up and moved.moved_count == follow_up.moved_count + 1
    assert moved.due_at == follow_up.due_at  # 07:00 the next morning in Kiritimati: the same moment, another day
    follow_up.refresh_from_db()
    assert follow_up.status == PromiseStatus.RENEGOTIATED


def test_a_new_zone_that_leaves_the_calls_moment_and_day_asks_no_agreement(rep, supervisor):
    resolved = case_in(rep, Step.RESOLVED, quiet=(None, None))
    follow_up = pending(resolved, PromiseKind.FOLLOW_UP)  # 17:00 UTC, summer: 18:00 in London, the same day
    client = resolved.client
    client.time_zone = "Europe/London"
    client.save(update_fields=["time_zone"])
    services.client_update(user=supervisor, client=client, name=client.name, organisation=client.organisation,
                           email=client.email, phone=client.phone, time_zone="Europe/London",
                           quiet_hours_start=dt.time(22), quiet_hours_end=dt.time(7))  # quiet hours clear of it

    assert pending(resolved, PromiseKind.FOLLOW_UP) == follow_up


def _schedule(user, client, time_zone, quiet, **agreement):
    services.client_update(user=user, client=client, name=client.name, organisation=client.organisation,
                           email=client.email, phone=client.phone, time_zone=time_zone,
                           quiet_hours_start=quiet[0], quiet_hours_end=quiet[1], **agreement)


def test_a_zone_behind_that_makes_the_calls_day_tomorrow_again_is_a_move_the_client_agrees_to(rep, supervisor,
                                                                                              frozen):
    """Found by a red team: at 02:00 on the call's day in Dhaka (due today), UTC with quiet hours that kept
    the call's moment made today yesterday there, and the call due today was reopened away, uncounted."""
    resolved = case_in(rep, Step.RESOLVED, quiet=(None, None))
    client = resolved.client
    _zone(supervisor, client, "Asia/Dhaka", **AGREED)
    follow_up = pending(resolved, PromiseKind.FOLLOW_UP)  # 17:00 in Dhaka, 11:00 UTC
    frozen.move_to(follow_up.due_at - dt.timedelta(hours=15))  # 02:00 on its day in Dhaka, 20:00 UTC the day before
    with pytest.raises(CaseRuleError, match="due today"):
        services.case_transition(user=rep, case=resolved, name="reopen", reason="Client says it broke again")

    with pytest.raises(CaseRuleError) as refused:
        _schedule(supervisor, client, "UTC", (dt.time(11, 1), dt.time(7)))

    assert refused.value.field == "agreed_channel"
    assert pending(resolved, PromiseKind.FOLLOW_UP) == follow_up


def test_a_zone_ahead_that_makes_tomorrows_call_todays_is_a_move_the_client_agrees_to(rep, supervisor, frozen):
    """Found by a red team: the evening before the call, Dhaka with quiet hours that kept the call's moment made
    its day today there, and the call was logged and kept a day early, uncounted."""
    resolved = case_in(rep, Step.RESOLVED, quiet=(None, None))
    client = resolved.client
    follow_up = pending(resolved, PromiseKind.FOLLOW_UP)  # 17:00 UTC on its day
    frozen.move_to(follow_up.due_at - dt.timedelta(hours=21))  # 20:00 UTC the day before
    with pytest.raises(CaseRuleError, match="promised for"):
        services.follow_up_log(user=rep, case=resolved, note="Called Dennis, all still working fine")

    with pytest.raises(CaseRuleError) as refused:
        _schedule(supervisor, client, "Asia/Dhaka", (dt.time(0), dt.time(23)))

    assert refused.value.field == "agreed_channel"
    assert pending(resolved, PromiseKind.FOLLOW_UP) == follow_up
    with pytest.raises(CaseRuleError, match="promised for"):
        services.follow_up_log(user=rep, case=resolved, note="Called Dennis, all still working fine")


def test_a_change_that_moves_the_midnight_the_calls_day_begins_at_is_a_move_whenever_it_is_made(rep, supervisor,
                                                                                                 frozen):
    """Found by a third red team: the evening before the call, Pago Pago with quiet hours that kept the
    call's moment and its day left "days away" the same at that minute, but its day there began 11 hours
    later than in UTC; half an hour after midnight UTC the call due today was reopened away, uncounted."""
    resolved = case_in(rep, Step.RESOLVED, quiet=(None, None))
    client = resolved.client
    follow_up = pending(resolved, PromiseKind.FOLLOW_UP)  # 17:00 UTC on its day: 06:00 that day in Pago Pago
    frozen.move_to(follow_up.due_at - dt.timedelta(hours=17, minutes=1))  # 23:59 UTC the day before

    with pytest.raises(CaseRuleError) as refused:
        _schedule(supervisor, client, "Pacific/Pago_Pago", (dt.time(6, 1), dt.time(23)))

    assert refused.value.field == "agreed_channel"
    frozen.move_to(follow_up.due_at - dt.timedelta(hours=16, minutes=30))  # 00:30 UTC on the call's day
    with pytest.raises(CaseRuleError, match="due today"):
        services.case_transition(user=rep, case=resolved, name="reopen", reason="Client says it broke again")


def test_a_zone_ahead_set_a_minute_before_its_midnight_does_not_let_the_call_be_logged_early(rep, supervisor,
                                                                                            frozen):
    resolved = case_in(rep, Step.RESOLVED, quiet=(None, None))
    client = resolved.client
    follow_up = pending(resolved, PromiseKind.FOLLOW_UP)  # 17:00 UTC on its day: 23:00 that day in Dhaka
    frozen.move_to(follow_up.due_at - dt.timedelta(hours=23, minutes=1))  # 23:59 the day before in Dhaka

    with pytest.raises(CaseRuleError) as refused:
        _schedule(supervisor, client, "Asia/Dhaka", (dt.time(0), dt.time(23)))

    assert refused.value.field == "agreed_channel"
    frozen.move_to(follow_up.due_at - dt.timedelta(hours=22, minutes=59))  # 00:01 in Dhaka, still the day before in UTC
    with pytest.raises(CaseRuleError, match="promised for"):
        services.follow_up_log(user=rep, case=resolved, note="Called Dennis, all still working fine")


def test_a_zone_on_the_same_clock_changed_across_a_daylight_saving_night_asks_no_agreement(rep, supervisor, frozen):
    """London in winter is UTC: the call's moment and the midnight its day begins at are the same in both, so
    changing one for the other, even in the hour London is still on summer time, changes nothing promised."""
    frozen.move_to(dt.datetime(2025, 10, 22, 12, 0, tzinfo=dt.UTC))
    resolved = case_in(rep, Step.RESOLVED, quiet=(None, None))
    client = resolved.client
    _schedule(supervisor, client, "Europe/London", (None, None), **AGREED)
    follow_up = pending(resolved, PromiseKind.FOLLOW_UP)
    assert timezone.localtime(follow_up.due_at, client.tz).utcoffset() == dt.timedelta(0)  # in winter time
    frozen.move_to(dt.datetime(2025, 10, 25, 23, 30, tzinfo=dt.UTC))  # 00:30 on the 26th in London, summer time

    _schedule(supervisor, client, "UTC", (None, None))

    assert pending(resolved, PromiseKind.FOLLOW_UP) == follow_up
