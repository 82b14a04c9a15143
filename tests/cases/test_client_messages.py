"""Messages to the client by email from the case (issue 11, outbound), in process: what is written on
the case, what the outbox row carries (From, Reply-To, Message-ID, subject, the status link, no
internal text), quiet hours, the promise, the phrase coach, bounces, and the page's form. The real
worker and SMTP server are in tests/notifications/test_client_mail_delivery.py."""
import datetime as dt
import re
from email.utils import parseaddr

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.urls import reverse

from cases import services
from cases.errors import CaseRuleError
from cases.models import (
    CaseEvent, Channel, ClientMessage, ClientMessageKind, ClientMessageStatus, ItemKind, PromiseKind, PromiseStatus,
    Step,
)
from cases.services.client_messages import client_message_send
from cases.status_links import LinkState, read_link
from mailin.addresses import verify_reply_address
from mailin.services import mail_receive
from notifications.models import OutboxMessage
from notifications.sweeps.outbox import sweep_outbox
from tests.cases.helpers import advance_to, open_case

pytestmark = pytest.mark.django_db

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # Monday 10:00 in London (GMT)
MIN = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
UPDATE = "The mail server is restored and orders are flowing; we expect the website back within 2 hours."


def at(moment):
    return time_machine.travel(moment, tick=False)


def emailed_case(rep, client, *, when=T0, cadence=60):
    """A case in manage_anxiety whose agreed update cadence is by email, built at `when`."""
    with at(when):
        case = advance_to(open_case(rep, client), Step.PLAN, rep)
        services.action_item_create(user=rep, case=case, description="Restore the mail server from backup",
                                    kind=ItemKind.FIX, assignee=rep, due_at=when + 3 * HOUR)
        services.cadence_set(user=rep, case=case, minutes=cadence, channel=Channel.EMAIL)
        services.eta_set(user=rep, case=case, earliest=when + HOUR, latest=when + 5 * HOUR)
        case = services.case_transition(user=rep, case=case, name="complete_plan")
    return case


def send(rep, case, moment, *, kind=ClientMessageKind.UPDATE, text=UPDATE, mood="anxious"):
    with at(moment):
        return client_message_send(user=rep, case=case, kind=kind, text=text, client_mood=mood)


def deliver_at(moment):
    """The outbox's run at `moment`. It sends as of the clock, never a moment it is given (sending is a
    wall-clock act: notifications.sweeps.outbox.sending_moment), so the clock is moved there."""
    with at(moment):
        return sweep_outbox()


def emailed_update_kept(rep, client):
    """An update emailed at 10:50 for the promise due at 11:00 (kept then), sent at 10:51: (case, message,
    the promise it kept)."""
    case = emailed_case(rep, client)
    promise = case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING)
    message = send(rep, case, T0 + 50 * MIN)
    deliver_at(T0 + 51 * MIN)
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.KEPT and promise.due_at == T0 + HOUR
    return case, message, promise


def row_of(message):
    return OutboxMessage.objects.get(key=message.outbox_key)


def test_an_email_update_is_logged_as_the_update_and_keeps_the_promise_when_queued_in_time(rep, dennis):
    case = emailed_case(rep, dennis)
    promise = case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING)

    message = send(rep, case, T0 + 50 * MIN)

    promise.refresh_from_db()
    assert promise.status == PromiseStatus.KEPT and promise.kept_at == T0 + 50 * MIN
    assert message.status_update.channel == Channel.EMAIL and message.status_update.summary == UPDATE
    assert message.status == ClientMessageStatus.QUEUED and message.send_after == T0 + 50 * MIN


def test_the_outbox_row_is_from_the_team_with_the_case_reply_address_and_its_own_message_id(rep, dennis):
    case = emailed_case(rep, dennis)

    message = send(rep, case, T0 + 5 * MIN)

    row = row_of(message)
    assert row.from_email == settings.CLIENT_MAIL_FROM and row.to == [dennis.email]
    assert verify_reply_address(row.headers["Reply-To"]) == case.reference
    assert row.headers["Message-ID"] == message.message_id
    assert case.reference in row.subject
    assert row.coalesce_key == "" and row.next_attempt_at == T0 + 5 * MIN


def test_two_messages_in_a_row_are_never_coalesced(rep, dennis):
    case = emailed_case(rep, dennis)

    first = send(rep, case, T0 + 5 * MIN)
    second = send(rep, case, T0 + 6 * MIN, kind=ClientMessageKind.PLAN,
                  text="Here is our plan: we restore the mail server first, then the website.")

    assert [row_of(m).next_attempt_at for m in (first, second)] == [T0 + 5 * MIN, T0 + 6 * MIN]
    assert {row_of(m).coalesce_key for m in (first, second)} == {""}


def test_quiet_hours_hold_the_email_until_they_end_and_the_promise_still_counts_as_kept(rep, dennis):
    dennis.quiet_hours_start, dennis.quiet_hours_end = dt.time(22), dt.time(7)
    dennis.save()
    evening = dt.datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
    case = emailed_case(rep, dennis, when=evening, cadence=12 * 60)  # due at 06:00 -> 07:00, after the quiet hours
    promise = case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING)
    three_am = dt.datetime(2026, 3, 3, 3, 0, tzinfo=UTC)

    message = send(rep, case, three_am)

    seven_am = dt.datetime(2026, 3, 3, 7, 0, tzinfo=UTC)
    promise.refresh_from_db()
    assert promise.due_at == seven_am and promise.status == PromiseStatus.KEPT
    assert message.send_after == seven_am and row_of(message).next_attempt_at == seven_am
    assert deliver_at(three_am + 5 * MIN) == 0 and mail.outbox == []
    assert deliver_at(seven_am) == 1
    assert mail.outbox[0].to == [dennis.email]


def quiet_hours_set(supervisor, client, moment, start, end, *, said):
    """A supervisor sets the client's quiet hours at `moment`, with the client's words for it."""
    with time_machine.travel(moment, tick=False):
        services.client_update(user=supervisor, client=client, name=client.name, organisation=client.organisation,
                               email=client.email, phone=client.phone, time_zone=client.time_zone,
                               quiet_hours_start=start, quiet_hours_end=end, agreed_channel="phone", agreed_text=said)


def test_an_email_held_by_quiet_hours_waits_for_the_end_of_hours_widened_after_it_was_queued(rep, supervisor, dennis):
    """Held at 03:00 until 07:00; the client then asks not to be contacted before 09:00: the email goes at 09:00."""
    dennis.quiet_hours_start, dennis.quiet_hours_end = dt.time(22), dt.time(7)
    dennis.save()
    case = emailed_case(rep, dennis, when=dt.datetime(2026, 3, 2, 18, 0, tzinfo=UTC), cadence=12 * 60)
    three_am = dt.datetime(2026, 3, 3, 3, 0, tzinfo=UTC)
    message = send(rep, case, three_am)

    quiet_hours_set(supervisor, dennis, three_am + 10 * MIN, dt.time(22), dt.time(9),
                    said="Dennis asked for nothing before nine in the morning")

    nine_am = dt.datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    message.refresh_from_db()
    assert message.send_after == nine_am and row_of(message).next_attempt_at == nine_am
    deliver_at(dt.datetime(2026, 3, 3, 7, 1, tzinfo=UTC))  # the team's notice of the change may go
    assert [m for m in mail.outbox if dennis.email in m.to] == []
    deliver_at(nine_am)
    assert [m.extra_headers["Message-ID"] for m in mail.outbox if dennis.email in m.to] == [message.message_id]


def test_an_email_due_but_not_yet_sent_waits_for_quiet_hours_set_after_it_fell_due(rep, supervisor, dennis):
    """Queued at 19:00 with no quiet hours, the outbox behind; at 21:00 the client asks for nothing
    between 20:00 and 09:00: the email waits for 09:00."""
    case = emailed_case(rep, dennis, when=dt.datetime(2026, 3, 2, 12, 0, tzinfo=UTC), cadence=12 * 60)
    seven_pm = dt.datetime(2026, 3, 2, 19, 0, tzinfo=UTC)
    message = send(rep, case, seven_pm)

    quiet_hours_set(supervisor, dennis, seven_pm + 2 * 60 * MIN, dt.time(20), dt.time(9),
                    said="Dennis asked for nothing in the evening or early morning")

    nine_am = dt.datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    message.refresh_from_db()
    assert row_of(message).next_attempt_at == nine_am and message.send_after == nine_am


def test_when_the_outbox_sends_it_the_message_and_the_timeline_say_when(rep, dennis):
    case = emailed_case(rep, dennis)
    message = send(rep, case, T0 + 5 * MIN)

    deliver_at(T0 + 6 * MIN)

    message.refresh_from_db()
    assert message.status == ClientMessageStatus.SENT and message.sent_at == T0 + 6 * MIN
    assert CaseEvent.objects.filter(case=case, verb="message to the client sent",
                                    data__client_message=message.pk).count() == 1
    sent = mail.outbox[0]
    assert parseaddr(sent.from_email)[1] == parseaddr(settings.CLIENT_MAIL_FROM)[1]
    assert sent.extra_headers["Message-ID"] == message.message_id


def test_the_email_holds_the_live_status_link_issued_once_and_reused(rep, dennis):
    case = emailed_case(rep, dennis)

    first = row_of(send(rep, case, T0 + 5 * MIN)).body_text
    second = row_of(send(rep, case, T0 + 20 * MIN)).body_text

    links = [next(w for w in body.split() if "/status/" in w) for body in (first, second)]
    tokens = [link.rstrip("/").rsplit("/", 1)[1] for link in links]
    with at(T0 + 21 * MIN):
        assert [read_link(t).state for t in tokens] == [LinkState.LIVE, LinkState.LIVE]
    assert CaseEvent.objects.filter(case=case, verb="client status link issued").count() == 1


def test_the_client_reads_only_what_the_rep_wrote_for_them(rep, dennis):
    rep.first_name, rep.last_name = "Fran", "Lindqvist"
    rep.save()
    case = emailed_case(rep, dennis)
    case.refresh_from_db()
    internal = [case.summary, case.root_problem, case.concerns.first().impact, rep.email, rep.last_name]

    row = row_of(send(rep, case, T0 + 5 * MIN))

    for text in internal:
        assert text not in row.body_text and text not in row.body_html and text not in row.subject
    assert UPDATE in row.body_text and "Fran" in row.body_text  # the handler, by first name only


def test_markup_in_the_message_is_escaped_in_the_html_part(rep, dennis):
    case = emailed_case(rep, dennis)

    row = row_of(send(rep, case, T0 + 5 * MIN, text="We are on it <script>alert('x')</script> and back in 2 hours"))

    assert "<script>" not in row.body_html and "&lt;script&gt;" in row.body_html
    assert "<script>alert('x')</script>" in row.body_text  # the plain-text part is not HTML


def test_the_plan_message_gives_the_estimate_range_in_the_clients_time(rep, dennis):
    case = emailed_case(rep, dennis)
    case.refresh_from_db()

    row = row_of(send(rep, case, T0 + 5 * MIN, kind=ClientMessageKind.PLAN,
                      text="We restore the mail server first, then bring the website back."))

    assert f"between {case.eta_earliest.astimezone(dennis.tz):%H:%M} GMT and" in row.body_text
    assert "every hour by email" in row.body_text


def test_a_message_the_step_does_not_allow_is_refused(rep, dennis):
    case = emailed_case(rep, dennis)

    with pytest.raises(CaseRuleError, match="deliver"):
        send(rep, case, T0 + 5 * MIN, kind=ClientMessageKind.DELIVERY, text="Please check that it works now.")

    assert not ClientMessage.objects.exists()


def test_a_client_without_an_email_address_cannot_be_written_to(rep, dennis):
    case = emailed_case(rep, dennis)
    dennis.email = ""
    dennis.save()

    with pytest.raises(CaseRuleError, match="no email address"):
        send(rep, case, T0 + 5 * MIN)

    assert not OutboxMessage.objects.filter(kind="client_message").exists()


def _bounce(message_id, recipient, action="failed"):
    return (f"From: Mail Delivery Subsystem <mailer-daemon@mx.example.net>\r\nTo: {settings.CLIENT_MAIL_FROM}\r\n"
            "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-1@mx.example.net>\r\n"
            "Date: Mon, 02 Mar 2026 10:10:00 +0000\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n\r\n'
            "--b1\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
            "--b1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.net\r\n\r\n"
            f"Final-Recipient: rfc822; {recipient}\r\nAction: {action}\r\nStatus: 5.1.1\r\n"
            "Diagnostic-Code: smtp; 550 5.1.1 No such mailbox\r\n\r\n"
            "--b1\r\nContent-Type: text/rfc822-headers\r\n\r\n"
            f"Message-ID: {message_id}\r\nSubject: Update on your case\r\n\r\n--b1--\r\n").encode()


def test_a_bounce_naming_our_message_id_marks_it_bounced_shows_it_and_tells_the_owner(rep, dennis):
    case = emailed_case(rep, dennis)
    message = send(rep, case, T0 + 5 * MIN)
    deliver_at(T0 + 6 * MIN)

    receipt = mail_receive(_bounce(message.message_id, message.to_email), provider="imap")

    message.refresh_from_db()
    assert message.status == ClientMessageStatus.BOUNCED and "No such mailbox" in message.error
    assert receipt.message.case == case
    assert CaseEvent.objects.filter(case=case, verb="message to the client bounced").count() == 1
    assert OutboxMessage.objects.filter(kind="client_message_failed", to=[rep.email]).count() == 1


def test_a_delay_report_is_not_a_bounce(rep, dennis):
    case = emailed_case(rep, dennis)
    message = send(rep, case, T0 + 5 * MIN)

    mail_receive(_bounce(message.message_id, message.to_email, action="delayed"), provider="imap")

    message.refresh_from_db()
    assert message.status == ClientMessageStatus.QUEUED


# --- Threading -------------------------------------------------------------------------------------
PLAN_TEXT = "Here is our plan: we restore the mail server first, then the website."


def _client_writes(case, client, moment, message_id):
    raw = (f"From: Dennis <{client.email}>\r\nTo: {row_of(case.client_messages.first()).headers['Reply-To']}\r\n"
           f"Subject: Re: Update on your case\r\nMessage-ID: {message_id}\r\n"
           f"In-Reply-To: {case.client_messages.last().message_id}\r\n"
           "Date: Mon, 02 Mar 2026 10:30:00 +0000\r\n\r\nThanks, is the shop back yet?\r\n").encode()
    with at(moment):
        return mail_receive(raw, provider="imap")


def test_the_first_message_starts_the_thread_and_each_later_one_names_the_root_and_the_one_before(rep, dennis):
    case = emailed_case(rep, dennis)

    first = send(rep, case, T0 + 5 * MIN)
    second = send(rep, case, T0 + 20 * MIN, kind=ClientMessageKind.PLAN, text=PLAN_TEXT)
    third = send(rep, case, T0 + 50 * MIN)

    assert "In-Reply-To" not in row_of(first).headers and "References" not in row_of(first).headers
    assert row_of(second).headers["In-Reply-To"] == first.message_id
    assert row_of(second).headers["References"] == first.message_id
    assert row_of(third).headers["In-Reply-To"] == second.message_id
    assert row_of(third).headers["References"].split() == [first.message_id, second.message_id]


def test_after_the_client_wrote_the_next_message_replies_to_their_latest_email(rep, dennis):
    case = emailed_case(rep, dennis)
    first = send(rep, case, T0 + 5 * MIN)
    assert _client_writes(case, dennis, T0 + 10 * MIN, "<older@dennis.example>").outcome == "posted"
    assert _client_writes(case, dennis, T0 + 30 * MIN, "<latest@dennis.example>").outcome == "posted"

    answer = send(rep, case, T0 + 40 * MIN)

    headers = row_of(answer).headers
    assert headers["In-Reply-To"] == "<latest@dennis.example>"
    assert headers["References"].split() == [first.message_id, "<latest@dennis.example>"]


def test_the_thread_headers_reach_the_client_s_mail_program(rep, dennis):
    case = emailed_case(rep, dennis)
    first = send(rep, case, T0 + 5 * MIN)
    second = send(rep, case, T0 + 20 * MIN)

    deliver_at(T0 + 21 * MIN)

    sent = next(m for m in mail.outbox if m.extra_headers["Message-ID"] == second.message_id)
    assert sent.extra_headers["In-Reply-To"] == first.message_id
    assert sent.message()["References"] == first.message_id


def test_the_references_stay_short_on_a_long_case(rep, dennis):
    case = emailed_case(rep, dennis, cadence=5)
    sent = [send(rep, case, T0 + (i + 1) * MIN) for i in range(14)]

    references = row_of(sent[-1]).headers["References"].split()

    assert len(references) == 10
    assert references[0] == sent[0].message_id and references[-1] == sent[-2].message_id


# --- The page --------------------------------------------------------------------------------------
def _post(client, case, **data):
    return client.post(reverse("cases:client_message_send", args=[case.reference]), data)


def test_the_coach_warns_before_sending_and_the_rep_can_still_send(rep, dennis, rep_client):
    case = emailed_case(rep, dennis)
    text = "Whose fault was it? We are looking into it and will be in touch."

    with at(T0 + 5 * MIN):
        shown = _post(rep_client, case, kind="update", text=text, client_mood="anxious")
    assert shown.status_code == 200 and "Send anyway" in shown.content.decode()
    assert "Phrase coach" in shown.content.decode() and not ClientMessage.objects.exists()

    with at(T0 + 6 * MIN):
        sent = _post(rep_client, case, kind="update", text=text, client_mood="anxious", send_anyway="on")

    assert sent.status_code == 302
    codes = {w["code"] for w in ClientMessage.objects.get().coach_warnings}
    assert {"blame", "no_time"} <= codes


@pytest.mark.parametrize("text, error", [("", "This field is required"), ("word " * 900, "Keep it under")])
def test_an_empty_or_too_long_message_is_a_form_error(rep, dennis, rep_client, text, error):
    case = emailed_case(rep, dennis)

    with at(T0 + 5 * MIN):
        response = _post(rep_client, case, kind="update", text=text, client_mood="anxious")

    assert response.status_code == 422 and error in response.content.decode()
    assert not ClientMessage.objects.exists()


def test_someone_who_does_not_work_the_case_cannot_write_to_the_client(rep, dennis, other_rep, client):
    case = emailed_case(rep, dennis)
    client.force_login(other_rep)

    with at(T0 + 5 * MIN):
        response = _post(client, case, kind="update", text=UPDATE, client_mood="anxious")

    assert response.status_code == 403 and not ClientMessage.objects.exists()


def test_the_update_form_with_send_by_email_sends_the_update_to_the_client(rep, dennis, rep_client):
    case = emailed_case(rep, dennis)

    with at(T0 + 5 * MIN):
        page = rep_client.get(reverse("cases:case_detail", args=[case.reference])).content.decode()
        response = rep_client.post(reverse("cases:update", args=[case.reference]),
                                   {"text": UPDATE, "channel": "email", "client_mood": "anxious", "send_email": "on"})

    assert re.search(r'<input type="checkbox" name="send_email"[^>]*checked', page)  # the agreed channel is email
    assert response.status_code == 302
    message = ClientMessage.objects.get()
    assert message.kind == ClientMessageKind.UPDATE and message.status_update.summary == UPDATE


def test_the_case_page_shows_the_message_and_when_it_left(rep, dennis, rep_client):
    case = emailed_case(rep, dennis)
    send(rep, case, T0 + 5 * MIN)
    deliver_at(T0 + 6 * MIN)

    with at(T0 + 7 * MIN):
        page = rep_client.get(reverse("cases:case_detail", args=[case.reference])).content.decode()

    assert "Message the client" in page and "Sent at" in page and UPDATE[:40] in page
