"""Working all day: My cases in the order the day runs (next promise due first), long texts clipped with
"show all", an item and the promise it made read as one timeline entry, far dates with their year, and a
time-zone picker of real zones with the likely one first."""
import datetime as dt
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.forms import ClientDetailsForm, time_zone_choices
from cases.models import Case, ItemKind, Step
from cases.selectors_ui import case_records
from cases.templatetags.case_ui import CLIP_AT, clip, client_time, when
from tests.cases.helpers import advance_to, open_case
from tests.cases.views_support import page_of
from tests.factories import CaseFactory, ClientFactory, StaffProfileFactory

NOW = dt.datetime(2025, 6, 30, 12, 0, tzinfo=dt.UTC)


def _flat(choices):
    return [value for _group, options in choices for value, _label in options]


# --- My cases: the next promise due first ------------------------------------------------------------
def test_my_cases_puts_the_soonest_promise_first_and_cases_with_none_pending_last(rep_client, rep):
    nothing = CaseFactory(owner=rep, opened_at=timezone.now() - dt.timedelta(hours=1))
    later = CaseFactory(owner=rep, next_promise_due_at=timezone.now() + dt.timedelta(hours=6))
    overdue = CaseFactory(owner=rep, next_promise_due_at=timezone.now() - dt.timedelta(minutes=10))
    soon = CaseFactory(owner=rep, next_promise_due_at=timezone.now() + dt.timedelta(minutes=20))

    response = rep_client.get(reverse("cases:my_cases"))

    shown = [c.reference for c in response.context["page"].object_list]
    assert shown == [overdue.reference, soon.reference, later.reference, nothing.reference]


def test_my_cases_lists_resolved_cases_after_open_ones_most_recently_resolved_first(rep_client, rep):
    now = timezone.now()
    open_one = CaseFactory(owner=rep)
    resolved_long_ago = CaseFactory(owner=rep, step=Step.RESOLVED, resolved_at=now - dt.timedelta(days=9))
    # A pending follow-up call keeps a next promise on a resolved case: it must not jump the queue.
    resolved_lately = CaseFactory(owner=rep, step=Step.RESOLVED, resolved_at=now - dt.timedelta(days=1),
                                  next_promise_due_at=now + dt.timedelta(days=3))

    response = rep_client.get(reverse("cases:my_cases"), {"show": "all"})

    shown = [c.reference for c in response.context["page"].object_list]
    assert shown == [open_one.reference, resolved_lately.reference, resolved_long_ago.reference]


# --- Long text: "show all" -----------------------------------------------------------------------------
def test_a_short_text_is_shown_whole_with_its_line_breaks_and_escaped():
    assert clip("Orders <stopped>\nat 7am", "p.record__main") == \
        '<p class="record__main">Orders &lt;stopped&gt;<br>at 7am</p>'


def test_a_long_text_shows_its_beginning_and_the_rest_behind_show_all():
    text = ("word " * 150).strip() + " THE-END"

    html = clip(text, "p")

    head, rest = html.split('<details class="clip">')
    assert head.startswith("<p>word word") and head.endswith("…</p>")
    assert len(head) < CLIP_AT + 20
    assert rest.startswith("<summary>show all</summary><p>") and "THE-END" in rest and "THE-END" not in head


def test_nothing_is_lost_when_a_long_text_is_clipped():
    text = "".join(f"{i:03d} " for i in range(200)).strip()

    html = clip(text)

    shown = html.replace('<details class="clip"><summary>show all</summary>', " ").replace("</details>", "")
    assert shown.replace("…", "").split() == text.split()


def test_the_case_page_clips_a_long_item_description_on_the_record_and_the_timeline(rep_client, rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.PLAN, rep)
    long_text = "Restore the mail server from the backup and check every mailbox. " * 12 + "LAST-WORDS"
    services.action_item_create(user=rep, case=case, description=long_text, kind=ItemKind.FIX, assignee=rep,
                                due_at=timezone.now() + dt.timedelta(hours=3))

    html = rep_client.get(page_of(case)).content.decode()

    hidden = re.findall(r'<details class="clip"><summary>show all</summary>(.*?)</details>', html, re.S)
    assert len([rest for rest in hidden if "LAST-WORDS" in rest]) == 2  # the item and its timeline entry


# --- The timeline folds an item and its promise ----------------------------------------------------------
def _plan_case(rep, dennis):
    return advance_to(open_case(rep, dennis), Step.PLAN, rep)


def test_an_item_added_with_a_due_time_and_its_promise_are_one_timeline_entry(rep, dennis):
    case = _plan_case(rep, dennis)
    due = timezone.now() + dt.timedelta(hours=3)
    item = services.action_item_create(user=rep, case=case, description="Restore the mail server",
                                       kind=ItemKind.FIX, assignee=rep, due_at=due)

    records = case_records(case)

    folded = [e for e in records["timeline"] if getattr(e, "folded_promise", None)]
    assert len(folded) == 1 and folded[0].data["item"] == item.pk
    assert folded[0].folded_promise.due_at == due
    promise_events = [e for e in records["timeline"] if e.verb == "promise made"]
    assert all(e.data["promise"] != folded[0].folded_promise.pk for e in promise_events)
    assert len(records["timeline"]) == len(records["events"]) - 1


def test_the_case_page_reads_action_item_added_due_and_no_separate_promise(rep_client, rep, dennis):
    case = _plan_case(rep, dennis)
    due = timezone.now() + dt.timedelta(hours=3)
    services.action_item_create(user=rep, case=case, description="Restore the mail server",
                                kind=ItemKind.FIX, assignee=rep, due_at=due)

    html = rep_client.get(page_of(case)).content.decode()

    assert f"Action item added, due {when(due)}" in html
    assert "Promise made" not in html


def test_an_item_without_a_due_time_is_not_folded_with_a_later_promise(rep, dennis):
    case = _plan_case(rep, dennis)
    services.action_item_create(user=rep, case=case, description="Call the host", kind=ItemKind.FIX, assignee=rep)
    services.cadence_set(user=rep, case=case, minutes=60, channel="phone")  # makes a status-update promise

    records = case_records(case)

    assert not any(getattr(e, "folded_promise", None) for e in records["timeline"])
    assert len(records["timeline"]) == len(records["events"])


def test_a_promise_made_long_after_the_item_is_not_folded(rep, dennis, time_machine):
    case = _plan_case(rep, dennis)
    item = services.action_item_create(user=rep, case=case, description="Call the host", kind=ItemKind.FIX,
                                       assignee=rep)
    time_machine.move_to(timezone.now() + dt.timedelta(minutes=10))
    services.action_item_update(user=rep, item=item, description=item.description, kind=item.kind, assignee=rep,
                                due_at=timezone.now() + dt.timedelta(hours=2))

    records = case_records(case)

    assert not any(getattr(e, "folded_promise", None) for e in records["timeline"])


# --- Far dates show their year --------------------------------------------------------------------------
@pytest.fixture
def june_2025(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.mark.parametrize("moment", [
    dt.datetime(2025, 7, 2, 9, 0, tzinfo=dt.UTC),  # this week
    dt.datetime(2025, 1, 5, 9, 0, tzinfo=dt.UTC),  # earlier this year
    dt.datetime(2025, 12, 30, 9, 0, tzinfo=dt.UTC),  # later this year
])
def test_a_near_date_is_shown_without_its_year(june_2025, moment):
    assert str(moment.year) not in when(moment)


def test_early_next_year_seen_from_november_is_shown_without_its_year(time_machine):
    time_machine.move_to(dt.datetime(2025, 11, 15, 12, 0, tzinfo=dt.UTC), tick=False)

    assert when(dt.datetime(2026, 2, 3, 9, 0, tzinfo=dt.UTC)) == "Tue 3 Feb 09:00"


@pytest.mark.parametrize("moment, shown", [
    (dt.datetime(2026, 3, 3, 9, 0, tzinfo=dt.UTC), "Tue 3 Mar 2026 09:00"),
    (dt.datetime(2024, 11, 5, 9, 0, tzinfo=dt.UTC), "Tue 5 Nov 2024 09:00"),
])
def test_a_far_date_shows_its_year(june_2025, moment, shown):
    assert when(moment) == shown


def test_the_clients_time_of_a_far_date_shows_its_year_too(june_2025):
    tokyo = ClientFactory.build(name="Kenji", time_zone="Asia/Tokyo")

    assert "2026" in client_time(dt.datetime(2026, 3, 3, 23, 0, tzinfo=dt.UTC), tokyo)


# --- The time-zone picker ------------------------------------------------------------------------------
def test_the_zone_choices_are_real_places_only():
    zones = _flat(time_zone_choices())

    assert "UTC" in zones and "Europe/London" in zones and "America/Argentina/Buenos_Aires" in zones
    for odd in ("localtime", "Factory", "posixrules", "Etc/GMT+5", "Etc/UTC", "EST", "US/Eastern", "GB"):
        assert odd not in zones


def test_the_zone_choices_start_with_the_viewers_zone_then_utc_then_the_regions():
    with timezone.override(zoneinfo.ZoneInfo("Europe/Madrid")):
        choices = time_zone_choices()

    groups = [group for group, _options in choices]
    assert groups[0] == "Common"
    assert [value for value, _label in choices[0][1]] == ["Europe/Madrid", "UTC"]
    assert groups[1:] == sorted(groups[1:]) and "Europe" in groups and "America" in groups


def test_a_region_lists_its_places_by_name_so_type_ahead_finds_a_city():
    europe = dict(time_zone_choices())["Europe"]

    labels = [label for _value, label in europe]
    assert labels == sorted(labels)
    assert ("Europe/London", "London") in europe


def test_an_existing_clients_zone_comes_first_even_an_old_name(rep):
    case = open_case(rep, ClientFactory(time_zone="US/Eastern"))

    with timezone.override(zoneinfo.ZoneInfo("Europe/London")):
        form = ClientDetailsForm(case=case, user=rep)

    common = form.fields["time_zone"].choices[0]
    assert [value for value, _label in common[1]] == ["US/Eastern", "Europe/London", "UTC"]


def test_the_intake_page_offers_the_zones_in_groups_with_the_viewers_zone_selected(client, db):
    rep = StaffProfileFactory(time_zone="America/Chicago").user
    client.force_login(rep)

    html = client.get(reverse("cases:case_new")).content.decode()

    assert '<optgroup label="Common">' in html and '<optgroup label="Europe">' in html
    assert html.index('value="America/Chicago" selected') < html.index('<optgroup label="Africa">')
    assert 'value="localtime"' not in html and 'value="Factory"' not in html


def test_a_posted_zone_that_is_not_offered_is_a_form_error_not_a_500(rep_client):
    response = rep_client.post(reverse("cases:case_new"), {
        "client_name": "Dennis Hale", "client_time_zone": "localtime", "summary": "Website down",
        "temperature": "anxious", "description": "Site down", "impact": "No orders", "feeling": "Worried",
    })

    assert response.status_code == 422
    assert "Choose a time zone from the list" in response.content.decode()
    assert not Case.objects.exists()
