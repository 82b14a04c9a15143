"""Messages to the client by email, written on the case and sent through the outbox (issue 11,
outbound). The rules, here and only here:

- What may be sent when: each kind stands for a record of the recipe (KIND_RECORD), and the case's
  step allows it or not (cases.workflow). The plan needs its estimate; the client needs an address.
- The client reads what the rep wrote for them and nothing internal: the text, the case reference,
  the handler's first name, for the plan the estimate range and the agreed cadence, their status link
  (the live one, or one issued now when none is live; an email still waiting to leave when a new link
  is issued is withdrawn and queued again with it: client_messages_relink_held) and how to reply. Never
  the summary, the concerns, a colleague's name or address, or a coach warning.
- A status update sent by email is logged as the update (status_update_log: the promise rule lives
  there), given when it was queued: it keeps the promise when queued before the deadline, even if the
  client's quiet hours hold the email back. Withdrawn before it left, bounced, or given up by the outbox
  after its retries, it was never given, and the promise it kept is not kept (updates_undone.status_update_not_given,
  once per update), unless it is queued again with a new link (client_messages_relink_held). An
  acknowledgement sent by email is recorded as the acknowledgement.
- It leaves at the first moment outside the client's quiet hours (cases.schedule), never at 3 am
  their time; from settings.CLIENT_MAIL_FROM, with the case's signed reply address as Reply-To, a
  Message-ID of its own and the case reference in the subject. It is never coalesced with anything.
- It threads in the client's mail program (`thread_headers`): every message after the case's first
  carries References (the first message's Message-ID as the thread's root, then the latest ones) and
  In-Reply-To: the client's latest email on the case (mailin links it to the case) if they wrote to
  us, else our latest message. A reply naming one of these ids is matched to the case by mailin
  (`case_for_references`), only when its sender is the case's client (cases.services.client_mail).
- What became of it comes back through the port (cases.notices): sent (with when), failed after the
  outbox's retries, or bounced (mailin links a delivery report that names its Message-ID). Failed and
  bounced show on the case and tell the owner (and co-owner)."""
import datetime as dt
import re
import uuid
from email.utils import parseaddr

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from .. import notices
from ..client_word import current_survey, survey_refusal
from ..errors import CaseRuleError
from ..formatting import case_context, local_time
from ..models import Channel, ClientMessage, ClientMessageKind, ClientMessageStatus
from ..models.client_messages import ERROR_TEXT, KIND_RECORD, MESSAGE_TEXT
from ..schedule import next_allowed_for_client
from ..status_links import (
    Estimate, estimate_shown, excerpt, final_page_until, handler_first_name, issued_link_until, live_link_path,
    make_token, max_age,
)
from ..text import NOTE, require_substance
from ..workflow import ensure_allows
from .common import coach_warnings, ensure_can_work, event_record, lock_case
from .status_links import status_link_issue
from .steps import acknowledgement_record
from .updates import status_update_log
from .updates_undone import status_update_not_given

K = ClientMessageKind
OUTBOX_KIND = "client_message"  # templates/emails/client_message.*
KEY_PREFIX = notices.WATCHED_KEY_PREFIX
# The phrase coach's context for each kind (playbook.coach): an update and the plan must say when.
COACH_CONTEXT = {
    K.UPDATE: "status_update", K.ACKNOWLEDGEMENT: "acknowledgement", K.PLAN: "status_update",
    K.DELIVERY: "acknowledgement", K.FOLLOW_UP: "acknowledgement",
}
SUBJECTS = {
    K.UPDATE: "Update on your case {ref}",
    K.ACKNOWLEDGEMENT: "We have your complaint: case {ref}",
    K.PLAN: "Our plan and estimate for case {ref}",
    K.DELIVERY: "Is it fixed? Please confirm: case {ref}",
    K.FOLLOW_UP: "Following up on case {ref}",
}
QUEUED_VERB = "message to the client queued"
SENT_VERB = "message to the client sent"
UNDELIVERED_VERBS = {ClientMessageStatus.FAILED: "message to the client failed",
                     ClientMessageStatus.BOUNCED: "message to the client bounced"}


def coach_check(text, kind):
    """The phrase coach's warnings on a message before it is sent (they never block)."""
    return coach_warnings(text, COACH_CONTEXT.get(kind, "acknowledgement")) if (text or "").strip() else []


def _client_address(case):
    address = (case.client.email or "").strip()
    if not address:
        raise CaseRuleError(f"{case.client.name} has no email address: add it to the client's details first.")
    return address


def _message_id(reference):
    domain = parseaddr(settings.CLIENT_MAIL_FROM)[1].rpartition("@")[2] or "casetracker.invalid"
    return f"<client.{uuid.uuid4().hex}.{reference.lower()}@{domain}>"


THREAD_REFERENCES = 10  # the root and the latest ones: the header stays short on a long case
_THREAD_ID = re.compile(r"^<[^<>\s]{1,250}>$")


def thread_headers(case):
    """In-Reply-To and References for the case's next message to the client ({} for the first one):
    the root is our first message (or, if the client wrote first, their first email we kept); the
    parent is the client's latest email on the case, else our latest message. Four queries at most,
    whatever the number of messages. Ids we made up for mail that had none are never named."""
    ours = case.client_messages.order_by("queued_at", "id").values_list("queued_at", "message_id")
    first, latest = ours.first(), list(ours.reverse()[: THREAD_REFERENCES - 1])[::-1]
    theirs = _client_emails(case)
    clients_first = theirs.order_by("received_at", "id").values_list("received_at", "message_id").first()
    clients_latest = theirs.order_by("-received_at", "-id").values_list("received_at", "message_id").first()
    if first is None and clients_latest is None:
        return {}
    root = first if first is not None and (clients_first is None or first[0] <= clients_first[0]) else clients_first
    thread = sorted({root, *latest, *([clients_latest] if clients_latest else [])}, key=lambda pair: pair[0])
    ids = list(dict.fromkeys(mid for _, mid in thread if _THREAD_ID.match(mid or "")))
    ids = ids[:1] + ids[1:][-(THREAD_REFERENCES - 1):]
    parent = clients_latest or latest[-1]
    headers = {"References": " ".join(ids)}
    if _THREAD_ID.match(parent[1] or ""):
        headers["In-Reply-To"] = parent[1]
    return headers if ids else {}


def _client_emails(case):
    """The client's own emails kept on the case (the mailin app's rows, read through their relation to
    the case, so that this app does not import it): from the client's address, with a real Message-ID."""
    address = (case.client.email or "").strip()
    rows = case.inbound_messages.filter(sender__iexact=address) if address else case.inbound_messages.none()
    return rows.exclude(message_id__endswith="@mailin.invalid>")


def case_for_references(message_ids):
    """The case one of our messages to a client with one of these Message-IDs belongs to, or None (a
    reply whose reply address was rewritten on the way still names them in In-Reply-To/References).
    Whether the reply may be posted there is client_mail.post_refusal's to say."""
    ids = [m for m in message_ids if m]
    if not ids:
        return None
    found = (ClientMessage.objects.filter(message_id__in=ids).select_related("case__client", "case__owner")
             .order_by("-queued_at").first())
    return found.case if found is not None else None


# A live link reused in a client email has at least this long to run after the email may leave (found by an
# audit: an email held for the client's quiet hours arrived with a link that had expired overnight).
LINK_MARGIN = dt.timedelta(days=1)


def _status_link(case, user, now, send_after=None):
    """(url, expires_at) of the client's status link: the live one, reused (one live link per case;
    a new one would revoke the link in every earlier email) while it runs LINK_MARGIN past when the email may
    leave (`send_after`); one issued now when none does (the emails still waiting are relinked with it); the
    final "resolved" page of a closed case while it shows; else ("", None)."""
    base = settings.SITE_URL.rstrip("/")
    if case.is_open:
        just_issued = case.status_link_issued_at is not None and case.status_link_issued_at >= now
        if issued_link_until(case, now) is None or (  # one issued this instant is used (relink_held: no loop)
                not just_issued and issued_link_until(case, max(now, send_after or now) + LINK_MARGIN) is None):
            issued = status_link_issue(user=user, case=case)
            return issued.url, issued.expires_at
        return base + live_link_path(case), case.status_link_issued_at + max_age()
    until = final_page_until(case, now)
    if until is None:
        return "", None
    token = make_token(case, version=case.status_link_final_version)
    return base + reverse("client_status", kwargs={"token": token}), until


def _every(minutes):
    for size, word in ((1440, "day"), (60, "hour"), (1, "minute")):
        if minutes % size == 0:
            n = minutes // size
            return f"every {word}" if n == 1 else f"every {n} {word}s"
    return f"every {minutes} minutes"


def _plan_context(case, now, send_after):
    """The plan's range as the client will read it when the email leaves (`send_after`): the estimate they
    hold (status_links.estimate_shown, as their status page shows it), refused once its end has gone by then
    (found by an audit: a plan sent after the sweep broke the estimate, or held overnight past it, told the
    client a range already missed); times worded for that day."""
    if not (case.eta_earliest and case.eta_latest):
        raise CaseRuleError("Give the estimate first: the plan tells the client the range.", field="kind")
    if estimate_shown(case, send_after) != Estimate.RANGE:
        held = (f" (held for their quiet hours until {local_time(send_after, case.client.tz, now=now)})"
                if send_after > now else "")
        raise CaseRuleError(f"The estimate's end ({local_time(case.eta_latest, case.client.tz, now=now)}) will have "
                            f"passed when this reaches the client{held}: agree a new estimate with them first, then "
                            "send the plan.", field="kind")
    tz = case.client.tz
    context = {"eta_earliest": local_time(case.eta_earliest, tz, now=send_after),
               "eta_latest": local_time(case.eta_latest, tz, now=send_after)}
    if case.cadence_minutes and case.cadence_channel:
        channel = Channel(case.cadence_channel).label.lower()
        context["cadence"] = (f"{_every(case.cadence_minutes)} by {channel}"
                              + (", during business hours" if case.cadence_business_hours_only else ""))
    return context


def _record(*, user, case, kind, text, client_mood, client_line, now):
    """The record the message stands for: the status update (the promise rule) or the acknowledgement."""
    if kind == K.UPDATE:
        return status_update_log(user=user, case=case, summary=text, channel=Channel.EMAIL, client_mood=client_mood,
                                 given_at=now, client_line=client_line or excerpt(text))
    if kind == K.ACKNOWLEDGEMENT:
        acknowledgement_record(user=user, case=case, text=text)
    return None


def _ensure_follow_up_waiting(case):
    """A follow-up message belongs to the follow-up call still owed on this resolution (the one rule:
    delivery.follow_up_waiting): none on a case closed by override, none once the call is logged."""
    from .delivery import follow_up_waiting

    if follow_up_waiting(case)[1] is None:
        raise CaseRuleError("There is no follow-up call waiting on this case, so no follow-up message to send.",
                            field="kind")


@transaction.atomic
def client_message_send(*, user, case, kind, text, client_mood="", client_line="", system=False):
    """Write a message to the client on the case and queue it for them by email. Returns the
    ClientMessage (queued; `send_after` says when it may leave). `client_line`: for an update, the line
    on the status page (else the start of the text). `system`: sent by the tracker itself as part of
    another action (the survey invitation when the follow-up is logged), so never charged to the
    rep's email limit: that action must not fail for it."""
    case = lock_case(case)
    ensure_can_work(user, case)
    if kind not in K.values:
        raise CaseRuleError("Choose what kind of message this is.", field="kind")
    kind = K(kind)
    ensure_allows(case, KIND_RECORD[kind])
    if kind == K.FOLLOW_UP and not system:
        _ensure_follow_up_waiting(case)
    to = _client_address(case)
    text = require_substance(text, field="text", limit=MESSAGE_TEXT,
                             message="Write the message the client will read.")
    now = timezone.now()
    send_after = next_allowed_for_client(now, case.client)
    extra = _plan_context(case, now, send_after) if kind == K.PLAN else {}
    update = _record(user=user, case=case, kind=kind, text=text, client_mood=client_mood, client_line=client_line,
                     now=now)
    message = _queue(case=case, user=user, kind=kind, text=text, to=to, now=now, send_after=send_after,
                     update=update, warnings=coach_check(text, kind), extra=extra, system=system)
    _record_queued(case=case, actor=user, message=message, now=now)
    return message


def _queue(*, case, user, kind, text, to, now, send_after, update, warnings, extra, system, created_by=None):
    """Create the ClientMessage and its outbox row, the email rendered now with the client's status link as
    it is now (_status_link)."""
    link, link_until = _status_link(case, user, now, send_after)
    subject = SUBJECTS[kind].format(ref=case.reference)
    thread = thread_headers(case)
    message = ClientMessage.objects.create(
        case=case, kind=kind, body=text, to_email=to, subject=subject, outbox_key=f"{KEY_PREFIX}{uuid.uuid4().hex}",
        message_id=_message_id(case.reference), queued_at=now, send_after=send_after, status_update=update,
        coach_warnings=warnings, created_by=created_by or user)
    context = {"subject": subject, "kind": kind.value, "client_name": case.client.name, "text": text,
               "case_ref": case.reference, "handler": handler_first_name(case), "team": settings.CLIENT_LINK_TEAM_NAME,
               "status_url": link,
               "status_until": local_time(link_until, case.client.tz, now=send_after) if link else "",
               "survey": bool(link) and kind == K.FOLLOW_UP and survey_refusal(case) is None
               and current_survey(case) is None, **extra}
    notices.send_direct(key=message.outbox_key, kind=OUTBOX_KIND, to=[to], context=context, case=case,
                        from_email=settings.CLIENT_MAIL_FROM, not_before=send_after, system=system,
                        headers={"Reply-To": notices.reply_address(case.reference), "Message-ID": message.message_id,
                                 **thread})
    return message


def _record_queued(*, case, actor, message, now, again=None):
    """The timeline line of a queued message (`again`: the withdrawn one it stands in for)."""
    held = message.send_after > now
    note = (f"{message.get_kind_display()} emailed to {message.to_email}"
            + (" again, with the client's new status link" if again is not None else "")
            + (f", held until {local_time(message.send_after, case.client.tz, now=now)} (the client's quiet hours)"
               if held else "") + f": {message.body}")
    data = {"client_message": message.pk, "kind": message.kind, "send_after": message.send_after.isoformat(),
            "coach_warnings": message.coach_warnings}
    if again is not None:
        data["replaces"] = again.pk
    event_record(case=case, actor=actor, verb=QUEUED_VERB, note=note[:NOTE], data=data)


def status_update_give(*, user, case, summary, channel, client_mood, given_at=None, client_line="",
                       send_email=False):
    """The update form: an update given some other way is logged; with "Send to the client by email" its
    text goes to the client as an email and is logged as the update (channel email, given now)."""
    if send_email:
        return client_message_send(user=user, case=case, kind=K.UPDATE, text=summary, client_mood=client_mood,
                                   client_line=client_line)
    return status_update_log(user=user, case=case, summary=summary, channel=channel, client_mood=client_mood,
                             given_at=given_at, client_line=client_line)


# --- What became of it (called through cases.notices by the outbox, and by mailin) ------------------
def client_messages_sent(*, keys, at):
    """The outbox handed these messages to the mail server at `at` (inside its transaction)."""
    rows = ClientMessage.objects.filter(outbox_key__in=keys).exclude(
        status__in=[ClientMessageStatus.SENT, ClientMessageStatus.BOUNCED])
    for message in rows.select_related("case"):
        message.status, message.sent_at = ClientMessageStatus.SENT, at
        message.save(update_fields=["status", "sent_at"])
        event_record(case=message.case, actor=None, verb=SENT_VERB,
                     note=f"{message.get_kind_display()} sent to {message.to_email}.",
                     data={"client_message": message.pk, "sent_at": at.isoformat()})


def client_messages_rehold(client, actor):
    """The client's quiet hours or time zone changed: their emails still waiting leave at the new hours'
    end, never inside them (the outbox moves its rows: notices.retime_direct_for_client), and each message
    says when it leaves. Moved later, they are checked again as when they were written (found by a red team):
    on an open case whose status link would not run a day past the last of them (LINK_MARGIN), a new link is
    issued by `actor` (the one changing the client's hours: a supervisor or the owner of every open case), which
    queues each again with it (a plan whose estimate will then have passed is withdrawn); otherwise a plan
    whose estimate will have passed when it now leaves is withdrawn."""
    moved = notices.retime_direct_for_client(client)
    waiting = list(ClientMessage.objects.filter(outbox_key__in=list(moved), status=ClientMessageStatus.QUEUED)
                   .select_related("case__client"))
    for message in waiting:
        message.send_after = moved[message.outbox_key]
    ClientMessage.objects.bulk_update(waiting, ["send_after"])
    now = timezone.now()
    for case in {m.case for m in waiting if m.case.is_open}:
        held = [m for m in waiting if m.case_id == case.pk]
        if issued_link_until(case, max(m.send_after for m in held) + LINK_MARGIN) is None:
            status_link_issue(user=actor, case=case)
            continue
        stale = [m for m in held if m.kind == K.PLAN and _plan_when_it_leaves(case, now, m) is None]
        _withdraw(case=case, actor=actor, messages=stale,
                  why="the client's new hours hold it until after the plan's estimate has passed: agree a new "
                      "estimate with the client, then send the plan again.")


def client_messages_withdraw_held(*, case, actor, why):
    """Emails to the client on `case` not sent yet (held for their quiet hours, waiting for a retry, or
    given up after their retries, which the outbox's "retry now" would revive) are taken back when the
    case is closed (resolved or by override), changes hands (a handoff, a reassignment, a claim) or the
    client's address changes: written for a case that was still being worked, by its previous handler
    with a status link that no longer opens, or for an address that is no longer theirs. Each is marked
    withdrawn, with a line on the timeline; one going out this very instant goes. An update among them
    was never given to the client: the promise it kept stands again, or is broken if its deadline passed
    while it waited (updates_undone.status_update_not_given)."""
    waiting = case.client_messages.filter(status__in=[ClientMessageStatus.QUEUED, ClientMessageStatus.FAILED])
    _withdraw(case=case, actor=actor, messages=list(waiting), why=why)


def client_messages_relink_held(*, case, actor, now):
    """A new status link was just issued for the open `case` (status_links.status_link_issue, the one
    place a link is issued; the caller holds the row lock), so the link every email still waiting to leave
    was written with no longer opens (found by a review: an update held for the client's quiet hours
    reached them with a dead link). Each queued one (held for the quiet hours, or waiting for a retry) is
    taken back, marked withdrawn with a line on the timeline, and queued again as it was (text, address,
    not before the same time, the update it stands for) with the new link: one email still leaves, never
    two. One going out this very instant goes as it is, and is not queued again. One given up after its
    retries is only withdrawn: the outbox's "retry now" would have sent it with the dead link."""
    waiting = list(case.client_messages.filter(status__in=[ClientMessageStatus.QUEUED, ClientMessageStatus.FAILED]))
    gave_up = [m for m in waiting if m.status == ClientMessageStatus.FAILED]
    _withdraw(case=case, actor=actor, messages=gave_up,
              why="the client's status link was replaced, so its link no longer opens (send it again if it still "
                  "holds).")
    queued = [m for m in waiting if m.status == ClientMessageStatus.QUEUED]
    plans = {m.pk: _plan_when_it_leaves(case, now, m) for m in queued if m.kind == K.PLAN}
    _withdraw(case=case, actor=actor, messages=[m for m in queued if plans.get(m.pk) is None and m.pk in plans],
              why="the client's status link was replaced, and the plan's estimate will have passed when it reaches "
                  "them: agree a new estimate with the client, then send the plan again.")
    queued = [m for m in queued if m.pk not in plans or plans[m.pk] is not None]
    for old in _withdraw(case=case, actor=actor, messages=queued, queued_again=True,
                         why="the client's status link was replaced; it is queued again with the new link."):
        update, old.status_update = old.status_update, None  # the update it stands for moves to the new one
        old.save(update_fields=["status_update"])
        kind = K(old.kind)
        extra = plans.get(old.pk) or {}
        again = _queue(case=case, user=actor, kind=kind, text=old.body, to=old.to_email, now=now,
                       send_after=old.send_after, update=update, warnings=old.coach_warnings, extra=extra,
                       system=True, created_by=old.created_by)
        _record_queued(case=case, actor=actor, message=again, now=now, again=old)


def _plan_when_it_leaves(case, now, message):
    """The plan context of a waiting plan email as it would read when it leaves, or None when its estimate
    will have passed by then (_plan_context refuses): relinked, it is withdrawn instead of queued again (found
    by a red team: the relink called _plan_context as it was before, and issuing or revoking a link while a
    plan waited answered 500)."""
    try:
        return _plan_context(case, now, message.send_after)
    except CaseRuleError:
        return None


def _withdraw(*, case, actor, messages, why, queued_again=False):
    """Take `messages` back from the outbox; each taken back is marked withdrawn, with a line on the
    timeline. Returns those taken back (one going out this very instant goes). An update among them was
    never given to the client: the promise it kept is not kept (updates_undone.status_update_not_given), unless
    it is `queued_again` (client_messages_relink_held: the update moves to the email that takes its place)."""
    taken_back = notices.withdraw_direct([m.outbox_key for m in messages])
    withdrawn = []
    for message in messages:
        if message.outbox_key not in taken_back:
            continue
        message.status, message.error = ClientMessageStatus.WITHDRAWN, why[:ERROR_TEXT]
        message.save(update_fields=["status", "error"])
        event_record(case=case, actor=actor, verb="message to the client withdrawn",
                     note=f"{message.get_kind_display()} to {message.to_email} was not sent: {why}"[:NOTE],
                     data={"client_message": message.pk})
        if message.status_update_id is not None and not queued_again:
            status_update_not_given(case=case, update=message.status_update, actor=actor, why=why)
        withdrawn.append(message)
    return withdrawn


@transaction.atomic
def client_message_failed(*, key, error, at):
    """The outbox gave up on this message after its retries."""
    message = ClientMessage.objects.filter(outbox_key=key).first()
    if message is not None:
        _undelivered(message, ClientMessageStatus.FAILED, f"It could not be sent: {error}", at)
    return message


@transaction.atomic
def client_message_bounced(*, message_ids, reason, at=None):
    """The client's mail server returned one of our messages (a delivery report naming its
    Message-ID). Returns the message, or None when the report names none of ours."""
    ids = [m for m in message_ids if m]
    message = ClientMessage.objects.filter(message_id__in=ids).first() if ids else None
    if message is not None:
        _undelivered(message, ClientMessageStatus.BOUNCED, f"The client's mail server returned it: {reason}",
                     at or timezone.now())
    return message


def _undelivered(message, status, error, at):
    """`message` failed for good or bounced: marked so, on the timeline, and its owner and co-owner told.
    An update it stands for was never given to the client (found by an audit: the promise stayed kept):
    undone as a withdrawal undoes it (updates_undone.status_update_not_given, once per update). Only the outbox's
    last failure reaches here (its retries before that undo nothing); a second report of the same end, or one
    after the message was withdrawn, undoes nothing again. A bounce days later, past the promise's deadline,
    breaks it as the sweep would have."""
    case = lock_case(message.case)  # as _withdraw: the ledger moves under the case's row lock
    message.refresh_from_db()
    if message.status == status:
        return
    stood = message.status in (ClientMessageStatus.QUEUED, ClientMessageStatus.SENT)  # it still stood for the update
    message.status, message.failed_at, message.error = status, at, error[:ERROR_TEXT]
    message.save(update_fields=["status", "failed_at", "error"])
    label = message.get_kind_display()
    event_record(case=case, actor=None, verb=UNDELIVERED_VERBS[status],
                 note=f"{label} to {message.to_email}: {message.error}"[:NOTE],
                 data={"client_message": message.pk, "status": status})
    owners = [u for u in (case.owner, case.co_owner) if u is not None and u.is_active and u.email]
    notices.notify(key=f"client-message-{status}:{message.pk}", kind="client_message_failed", case=case,
                   to=[u.email for u in owners], system=True,
                   context={**case_context(case), "label": label, "to": message.to_email, "status": status,
                            "error": message.error, "subject": message.subject})
    if stood and message.status_update_id is not None:
        why = message.error[:1].lower() + message.error[1:300]
        status_update_not_given(case=case, update=message.status_update, actor=None, why=why)

