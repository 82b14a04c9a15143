"""Whoever hears it, helps, in a real headless Chromium against the live server: Fran is out; Alex finds
Dennis's case by typing "dennis hal", logs Dennis's call on it; Fran sees it on her case; Sam opens the
queue grouped by case, takes the case's escalations, reassigns it, and reads the team page's charts.
Screenshots go to test-artifacts/e2e/team/."""
import re

import pytest
from playwright.sync_api import expect

from cases.models import Case, CaseEvent
from notifications.models import OutboxMessage
from tests.e2e.browser import Shots, sign_in
from tests.e2e.test_supervisor_journey import case_with_a_broken_promise, team  # noqa: F401 (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _new_page(page):
    return page.context.browser.new_context(viewport={"width": 1280, "height": 900}).new_page()


def test_alex_finds_dennis_logs_his_call_fran_sees_it_and_sam_takes_over(page, live_server, team, artifacts_dir):
    shot = Shots(page, artifacts_dir / "e2e" / "team")
    sam, fran, alex = team
    case, _ = case_with_a_broken_promise(fran)

    sign_in(page, live_server, alex)
    page.locator("#id_nav_q").fill("dennis hal")
    page.locator("#id_nav_q").press("Enter")
    results = page.locator("table tbody tr")
    expect(results.first).to_contain_text(case.reference)
    expect(results.first).to_contain_text("Dennis Hale")
    expect(results.first).to_contain_text("Fran Moss")
    shot("search-dennis-hal")

    page.get_by_role("link", name=case.reference).first.click()
    team_card = page.locator("#blk-team")
    expect(team_card).to_contain_text("Took Dennis Hale's call?")
    expect(page.get_by_role("button", name=re.compile("Plan agreed|Save item|Log the update"))).to_have_count(0)
    team_card.get_by_label("What the client said").fill("Dennis called: still no update since this morning, "
                                                          "payroll runs tomorrow")
    team_card.get_by_label("Upset").check()
    team_card.get_by_role("button", name="Log the contact").click()
    expect(page.locator(".message")).to_contain_text("Contact logged")
    shot("contact-logged-by-alex")

    assert CaseEvent.objects.filter(case=case, verb="client contact logged", actor=alex).exists()
    assert OutboxMessage.objects.filter(kind="client_contact_logged", to=[fran.email]).exists()

    fran_page = _new_page(page)
    sign_in(fran_page, live_server, fran)
    fran_page.goto(f"{live_server.url}/cases/{case.reference}/")
    expect(fran_page.locator("#case-timeline")).to_contain_text("payroll runs tomorrow")
    Shots(fran_page, artifacts_dir / "e2e" / "team" / "fran")("fran-sees-the-call")

    sam_page = _new_page(page)
    sam_shot = Shots(sam_page, artifacts_dir / "e2e" / "team" / "sam")
    sign_in(sam_page, live_server, sam)
    sam_page.goto(f"{live_server.url}/supervisor/")
    row = sam_page.locator("table.queue tbody tr").filter(has_text=case.reference)
    expect(row).to_have_count(1)
    row.get_by_role("button", name=re.compile("^Take")).click()
    expect(sam_page.locator(".message")).to_contain_text("You have taken")
    change = sam_page.locator("#change-case")
    change.get_by_label("New owner").select_option(label="Alex Kim")
    change.get_by_label("Why:", exact=True).fill("Fran is out today; Alex took Dennis's call.")
    change.get_by_label("The client has been told who now handles the case").check()
    change.get_by_label("I understand this hands the case to the person chosen above").check()
    change.get_by_role("button", name="Reassign").click()
    expect(sam_page.locator(".message")).to_contain_text("Case reassigned")
    sam_shot("reassigned-to-alex")

    # Fran's page still shows the case as hers: her update, sent with htmx, is refused (403); nothing is
    # swapped, so what she typed stays, and the page says why.
    updates = fran_page.locator("#blk-updates")
    typed = "Restore running now; mail back by three this afternoon"
    updates.get_by_label("What you told the client").fill(typed)
    updates.get_by_label("Calm").check()
    updates.get_by_role("button", name="Log update").click()
    expect(fran_page.locator("#messages .message--error")).to_contain_text("The case is Alex Kim's now")
    expect(updates.get_by_label("What you told the client")).to_have_value(typed)
    Shots(fran_page, artifacts_dir / "e2e" / "team" / "fran")("fran-late-click-refused")

    sam_page.goto(f"{live_server.url}/supervisor/team/")
    expect(sam_page.locator("svg").first).to_be_visible()
    sam_shot("team-page-charts")

    assert Case.objects.get(pk=case.pk).owner == alex
