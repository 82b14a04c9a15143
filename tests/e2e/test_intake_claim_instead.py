"""The client emailed, then called (one complaint, one case): picking them on New case shows the case their email
opened, nobody owning it yet; its "Claim … instead" opens the case in a new tab, where the rep claims it, and
the intake form keeps what was typed (found by a red team: a claim posted from the form dropped it)."""
import re

import pytest
from playwright.sync_api import expect

from cases.models import Case
from cases.services.client_mail import case_open_from_mail
from tests.e2e.browser import sign_in
from tests.factories import ClientFactory, StaffProfileFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_rep_claims_the_emailed_case_from_the_intake_form(page, live_server):
    fran = StaffProfileFactory(user__username="fran", user__first_name="Fran").user
    dennis = ClientFactory(name="Dennis Hale", email="dennis@shop.example")
    emailed = case_open_from_mail(sender="dennis@shop.example", sender_name="Dennis Hale", subject="Shop is down",
                                  text="Nothing loads since this morning.")
    sign_in(page, live_server, fran)

    page.get_by_role("link", name=re.compile("New case")).first.click()
    page.get_by_label("Existing client").select_option(str(dennis.pk))
    page.get_by_label("The complaint in a line").fill("Shop down since this morning")
    with page.context.expect_page() as opened:
        page.get_by_role("link", name=f"Claim {emailed.reference} instead").click()
    tab = opened.value
    tab.get_by_role("button", name="Claim this case").click()

    expect(tab.get_by_role("heading", name="Shop is down")).to_be_visible()
    assert Case.objects.get(pk=emailed.pk).owner_id == fran.pk and Case.objects.count() == 1
    expect(page.get_by_label("The complaint in a line")).to_have_value("Shop down since this morning")
