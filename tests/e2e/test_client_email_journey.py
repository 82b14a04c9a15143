"""Talking to the client from the case, in a real headless Chromium against the live server: Fran sends
Dennis his hourly update by email from the case page; the outbox sends it (from the team, replies to
the case's signed address); Dennis replies and his reply lands on the case; at delivery Fran asks him
by email to confirm, Dennis opens his status page from that email and clicks "It works", and Fran sees
the gate met. Screenshots go to test-artifacts/e2e/client-email/."""
import datetime as dt
import re
from email.utils import parseaddr

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from cases import services
from cases.models import Channel, ClientMessage, ClientMessageStatus, ItemKind, Step
from cases.services.client_mail import client_mail_read
from mailin.addresses import verify_reply_address
from mailin.services import mail_receive
from notifications.sweeps.outbox import sweep_outbox
from tests.cases.helpers import advance_to, open_case
from tests.e2e.browser import Shots, sign_in
from tests.factories import ClientFactory, StaffProfileFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

UPDATE = "The mail server is restored and orders are coming in again; the website is back within 2 hours."


@pytest.fixture
def fran(db):
    return StaffProfileFactory(user__username="fran", user__first_name="Fran", user__last_name="Lindqvist",
                               time_zone="UTC").user


@pytest.fixture
def dennis(db):
    return ClientFactory(name="Dennis Hale", email="dennis@hale-online.example", time_zone="UTC")


def hourly_by_email(fran, dennis):
    now = timezone.now()
    case = advance_to(open_case(fran, dennis), Step.PLAN, fran)
    services.action_item_create(user=fran, case=case, description="Restore the mail server from backup",
                                kind=ItemKind.FIX, assignee=fran, due_at=now + dt.timedelta(hours=3))
    services.cadence_set(user=fran, case=case, minutes=60, channel=Channel.EMAIL)
    services.eta_set(user=fran, case=case, earliest=now + dt.timedelta(hours=1), latest=now + dt.timedelta(hours=5))
    return services.case_transition(user=fran, case=case, name="complete_plan")


def reply(dennis, to, in_reply_to, text):
    return (f"From: Dennis Hale <{dennis.email}>\r\nTo: {to}\r\nSubject: Re: Update on your case\r\n"
            f"Message-ID: <reply-1@hale-online.example>\r\nIn-Reply-To: {in_reply_to}\r\n"
            "Date: Mon, 02 Mar 2026 10:20:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            f"{text}\r\n\r\nOn Mon, 2 Mar 2026 at 10:05, Fran wrote:\r\n> The mail server is restored\r\n").encode()


def test_fran_emails_dennis_he_replies_and_confirms_it_works_on_his_status_page(page, live_server, fran, dennis,
                                                                               artifacts_dir):
    shot = Shots(page, artifacts_dir / "e2e" / "client-email")
    case = hourly_by_email(fran, dennis)
    sign_in(page, live_server, fran)
    page.goto(f"{live_server.url}/cases/{case.reference}/")

    card = page.locator("#client-messages")
    card.get_by_label("What it is").select_option(label="Status update")
    card.get_by_label("Your message to Dennis Hale").fill(UPDATE)
    card.get_by_label("For a status update: how the client feels now").select_option(label="Anxious")
    card.get_by_role("button", name="Send to the client").click()
    expect(page.locator("#client-messages")).to_contain_text("leaving now")
    shot("update-queued")

    sweep_outbox()
    sent = mail.outbox[-1]
    assert sent.to == [dennis.email] and case.reference in sent.subject
    assert verify_reply_address(parseaddr(sent.extra_headers["Reply-To"])[1]) == case.reference
    message = ClientMessage.objects.get(case=case)
    assert message.status == ClientMessageStatus.SENT
    page.reload()
    expect(page.locator("#client-messages")).to_contain_text("Sent at")
    shot("update-sent")

    mail_receive(reply(dennis, parseaddr(sent.extra_headers["Reply-To"])[1], message.message_id,
                       "Thanks Fran, orders are arriving again. Please keep me posted on the website."),
                 provider="imap")
    page.reload()
    expect(page.locator("#case-timeline")).to_contain_text("orders are arriving again")
    expect(page.locator("#case-timeline")).not_to_contain_text("Fran wrote:")  # the quoted history is trimmed
    shot("dennis-replied")

    for item in case.action_items.filter(status="open"):
        services.action_item_complete(user=fran, item=item)
    case = services.case_transition(user=fran, case=case, name="complete_manage_anxiety")
    services.delivery_record(user=fran, case=case, verified_with_client=False, client_satisfied=False,
                             prevention_note="Upgrades now run with a tested rollback plan",
                             follow_up_on=timezone.localdate() + dt.timedelta(days=7))
    page.reload()
    card = page.locator("#client-messages")
    card.get_by_label("What it is").select_option(label="Ask the client to confirm the fix")
    card.get_by_label("Your message to Dennis Hale").fill("Your website and email are back. Could you check "
                                                          "that everything works for you?")
    card.get_by_role("button", name="Send to the client").click()
    expect(page.locator(".message")).to_contain_text("Sent to the outbox")
    sweep_outbox()
    status_link = re.search(r"https?://\S+/status/\S+/", mail.outbox[-1].body).group(0)

    dennis_page = page.context.browser.new_context().new_page()
    dennis_page.goto(live_server.url + "/" + status_link.split("://", 1)[1].split("/", 1)[1])  # SITE_URL's path
    dennis_page.get_by_role("button", name="It works").click()
    expect(dennis_page.locator("body")).to_contain_text("works")
    Shots(dennis_page, artifacts_dir / "e2e" / "client-email" / "dennis")("dennis-said-it-works")

    page.reload()  # Dennis's email is still unread: the page says so where the button would be
    expect(page.locator("#case-gate")).to_contain_text("Read the client's email first")
    expect(page.get_by_role("button", name=re.compile("Delivered and confirmed"))).to_have_count(0)
    client_mail_read(user=fran, case=case, client_mood="calm")
    page.reload()
    expect(page.locator("#case-gate")).to_contain_text("Delivered and confirmed")
    expect(page.get_by_role("button", name=re.compile("Delivered and confirmed"))).to_be_visible()
    shot("gate-met")
