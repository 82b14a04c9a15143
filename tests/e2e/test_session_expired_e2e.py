"""A rep types an acknowledgement while signed out in another tab: the htmx post is refused (401) without
swapping the sign-in page over the form, the text stays in the form with the reason and a sign-in link,
and once signed in again the same form goes through (cases/session_expired.py, static/js/app.js).
Screenshots go to test-artifacts/e2e/session-expired/ (git-ignored)."""
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cases.models import Step
from tests.cases.helpers import advance_to, open_case
from tests.e2e.browser import Shots, sign_in
from tests.factories import ClientFactory, StaffProfileFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TYPED = "So your shop has been dark since last night and payroll is three days away; thank you for calling."


def test_the_typed_text_survives_an_htmx_post_after_the_session_ended(page, live_server, artifacts_dir):
    rep = StaffProfileFactory(user__username="fran", time_zone="Europe/London").user
    case = advance_to(open_case(rep, ClientFactory(name="Dennis Hale", time_zone="UTC")), Step.ACKNOWLEDGE, rep)
    case_url = f"{live_server.url}{reverse('cases:case_detail', args=[case.reference])}"
    shot = Shots(page, artifacts_dir / "e2e" / "session-expired")
    sign_in(page, live_server, rep)
    page.goto(case_url)
    ack = page.get_by_label("What you said to acknowledge the concern")
    ack.fill(TYPED)
    record = page.get_by_role("button", name="Record acknowledgement")
    other_tab = page.context.new_page()
    other_tab.goto(case_url)
    other_tab.get_by_role("button", name="Sign out").click()
    expect(other_tab.get_by_role("heading", name="Sign in")).to_be_visible()

    record.click()

    alert = page.locator("#messages [role=alert]")
    expect(alert).to_contain_text("you are signed out")
    expect(alert).to_contain_text("What you typed is still in the form.")
    expect(alert.get_by_role("link", name=re.compile("Sign in"))).to_have_attribute(
        "href", f"/login/?next=%2Fcases%2F{case.reference}%2F")
    expect(ack).to_have_value(TYPED)
    expect(page.get_by_label("Password")).to_have_count(0)  # the sign-in page was not swapped in
    shot("signed-out-text-kept")

    sign_in(other_tab, live_server, rep)
    record.click()  # the page's token is from before signing in again: refused, and renewed
    expect(alert).to_contain_text("send it again")
    expect(ack).to_have_value(TYPED)
    record.click()

    expect(page.locator("#blk-ack blockquote")).to_contain_text("payroll is three days away")
    shot("sent-after-signing-in-again")
    assert case.acknowledgements.count() == 1
