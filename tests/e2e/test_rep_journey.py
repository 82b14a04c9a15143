"""A rep works cases in a real headless Chromium against the live server: Dennis's outage from the
first call to resolved, the plan gate explaining itself, and another rep's case staying private.
Screenshots of every step go to test-artifacts/e2e/ (git-ignored)."""
import datetime as dt
import re
import zoneinfo

import pytest
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Case, PromiseStatus, Step
from tests.cases.helpers import advance_to, open_case
from tests.e2e.browser import Shots, sign_in
from tests.factories import ClientFactory, StaffProfileFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REP_TZ = zoneinfo.ZoneInfo("Europe/London")


def local_input(delta):
    """A datetime-local value `delta` from now, in the rep's time zone (how the rep types it)."""
    return (timezone.now() + delta).astimezone(REP_TZ).strftime("%Y-%m-%dT%H:%M")


def move_on(page, label):
    page.get_by_role("button", name=re.compile(re.escape(label))).click()


def in_block(page, name):
    return page.locator(f"#blk-{name}")


@pytest.fixture
def rep(db):
    return StaffProfileFactory(user__username="fran", user__first_name="Fran", time_zone="Europe/London").user


def test_a_rep_walks_dennis_through_all_seven_steps_to_resolved_keeping_promises(page, live_server, rep,
                                                                                 artifacts_dir):
    shot = Shots(page, artifacts_dir / "e2e" / "dennis")
    sign_in(page, live_server, rep)
    shot("my-cases-empty")

    # Intake: Dennis calls; his site and email have been down since the host's failed overnight upgrade.
    page.get_by_role("link", name=re.compile("New case")).first.click()
    page.get_by_label("New client's name").fill("Dennis Hale")
    page.get_by_label("Business", exact=True).fill("Hale Internet Ltd")
    page.get_by_label("Phone").fill("+1 212 555 0101")
    page.get_by_label("Client's time zone").select_option("America/New_York")
    page.get_by_label("The complaint in a line").fill("Website and email down after the host's failed upgrade")
    page.get_by_label("Anxious").check()
    page.get_by_label("What is wrong").fill("Website and business email down since the host's failed overnight upgrade")
    page.get_by_label("Impact on the client's life or business").fill(
        "No orders and no email from customers; payroll is due in 3 days")
    page.get_by_label("Critical by").fill(local_input(dt.timedelta(days=3)))
    page.get_by_label("How the client feels about it").fill("Anxious about paying his staff")
    shot("intake")
    page.get_by_role("button", name=re.compile("Log the case")).click()

    # 1. Identify
    expect(page.get_by_role("heading", name=re.compile("Step 1 of 7"))).to_be_visible()
    expect(page.locator(".message")).to_contain_text("You own it")
    shot("1-identify")
    move_on(page, "Concerns identified")

    # 2. Acknowledge: the phrase coach warns while typing, and never blocks.
    expect(page.get_by_role("heading", name=re.compile("Step 2 of 7"))).to_be_visible()
    ack = page.get_by_label("What you said to acknowledge the concern")
    ack.fill("Whose fault was it that the upgrade went wrong?")
    expect(in_block(page, "ack").locator(".pb-coach")).to_be_visible()
    shot("2-acknowledge-coach")
    ack.fill("So your shop has been dark since last night and payroll is three days away; that is a worrying "
             "spot to be in. Thank you for calling us straight away.")
    page.get_by_role("button", name="Record acknowledgement").click()
    expect(in_block(page, "ack").locator("blockquote")).to_contain_text("payroll is three days away")
    shot("2-acknowledge")
    move_on(page, "Acknowledged")

    # 3. Recommit
    expect(page.get_by_role("heading", name=re.compile("Step 3 of 7"))).to_be_visible()
    page.get_by_label("The recommitment you made for the whole team").fill(
        "Keeping your business online is what we are here for, and our whole team will put this right.")
    page.get_by_role("button", name="Record recommitment").click()
    expect(in_block(page, "recommit").locator("blockquote")).to_be_visible()
    shot("3-recommit")
    move_on(page, "Recommitted")

    # 4. Gather
    expect(page.get_by_role("heading", name=re.compile("Step 4 of 7"))).to_be_visible()
    page.get_by_label("Question you asked").fill("How did you first notice something was wrong?")
    page.get_by_label("The client's answer").fill("At 7am no orders had come in and email bounced")
    page.get_by_role("button", name="Add question").click()
    expect(in_block(page, "facts")).to_contain_text("email bounced")
    page.wait_for_load_state("networkidle")  # the answer's swaps (this block and the ones it refreshes) are done
    page.get_by_label("The root problem the client agreed to solve").fill(
        "The host's upgrade left the web and mail server unable to start")
    page.get_by_label("What would make this right for the client").fill("Orders and email flowing before payroll")
    page.get_by_role("button", name="Save root problem").click()
    expect(in_block(page, "root")).to_contain_text("unable to start")
    shot("4-gather")
    move_on(page, "Root problem agreed")

    # 5. Plan: an owned, dated item; an hourly phone cadence; an estimate as a range.
    expect(page.get_by_role("heading", name=re.compile("Step 5 of 7"))).to_be_visible()
    items = in_block(page, "items")
    items.get_by_label("What will be done").fill("Restore the web and mail server from last night's backup")
    items.get_by_label("Due", exact=True).fill(local_input(dt.timedelta(hours=2)))
    items.get_by_role("button", name="Add item").click()
    expect(items.locator(".item")).to_contain_text("Restore the web and mail server")
    cadence = in_block(page, "cadence")
    cadence.get_by_label("Every").fill("1")
    cadence.get_by_label("Unit").select_option("hours")
    cadence.get_by_label("By").select_option("phone")
    cadence.get_by_role("button", name="Agree the cadence").click()
    expect(cadence).to_contain_text("by phone")
    eta = in_block(page, "eta")
    eta.get_by_label("Fixed at the earliest by").fill(local_input(dt.timedelta(hours=1)))
    eta.get_by_label("and at the latest by").fill(local_input(dt.timedelta(hours=5)))
    eta.get_by_role("button", name="Give the estimate").click()
    expect(eta).to_contain_text("Between")
    shot("5-plan")
    move_on(page, "Plan agreed with the client")

    # 6. Manage anxiety: the promised update on time, then the item done.
    expect(page.get_by_role("heading", name=re.compile("Step 6 of 7"))).to_be_visible()
    updates = in_block(page, "updates")
    updates.get_by_label(re.compile("What you told the client")).fill(
        "The restore is running: email back within the hour, the website between 1 and 3 hours from now.")
    updates.get_by_label("Calm").check()
    updates.get_by_role("button", name="Log update").click()
    expect(updates.locator(".updates")).to_contain_text("The restore is running")
    in_block(page, "items").get_by_role("button", name="Mark done").click()
    expect(in_block(page, "items").locator(".item--done")).to_be_visible()
    shot("6-manage-anxiety")
    move_on(page, "All action items closed")

    # 7. Deliver: verified with Dennis while he is on the line.
    expect(page.get_by_role("heading", name=re.compile("Step 7 of 7"))).to_be_visible()
    delivery = in_block(page, "delivery")
    delivery.get_by_label("The fix was verified with the client").check()
    delivery.get_by_label("The client confirmed they are satisfied").check()
    delivery.get_by_label("Was the client's own expectation met?").select_option("yes")
    delivery.get_by_label("How recurrence will be prevented").fill(
        "The host now snapshots the server before every upgrade and rolls back automatically")
    delivery.get_by_label("Follow-up call on").fill((timezone.localdate() + dt.timedelta(days=7)).isoformat())
    delivery.get_by_label("How the client feels now").select_option("delighted")
    delivery.get_by_role("button", name="Save delivery").click()
    expect(page.get_by_role("button", name=re.compile("Delivered and confirmed"))).to_be_visible()
    shot("7-deliver")
    move_on(page, "Delivered and confirmed")

    expect(page.get_by_role("heading", name="Resolved")).to_be_visible()
    expect(page.locator("#case-trend")).to_contain_text("Delighted")
    shot("resolved")
    case = Case.objects.get()
    assert case.step == Step.RESOLVED
    assert not case.promises.filter(status=PromiseStatus.BROKEN).exists()
    # The update, the item and the estimate kept; the delivery call minutes after the update keeps no second
    # update promise (it would be an extra contact): the next beat is withdrawn.
    kept = sorted(case.promises.filter(status=PromiseStatus.KEPT).values_list("kind", flat=True))
    assert kept == sorted(["status_update", "action_item", "eta"])
    assert case.promises.filter(status=PromiseStatus.WITHDRAWN, kind="status_update").exists()
    assert case.promises.filter(status=PromiseStatus.PENDING, kind="follow_up").exists()


def test_a_rep_cannot_leave_plan_with_an_item_without_a_due_date_and_is_told_what_is_missing(
        page, live_server, rep, artifacts_dir):
    shot = Shots(page, artifacts_dir / "e2e" / "plan-gate")
    case = advance_to(open_case(rep, ClientFactory(name="Dennis Hale")), Step.PLAN, rep)
    sign_in(page, live_server, rep)
    page.goto(f"{live_server.url}/cases/{case.reference}/")
    items = in_block(page, "items")
    items.get_by_label("What will be done").fill("Restore the mail server from backup")
    items.get_by_role("button", name="Add item").click()
    expect(items.locator(".item")).to_contain_text("no due time yet")
    cadence = in_block(page, "cadence")
    cadence.get_by_label("Every").fill("1")
    cadence.get_by_role("button", name="Agree the cadence").click()
    eta = in_block(page, "eta")
    eta.get_by_label("Fixed at the earliest by").fill(local_input(dt.timedelta(hours=1)))
    eta.get_by_label("and at the latest by").fill(local_input(dt.timedelta(hours=5)))
    eta.get_by_role("button", name="Give the estimate").click()
    expect(eta).to_contain_text("Between")

    gate = page.locator("#case-gate")
    expect(gate).to_contain_text("Give every action item a due time (1 without one).")
    expect(page.get_by_role("button", name=re.compile("Plan agreed with the client"))).to_have_count(0)
    shot("gate-says-what-is-missing")

    items.get_by_text("Edit…").click()
    items.locator(".item").get_by_label("Due", exact=True).fill(local_input(dt.timedelta(hours=2)))
    items.get_by_role("button", name="Save item").click()
    move_on(page, "Plan agreed with the client")
    expect(page.get_by_role("heading", name=re.compile("Step 6 of 7"))).to_be_visible()
    shot("gate-met-after-dating-the-item")


@override_settings(REPS_SEE_OWN_CASES_ONLY=True)
def test_a_rep_cannot_open_another_reps_case_when_the_team_restricts_reps_to_their_own(page, live_server, rep, artifacts_dir):
    shot = Shots(page, artifacts_dir / "e2e" / "privacy")
    other = StaffProfileFactory(user__username="alex").user
    case = open_case(other, ClientFactory(name="Priya Natarajan"))
    sign_in(page, live_server, rep)
    expect(page.locator("#case-list")).not_to_contain_text(case.reference)
    shot("my-cases-without-it")

    response = page.goto(f"{live_server.url}/cases/{case.reference}/")

    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text("Priya")
    shot("not-found")
