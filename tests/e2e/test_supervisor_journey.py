"""A supervisor works the escalation queue (one row per case) in a real headless Chromium against the live
server: takes a case's escalations (the one the system opened for a broken promise and one the rep raised)
at once, notes, reassigns (after confirming) and resolves them; reads the team's
promise-keeping rate; the case owner gives the client a status link that a stranger's browser can open;
and a rep is kept out of the supervisor's pages. Screenshots go to test-artifacts/e2e/supervisor/."""
import datetime as dt
import re
import zoneinfo

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from cases import services
from cases.models import Case, Escalation, EscalationReason, EscalationStatus, Mood, PromiseKind, PromiseStatus, Step
from tests.cases.helpers import advance_to, open_case, plan_ready
from tests.e2e.browser import Shots, sign_in
from tests.factories import ClientFactory, StaffProfileFactory, SupervisorFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CLIENT_TZ = zoneinfo.ZoneInfo("America/New_York")


def client_time(moment):
    """How the client's status page writes a time (Django's "D j M, H:i" in the client's zone)."""
    local = moment.astimezone(CLIENT_TZ)
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


@pytest.fixture
def team(db):
    sam = SupervisorFactory(username="sam", first_name="Sam", last_name="Reed")
    fran = StaffProfileFactory(user__username="fran", user__first_name="Fran", user__last_name="Moss",
                               supervisor=sam).user
    alex = StaffProfileFactory(user__username="alex", user__first_name="Alex", user__last_name="Kim",
                               supervisor=sam).user
    return sam, fran, alex


def case_with_a_broken_promise(owner):
    """Planned three hours ago with an hourly phone cadence; the item was done on time (a kept promise),
    the update due two hours ago never came, and the broken-promise sweep has run."""
    with time_machine.travel(timezone.now() - dt.timedelta(hours=3), tick=False):
        client = ClientFactory(name="Dennis Hale", email="dennis@hale.test", time_zone="America/New_York")
        case = advance_to(open_case(owner, client), Step.PLAN, owner)
        plan_ready(case, owner, due_in=dt.timedelta(hours=2))
        case = services.case_transition(user=owner, case=case, name="complete_plan")
        services.action_item_complete(user=owner, item=case.action_items.get())
    promise = case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING)
    _, escalation = services.promise_break(promise=promise, now=timezone.now())
    assert escalation is not None
    return Case.objects.get(pk=case.pk), escalation


def irate_escalation(owner):
    case = open_case(owner, ClientFactory(name="Priya Natarajan"), temperature=Mood.IRATE)
    return services.escalation_raise(user=owner, case=case, reason=EscalationReason.IRATE,
                                     note="Shouting about a second outage this week; wants a manager")


def test_a_supervisor_takes_notes_reassigns_and_resolves_a_broken_promise_escalation(page, live_server, team,
                                                                                      artifacts_dir):
    shot = Shots(page, artifacts_dir / "e2e" / "supervisor" / "queue")
    sam, fran, alex = team
    case, escalation = case_with_a_broken_promise(fran)
    liability = services.escalation_raise(user=fran, case=case, reason=EscalationReason.LIABILITY,
                                          note="Dennis asks who pays for the orders he lost")
    irate = irate_escalation(alex)

    sign_in(page, live_server, sam)
    page.get_by_role("link", name=re.compile("^Supervisor")).click()
    expect(page.get_by_role("heading", name="Escalation queue")).to_be_visible()
    rows = page.locator("table.queue tbody tr")
    expect(rows).to_have_count(2)  # one row per case: Dennis's two escalations share a row
    expect(rows.nth(0)).to_contain_text(irate.case.reference)  # irate outranks an older broken promise
    expect(rows.nth(0)).to_contain_text("Irate client")
    dennis_row = rows.nth(1)
    expect(dennis_row).to_contain_text(case.reference)
    expect(dennis_row).to_contain_text("Dennis Hale")
    expect(dennis_row.locator(".queue__count")).to_have_text("2")
    expect(dennis_row).to_contain_text("Broken promise")
    expect(dennis_row).to_contain_text("Liability question")
    expect(dennis_row.locator(".broken-promise")).to_contain_text(f"“{escalation.promise.source}”")
    expect(dennis_row.locator(".broken-promise")).to_contain_text("to Dennis Hale · held by Fran Moss")
    expect(dennis_row).to_contain_text("Raised by system, Fran Moss")
    shot("queue-irate-first")

    dennis_row.get_by_role("button", name="Take all 2").click()
    expect(page.get_by_role("heading", name=re.compile(f"on {case.reference}"))).to_be_visible()
    expect(page.locator(".message")).to_contain_text(f"You have taken the 2 open escalations on {case.reference}")
    records = page.locator(".escalation-record")
    expect(records).to_have_count(2)
    for record in (records.nth(0), records.nth(1)):
        expect(record).to_contain_text("Taken by a supervisor · Sam Reed")
    expect(page.locator(f"#escalation-{escalation.pk}")).to_contain_text("Broken promise: Update Dennis Hale by phone")

    page.get_by_label("Note:", exact=True).fill("Fran is off sick today; Alex has capacity.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator(".message")).to_contain_text("Note added")
    expect(page.locator(".escalation-record .note")).to_have_count(2)
    expect(page.locator(f"#escalation-{liability.pk} .note")).to_contain_text("Fran is off sick today")
    shot("taken-with-note")

    change = page.locator("#change-case")
    change.get_by_label("New owner").select_option(label="Alex Kim")
    change.get_by_label("Why:", exact=True).fill("Fran is out today; Alex keeps the hourly calls going.")
    change.get_by_label("The client has been told who now handles the case").check()
    change.get_by_role("button", name="Reassign").click()
    expect(page.locator("#reassign_confirm_error")).to_contain_text("Tick the box to confirm")  # nothing moved yet
    change.get_by_label("I understand this hands the case to the person chosen above").check()
    change.get_by_role("button", name="Reassign").click()
    expect(page.locator(".message")).to_contain_text("Case reassigned")
    expect(page.locator(".case-head__people")).to_contain_text("Owner Alex Kim")

    page.get_by_label("How it was resolved").fill("Alex called Dennis with the update and owns the case now.")
    page.get_by_role("button", name="Resolve").click()
    expect(page.locator(".message")).to_contain_text("Escalations resolved.")
    for record in (records.nth(0), records.nth(1)):
        expect(record).to_contain_text("Resolved · Sam Reed")
        expect(record).to_contain_text("Alex called Dennis with the update")
    expect(page.get_by_role("button", name="Resolve")).to_have_count(0)
    shot("resolved")

    case.refresh_from_db()
    assert case.owner == alex
    assert case.watchers.filter(pk=fran.pk).exists()
    for one in (escalation, liability):
        one.refresh_from_db()
        assert one.status == EscalationStatus.RESOLVED
        assert one.supervisor == sam
        assert one.resolution.startswith("Alex called Dennis")
        assert one.notes.get().text.startswith("Fran is off sick")
    assert case.handoffs.get().client_informed
    # What Fran held passed to Alex, but an update about to fall due (the beat after the one she missed,
    # within HANDOVER_MIN_MINUTES) stays on her count: a promise about to break is not handed on.
    handed_at = case.handoffs.get().accepted_at
    assert all(p.due_at <= handed_at + dt.timedelta(minutes=settings.HANDOVER_MIN_MINUTES)
               for p in case.promises.filter(status=PromiseStatus.PENDING, owner=fran, action_item__isnull=True))

    page.get_by_role("link", name=case.reference, exact=True).click()
    timeline = page.locator("#case-timeline")
    expect(timeline).to_contain_text("Escalation resolved")
    expect(timeline).to_contain_text("Alex called Dennis with the update")
    expect(timeline).to_contain_text("Reassigned")
    expect(timeline).to_contain_text("From Fran Moss to Alex Kim")
    expect(timeline).to_contain_text("Escalation taken")
    expect(timeline).to_contain_text("Promise broken")
    shot("case-timeline")

    page.get_by_role("link", name=re.compile("^Supervisor")).click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(irate.case.reference)
    assert Escalation.objects.filter(status=EscalationStatus.RESOLVED).count() == 2


def test_the_team_page_shows_the_promise_keeping_rate_of_the_rep_whose_promise_broke(page, live_server, team,
                                                                                      artifacts_dir):
    shot = Shots(page, artifacts_dir / "e2e" / "supervisor" / "team")
    sam, fran, alex = team
    case_with_a_broken_promise(fran)  # one promise kept (the item), one broken (the update)

    sign_in(page, live_server, sam)
    page.goto(f"{live_server.url}/supervisor/team/")
    expect(page.get_by_role("heading", name="Team numbers")).to_be_visible()
    expect(page.locator(".headline-number")).to_contain_text("Promises kept: 50%")
    expect(page.locator(".headline-number")).to_contain_text("1 kept, 1 broken")
    rate = page.locator("table.measures").first
    fran_row = rate.locator("tr").filter(has=page.get_by_role("rowheader", name="Fran Moss", exact=True))
    expect(fran_row.locator("td.headline")).to_contain_text("50%")
    expect(fran_row.locator("td.headline")).to_contain_text("1 kept / 1 broken")
    alex_row = rate.locator("tr").filter(has=page.get_by_role("rowheader", name="Alex Kim", exact=True))
    if alex_row.count():  # a rep with no promise due shows a dash, not 0%
        expect(alex_row.locator("td.headline")).not_to_contain_text("%")
    shot("team-numbers")


def test_the_owner_makes_a_status_link_that_a_stranger_can_open_without_staff_emails(page, browser, live_server,
                                                                                    team, artifacts_dir):
    shot = Shots(page, artifacts_dir / "e2e" / "supervisor" / "status-link")
    sam, fran, alex = team
    case, _ = case_with_a_broken_promise(fran)

    sign_in(page, live_server, fran)
    page.goto(f"{live_server.url}/cases/{case.reference}/")
    page.get_by_role("link", name="Get a link for the client").click()
    expect(page.get_by_role("heading", name=f"Status link for {case.reference}")).to_be_visible()
    page.get_by_role("button", name="Make a status link").click()
    link = page.get_by_label("Send this link to Dennis Hale:").input_value()
    assert link.startswith(live_server.url)
    expect(page.get_by_role("button", name="Make another link")).to_be_visible()
    shot("link-made")

    stranger = browser.new_context()
    try:
        client_page = stranger.new_page()
        response = client_page.goto(link)
        assert response.status == 200
        expect(client_page.get_by_role("heading", name=f"Case {case.reference}")).to_be_visible()
        answer = client_page.locator(".answer")
        expect(answer).to_have_text(f"Between {client_time(case.eta_earliest)} and {client_time(case.eta_latest)}.")
        body = client_page.locator("body")
        expect(body).to_contain_text("We are working on the fix.")
        expect(body).to_contain_text("America/New_York")
        expect(body).to_contain_text("Fran")
        text = body.inner_text()
        for email in (fran.email, sam.email, alex.email, "@"):
            assert email not in text
        assert "Moss" not in text  # the staff member's surname stays private
        assert "Sign out" not in text and "My cases" not in text
        client_page.screenshot(path=str(shot.folder / "client-page.png"), full_page=True)
    finally:
        stranger.close()


def test_a_rep_who_opens_the_escalation_queue_is_not_allowed(page, live_server, team, artifacts_dir):
    shot = Shots(page, artifacts_dir / "e2e" / "supervisor" / "rep-refused")
    sam, fran, alex = team
    irate_escalation(fran)
    sign_in(page, live_server, fran)
    expect(page.get_by_role("link", name=re.compile("^Supervisor"))).to_have_count(0)

    response = page.goto(f"{live_server.url}/supervisor/")

    assert response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Escalation queue")
    expect(page.get_by_role("link", name="Back to my cases")).to_be_visible()
    shot("not-allowed")
