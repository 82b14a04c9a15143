"""The Content-Security-Policy holds in a real browser: Chromium reports every blocked inline script,
style or eval as a `securitypolicyviolation` event and a console error. A rep and a supervisor walk the
main pages, with the htmx parts working (live search, the My cases filter, the client card's zone
list), and the client opens the status page: not one violation, and the scripts did run."""
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cases.models import Step
from tests.cases.helpers import advance_to, open_case
from tests.e2e.browser import sign_in
from tests.factories import ClientFactory, StaffProfileFactory, SupervisorFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.cspSeen = 0;
document.addEventListener("securitypolicyviolation", function (e) {
  window.cspSeen += 1;
  window.cspViolation(e.violatedDirective + " " + (e.blockedURI || "inline") + " at " + e.documentURI);
});
"""


def watch(page):
    """Every violation on every page this tab opens: the browser's event, and its console errors."""
    seen = []
    page.expose_function("cspViolation", lambda text: seen.append(text))
    page.add_init_script(RECORD_VIOLATIONS)
    page.on("console", lambda msg: seen.append(msg.text)
            if re.search(r"Content.Security.Policy|Refused to", msg.text) else None)
    page.on("pageerror", lambda error: seen.append(f"page error: {error}"))
    return seen


def test_a_rep_a_supervisor_and_the_client_browse_without_a_single_csp_violation(page, live_server):
    supervisor = SupervisorFactory(first_name="Sam")
    rep = StaffProfileFactory(supervisor=supervisor, time_zone="Europe/London").user
    dennis = ClientFactory(name="Dennis Hale", time_zone="UTC")
    case = advance_to(open_case(rep, dennis), Step.PLAN, rep)
    seen = watch(page)
    page.goto(f"{live_server.url}/login/")
    page.evaluate("document.head.insertAdjacentHTML('beforeend', '<style>body { color: red }</style>')")
    page.wait_for_function("window.cspSeen > 0")  # the watch works: an injected style is caught
    expect(page.locator("h1")).to_be_visible()
    assert any("style-src" in line for line in seen), seen
    seen.clear()

    sign_in(page, live_server, rep)
    page.locator("#id_q").fill("Dennis")  # My cases' htmx filter
    expect(page.locator("main")).to_contain_text(case.reference)
    page.goto(f"{live_server.url}/search/")
    page.locator("#id_search_q").fill("dennis hal")  # live search (htmx)
    expect(page.locator("main table tbody tr").first).to_contain_text(case.reference)
    page.goto(f"{live_server.url}{reverse('cases:case_detail', args=[case.reference])}")
    page.locator("#blk-client").get_by_text("Edit Dennis Hale's details").click()  # zone list over htmx
    expect(page.locator('#blk-client select[name="time_zone"] option')).not_to_have_count(2)
    page.goto(f"{live_server.url}{reverse('cases:case_new')}")
    page.goto(f"{live_server.url}{reverse('cases:client_detail', args=[dennis.pk])}")
    page.goto(f"{live_server.url}{reverse('supervisor:status_link', args=[case.reference])}")
    page.get_by_role("button", name=re.compile("status link|another link")).click()
    status_url = page.locator("#status-link").input_value()

    page.context.clear_cookies()
    page.goto(status_url)
    expect(page.locator("h1")).to_be_visible()
    assert page.evaluate("getComputedStyle(document.querySelector('main')).maxWidth") != "none"  # status.css

    boss = page.context.browser.new_context().new_page()
    boss_seen = watch(boss)
    sign_in(boss, live_server, supervisor)
    for path in ("/supervisor/", "/supervisor/team/", "/supervisor/cases/", f"/cases/{case.reference}/"):
        boss.goto(f"{live_server.url}{path}")
        expect(boss.locator("main")).to_be_visible()

    assert seen == [] and boss_seen == []
