"""Holes an audit found in the client's time zone and quiet hours (RECIPE.md "Time zones and quiet hours",
"Promises"): the follow-up call comes on a later day than the resolution, in every time zone the client had
since, and outside every quiet hours they had since (a round trip of the settings does not let it be logged
minutes after resolving); a promise opened while the quiet hours change is moved with the others; a daily
update keeps its day across a clock change."""
import datetime as dt
import threading
import time
import zoneinfo

import pytest
import time_machine
from django.db import connection, connections
from django.utils import timezone

from cases import services
from cases.errors import CaseRuleError
from cases.models import Case, CaseEvent, Channel, Client, Mood, Promise, PromiseKind, PromiseStatus, Step
from cases.schedule import in_quiet_hours
from cases.services.promises import status_update_due
from cases.workflow import COMPLETE_TRANSITIONS
from tests.cases.helpers import advance_to, open_case
from tests.factories import ClientFactory

AGREED = {"agreed_channel": "phone", "agreed_text": "Dennis said that time works for him"}
CALL = "Called Dennis, all still working fine"


def _edit(user, client, case, **changes):
    client = Client.objects.get(pk=client.pk)
    fields = dict(name=client.name, organisation=client.organisation, email=client.email, phone=client.phone,
                  time_zone=client.time_zone, quiet_hours_start=client.quiet_hours_start,
                  quiet_hours_end=client.quiet_hours_end)
    return services.client_update(user=user, client=client, case=case, **{**fields, **changes})


def _resolve(rep, client, follow_up_on, traveller):
    case = advance_to(open_case(rep, client), Step.DELIVER, rep)
    traveller.shift(dt.timedelta(minutes=10))
    services.delivery_record(user=rep, case=case, verified_with_client=True, client_satisfied=True,
                             prevention_note="Upgrades now run with a tested rollback", follow_up_on=follow_up_on)
    return services.case_transition(user=rep, case=Case.objects.get(pk=case.pk),
                                    name=COMPLETE_TRANSITIONS[Step.DELIVER])


def _follow_up(case, status=PromiseStatus.PENDING):
    return case.promises.get(kind=PromiseKind.FOLLOW_UP, status=status)


def _log(rep, case):
    return services.follow_up_log(user=rep, case=Case.objects.get(pk=case.pk), note=CALL)


def _kept_when_logged_at(rep, case, moment):
    """Whether the call logged at `moment` keeps the case's pending follow-up promise."""
    follow_up = _follow_up(case)
    with time_machine.travel(moment, tick=False):
        _log(rep, case)
    follow_up.refresh_from_db()
    return follow_up.status == PromiseStatus.KEPT


@pytest.mark.django_db
def test_a_zone_far_ahead_and_back_does_not_let_the_call_be_logged_as_the_case_resolves(rep):
    with time_machine.travel(dt.datetime(2025, 6, 30, 16, 40, tzinfo=dt.UTC), tick=False) as t:  # 09:40 in LA
        client = ClientFactory(name="Dennis", time_zone="America/Los_Angeles", quiet_hours_start=None,
                               quiet_hours_end=None)
        resolved = _resolve(rep, client, dt.date(2025, 7, 1), t)
        other = open_case(rep, client)
        _edit(rep, client, other, time_zone="Pacific/Kiritimati", **AGREED)

        with pytest.raises(CaseRuleError):  # 09:50 in LA on the day of the resolution
            _log(rep, resolved)
        # Its day in Kiritimati is not the resolution's own day there (1 Jul): the call stays keepable.
        assert _follow_up(resolved).due_at.astimezone(zoneinfo.ZoneInfo("Pacific/Kiritimati")).date() == dt.date(
            2025, 7, 2)
        with pytest.raises(CaseRuleError, match="agree"):  # the way back moves the call too
            _edit(rep, client, other, time_zone="America/Los_Angeles")
        _edit(rep, client, other, time_zone="America/Los_Angeles", **AGREED)

    trips = CaseEvent.objects.filter(case=resolved, verb="client details updated").order_by("pk")
    assert [e.data["changed"]["time_zone"] for e in trips] == [["America/Los_Angeles", "Pacific/Kiritimati"],
                                                              ["Pacific/Kiritimati", "America/Los_Angeles"]]
    assert _follow_up(resolved).moved_count == 2


@pytest.mark.django_db
def test_the_call_waits_for_the_end_of_the_resolutions_day_in_each_zone_the_client_had_since(rep):
    with time_machine.travel(dt.datetime(2025, 6, 30, 9, 0, tzinfo=dt.UTC), tick=False) as t:  # 19:00 in Sydney
        client = ClientFactory(name="Dennis", time_zone="UTC", quiet_hours_start=None, quiet_hours_end=None)
        resolved = _resolve(rep, client, dt.date(2025, 7, 1), t)
        other = open_case(rep, client)
        _edit(rep, client, other, time_zone="Australia/Sydney", **AGREED)
        t.move_to(dt.datetime(2025, 6, 30, 14, 30, tzinfo=dt.UTC))  # 00:30 on 1 Jul in Sydney, the call's day

        with pytest.raises(CaseRuleError, match="resolved on Mon 30 Jun in UTC") as refused:
            _log(rep, resolved)
        assert refused.value.field == "note"
    assert _kept_when_logged_at(rep, resolved, dt.datetime(2025, 7, 1, 0, 30, tzinfo=dt.UTC))


@pytest.mark.django_db
def test_a_zone_ahead_where_the_calls_day_is_the_resolutions_own_moves_the_call_a_day_on(rep):
    with time_machine.travel(dt.datetime(2025, 6, 30, 19, 50, tzinfo=dt.UTC), tick=False) as t:
        client = ClientFactory(name="Dennis", time_zone="UTC", quiet_hours_start=None, quiet_hours_end=None)
        resolved = _resolve(rep, client, dt.date(2025, 7, 1), t)  # 20:00 UTC: 06:00 on 1 Jul in Sydney
        _edit(rep, client, open_case(rep, client), time_zone="Australia/Sydney", **AGREED)

    assert _follow_up(resolved).due_at == dt.datetime(2025, 7, 2, 7, 0, tzinfo=dt.UTC)  # 17:00 on 2 Jul in Sydney
    assert _kept_when_logged_at(rep, resolved, dt.datetime(2025, 7, 1, 23, 0, tzinfo=dt.UTC))  # 09:00 there


@pytest.mark.django_db
def test_quiet_hours_cleared_for_the_call_and_put_back_do_not_let_the_0001_call_count(rep):
    with time_machine.travel(dt.datetime(2025, 6, 30, 23, 30, tzinfo=dt.UTC), tick=False) as t:
        client = ClientFactory(name="Dennis", time_zone="UTC", quiet_hours_start=dt.time(22),
                               quiet_hours_end=dt.time(7))
        resolved = _resolve(rep, client, dt.date(2025, 7, 1), t)
        other = open_case(rep, client)
        t.move_to(dt.datetime(2025, 7, 1, 0, 1, tzinfo=dt.UTC))
        _edit(rep, client, other, quiet_hours_start=None, quiet_hours_end=None)

        with pytest.raises(CaseRuleError, match="inside their quiet hours") as refused:
            _log(rep, resolved)
        assert refused.value.field == "note"
        cleared = CaseEvent.objects.get(case=resolved, verb="client details updated")
        assert cleared.data["schedule_before"] == {"time_zone": "UTC", "quiet_hours_start": "22:00:00",
                                                   "quiet_hours_end": "07:00:00"}
        t.move_to(dt.datetime(2025, 7, 1, 7, 0, tzinfo=dt.UTC))
        _log(rep, resolved)
    assert _follow_up(resolved, PromiseStatus.KEPT).moved_count == 0


def test_a_daily_update_keeps_its_day_across_the_autumn_clock_change(db, rep):
    london = zoneinfo.ZoneInfo("Europe/London")
    client = ClientFactory(name="Dennis", time_zone="Europe/London", quiet_hours_start=dt.time(7, 30),
                           quiet_hours_end=dt.time(7))  # reachable 07:00-07:30 only
    case = open_case(rep, client)
    case.cadence_minutes, case.cadence_business_hours_only = 1440, False

    saturday = dt.datetime(2025, 10, 25, 7, 0, tzinfo=london)  # the clocks go back that night
    assert status_update_due(case, saturday.astimezone(dt.UTC)) == dt.datetime(2025, 10, 26, 7, 0, tzinfo=london)
    week_before = dt.datetime(2025, 10, 18, 7, 0, tzinfo=london)
    assert status_update_due(case, week_before.astimezone(dt.UTC)) == dt.datetime(2025, 10, 19, 7, 0, tzinfo=london)


@pytest.mark.django_db
@pytest.mark.parametrize("thursday", [dt.date(2025, 3, 20), dt.date(2025, 3, 27)],
                         ids=["the week before", "the week the clocks go forward"])
def test_an_update_before_the_days_slot_stays_an_extra_on_the_day_the_clocks_go_forward(rep, dennis, thursday):
    """Found by an audit: a daily slot's beat opened a fixed 24 hours before it, so on the 23-hour Sunday an
    update at 09:30 on Saturday, before Saturday's own 10:00, kept Sunday's promise a day early
    (promises.slot_opens: the client's clock, as the slots themselves)."""
    london = zoneinfo.ZoneInfo("Europe/London")

    def local(day, hour, minute=0):
        return dt.datetime.combine(thursday + dt.timedelta(days=day), dt.time(hour, minute), tzinfo=london)

    def log(when):
        with time_machine.travel(when, tick=False):
            return services.status_update_log(user=rep, case=case, summary="Mail back in 2 hours",
                                              channel=Channel.PHONE, client_mood=Mood.ANXIOUS)

    with time_machine.travel(local(0, 10), tick=False):
        case = advance_to(open_case(rep, dennis), Step.PLAN, rep)
        services.cadence_set(user=rep, case=case, minutes=24 * 60, channel=Channel.PHONE)
    assert not log(local(0, 21)).extra  # keeps Friday's 10:00
    assert not log(local(1, 10, 30)).extra  # keeps Saturday's 10:00

    early = log(local(2, 9, 30))

    assert early.extra and early.kept_promise is None
    pending = case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING)
    assert pending.due_at == local(3, 10)  # Sunday's 10:00, still to keep


def _waiting_on_a_lock(timeout=10):
    """Wait until some other connection of this database waits on a row lock; False after `timeout`."""
    with connections["default"].cursor() as cursor:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND wait_event_type = 'Lock'")
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.05)
    return False


@pytest.mark.django_db(transaction=True)
def test_an_item_made_while_the_quiet_hours_change_is_moved_out_of_the_new_ones(rep, supervisor, monkeypatch):
    client = ClientFactory(name="Dennis", time_zone="UTC", quiet_hours_start=None, quiet_hours_end=None)
    plan = advance_to(open_case(rep, client), Step.PLAN, rep)
    other = open_case(rep, client)
    due = (timezone.now() + dt.timedelta(days=1)).replace(hour=23, minute=0, second=0, microsecond=0)

    import cases.services.items as items
    real = items.allowed_due
    read, go, done = threading.Event(), threading.Event(), threading.Event()

    def held_after_reading(case, kind, due_at):
        out = real(case, kind, due_at)  # the client's quiet hours (none yet) were read here
        if threading.current_thread().name == "item":
            read.set()
            go.wait(15)
        return out
    monkeypatch.setattr(items, "allowed_due", held_after_reading)
    errors = []

    def make_item():
        try:
            services.action_item_create(user=rep, case=Case.objects.get(pk=plan.pk),
                                        description="Restore the mail server from backup", assignee=rep, due_at=due)
        except Exception as exc:  # noqa: BLE001 (reported by the assertion below)
            errors.append(exc)
        finally:
            connection.close()

    def change_hours():
        try:
            read.wait(15)
            _edit(supervisor, client, Case.objects.get(pk=other.pk), quiet_hours_start=dt.time(22),
                  quiet_hours_end=dt.time(7), **AGREED)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            done.set()
            connection.close()

    threads = [threading.Thread(target=make_item, name="item"), threading.Thread(target=change_hours, name="hours")]
    for thread in threads:
        thread.start()
    try:
        assert read.wait(15)
        deadline = time.monotonic() + 15  # the change of hours either finishes, or waits for the item's case
        while not done.is_set() and not _waiting_on_a_lock(timeout=0.5) and time.monotonic() < deadline:
            pass
    finally:
        go.set()
        for thread in threads:
            thread.join(30)
    assert not any(thread.is_alive() for thread in threads)
    assert not errors, errors
    client.refresh_from_db()
    assert client.quiet_hours_start == dt.time(22)
    promise = Promise.objects.get(case=plan, kind=PromiseKind.ACTION_ITEM, status=PromiseStatus.PENDING)
    assert not in_quiet_hours(promise.due_at.astimezone(client.tz), client.quiet_hours_start, client.quiet_hours_end)
