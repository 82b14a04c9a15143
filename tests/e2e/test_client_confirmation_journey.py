"""The client's own word in a real headless Chromium against the live server: at delivery, Dennis opens
his status page (no login), clicks "It works", and Fran, his rep, sees on the case page that the client
confirmed it and that the deliver gate is met. Screenshots go to test-artifacts/e2e/client-word/."""
import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases import services
from cases.models import ConfirmedBy, Delivery, Step
from tests.cases.helpers import advance_to, open_case
from tests.e2e.browser import Shots, sign_in
from tests.factories import ClientFactory, StaffProfileFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def fran(db):
    return StaffProfileFactory(user__username="fran", user__first_name="Fran", time_zone="Europe/London").user


@pytest.fixture
def at_delivery(fran):
    """Dennis's case at delivery: Fran recorded how recurrence is prevented and the follow-up date, and gave
    Dennis his status link; the client's confirmation is still open."""
    dennis = ClientFactory(name="Dennis Hale", time_zone="Europe/London")
    case = advance_to(open_case(fran, dennis), Step.DELIVER, fran)
    services.delivery_record(user=fran, case=case, verified_with_client=False, client_satisfied=False,
                             prevention_note="Upgrades now run with a tested rollback plan",
                             follow_up_on=timezone.localdate(timezone=dennis.tz) + dt.timedelta(days=7))
    return case, services.status_link_issue(user=fran, case=case).path


def test_dennis_clicks_it_works_and_fran_sees_the_gate_met(page, live_server, fran, at_delivery, artifacts_dir):
    case, link = at_delivery
    folder = artifacts_dir / "e2e" / "client-word"
    dennis_page = page.context.browser.new_context(viewport={"width": 800, "height": 900}).new_page()
    refused = []
    dennis_page.on("console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None)
    dennis_shot = Shots(dennis_page, folder / "dennis")

    dennis_page.goto(f"{live_server.url}{link}")
    expect(dennis_page.get_by_role("heading", name="Does it work for you now?")).to_be_visible()
    dennis_shot("status-page-at-delivery")
    dennis_page.get_by_role("button", name="It works").click()
    expect(dennis_page.locator("#your-answer")).to_contain_text("Thank you: you told us it works")
    dennis_shot("it-works-recorded")

    assert refused == []
    delivery = Delivery.objects.get(case=case)
    assert delivery.confirmed_by == ConfirmedBy.CLIENT and delivery.client_satisfied

    shot = Shots(page, folder / "fran")
    sign_in(page, live_server, fran)
    page.goto(f"{live_server.url}/cases/{case.reference}/")
    expect(page.locator("#blk-delivery")).to_contain_text("confirmed by the client at")
    gate = page.locator("#case-gate")
    expect(gate).to_have_class(re.compile(r"\bgate--ready\b"))
    expect(gate.get_by_role("button", name=re.compile("Delivered and confirmed"))).to_be_visible()
    expect(page.locator("#case-timeline")).to_contain_text("Client confirmed it works")
    shot("fran-sees-the-gate-met")

    gate.get_by_role("button", name=re.compile("Delivered and confirmed")).click()
    expect(page.locator("#case-gate")).to_contain_text("Resolved")
    shot("resolved")
