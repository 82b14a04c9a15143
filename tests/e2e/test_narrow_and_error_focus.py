"""On a phone (375 px) and after a refused full-page form, in a real headless Chromium against the live server.

(a) No page is wider than the phone: wide tables scroll inside their own box (a named region a keyboard can
focus), and the escalation queue's rows become cards under 600 px, so a queued case's Take button is on
screen without scrolling sideways (the card choice, not the scroll box, for the queue).
(b) A new case refused for a "Critical by" date too far out: focus is on that field, a summary at the top of
the form links to it, and what was typed stays; with JavaScript and without (the server writes autofocus).
Screenshots go to test-artifacts/e2e/narrow/."""
import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Case
from tests.e2e.browser import Shots, sign_in
from tests.e2e.test_supervisor_journey import case_with_a_broken_promise, team  # noqa: F401 (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}
WIDTHS = "() => [document.documentElement.scrollWidth, window.innerWidth]"


def _phone(page, javascript=True):
    context = page.context.browser.new_context(viewport=PHONE, java_script_enabled=javascript)
    return context.new_page()


def test_no_page_is_wider_than_a_phone_and_take_stays_on_screen(page, live_server, team, artifacts_dir):
    sam, fran, _alex = team
    case, _ = case_with_a_broken_promise(fran)
    phone = _phone(page)
    shot = Shots(phone, artifacts_dir / "e2e" / "narrow")
    sign_in(phone, live_server, sam)

    too_wide = {}
    for path in ("/", f"/cases/{case.reference}/", "/cases/new/", "/search/?q=dennis", "/supervisor/",
                 "/supervisor/team/?days=30", "/supervisor/cases/", f"/clients/{case.client_id}/"):
        phone.goto(f"{live_server.url}{path}")
        expect(phone.locator("main h1").first).to_be_visible()
        scroll_width, inner_width = phone.evaluate(WIDTHS)
        if scroll_width > inner_width:
            too_wide[path] = scroll_width
        shot(re.sub(r"\W+", "-", path).strip("-") or "my-cases")
    assert too_wide == {}, f"wider than the {PHONE['width']} px phone: {too_wide}"

    # The wide tables scroll in a region the keyboard can reach; the team table does not fit a phone.
    phone.goto(f"{live_server.url}/supervisor/team/?days=30")
    region = phone.get_by_role("region", name=re.compile("Each rep's numbers"))
    expect(region).to_have_attribute("tabindex", "0")
    assert region.evaluate("el => el.scrollWidth > el.clientWidth")

    # The queue: the case is a card, its Take button inside the phone's width.
    phone.goto(f"{live_server.url}/supervisor/")
    row = phone.locator("table.queue tbody tr").filter(has_text=case.reference)
    take = row.get_by_role("button", name=re.compile("^Take"))
    expect(take).to_be_visible()
    box = take.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    open_link = row.get_by_role("link", name="Open")
    open_box = open_link.bounding_box()
    assert open_box["x"] + open_box["width"] <= PHONE["width"], open_box


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_refused_new_case_focuses_the_field_in_error_and_says_so_at_the_top(page, live_server, team,
                                                                             artifacts_dir, javascript):
    _sam, fran, _alex = team
    phone = _phone(page, javascript=javascript)
    sign_in(phone, live_server, fran)
    phone.goto(f"{live_server.url}/cases/new/")
    phone.get_by_label("New client's name").fill("Nadia Okafor")
    phone.get_by_label("The complaint in a line").fill("Invoices print blank since Monday")
    phone.locator("label.choice").filter(has_text=re.compile("^\\s*Upset")).click()
    phone.get_by_label("What is wrong").fill("Every invoice comes out as an empty page")
    too_far = (timezone.localtime() + dt.timedelta(days=3 * 365)).strftime("%Y-%m-%dT%H:%M")
    deadline = phone.locator("#id_impact_deadline")
    deadline.fill(too_far)
    phone.get_by_role("button", name=re.compile("Log the case")).click()

    summary = phone.locator("form .error-summary[role=alert]")
    expect(summary).to_be_visible()
    link = summary.locator('a[href="#id_impact_deadline"]')
    expect(link).to_contain_text("Critical by")
    expect(link).to_contain_text("too far out")
    expect(deadline).to_be_focused()
    assert phone.evaluate("() => document.activeElement.id") == "id_impact_deadline"
    # The summary is the first thing of the form, and on screen once the field is scrolled into view.
    assert summary.evaluate("el => el === el.closest('form').querySelector('.form-errors')")
    expect(deadline).to_be_in_viewport()
    # What was typed stays.
    expect(deadline).to_have_value(too_far)
    expect(phone.get_by_label("New client's name")).to_have_value("Nadia Okafor")
    expect(phone.get_by_label("The complaint in a line")).to_have_value("Invoices print blank since Monday")
    expect(phone.get_by_label("What is wrong")).to_have_value("Every invoice comes out as an empty page")
    Shots(phone, artifacts_dir / "e2e" / "narrow" / ("js" if javascript else "no-js"))("new-case-refused")
    assert not Case.objects.exists()
