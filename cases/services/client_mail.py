"""Client email, as the cases app sees it (issue 11, inbound). The mailin app reads the message, keeps
it once, and calls one of these; the rules are here:

- A reply posts on a case only when the case is open (its step allows a client contact) and the
  sender is the case's client (their email, compared case-insensitively). It lands on the timeline
  as a client contact, the client's mood becomes unknown until whoever works the case has read it,
  and the owner and co-owner are told at once.
- Anything else (a stranger, a forged or unknown reply address, a closed case) opens a new case in
  `identify` that nobody owns yet: it belongs to the mail intake user until a rep claims it, and
  whoever claims it first owns it (first hearer owns it). It is never posted on someone else's case.
"""
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from ..client_word import same_address
from ..errors import CaseRuleError
from ..formatting import case_context
from ..models import Case, Channel, Client, HandoffStatus, Mood
from ..notices import notify
from ..permissions import can_claim_case, can_read_client_mail
from ..selectors import is_team_address
from ..text import LINE, NAME, NOTE, clipped, limit_of, normalise
from ..workflow import Record, ensure_allows, refusal
from .client_identity import hold_identities
from .common import (
    assign_reference, display_name, event_record, lock_case, lock_client, opening_moments, refresh_counters,
)
from .handoffs import hand_on_promises, settle_before_changing_hands, take_back_client_word
from .held import end_of_holding
from .irate import apply_irate_rule

WROTE = "client wrote"  # the timeline verb of a client's email
NOTICE_EXCERPT = 1500


def mail_intake_user():
    """The owner of cases nobody has claimed yet: a user who cannot sign in, holds no role, and so
    appears on no rep's list or figures. Created the first time it is needed."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=settings.MAILIN_INTAKE_USERNAME,
        defaults={"first_name": "Client mail", "last_name": "(unclaimed)", "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def sender_is_client(case, sender):
    client_email = (case.client.email or "").strip()
    return bool(client_email and (sender or "").strip()) and same_address(client_email, sender)


def post_refusal(case, sender):
    """Why an email from `sender` may not be posted on `case`, or None when it may."""
    if refusal(Record.CONTACT, case.step, case.reference):
        return f"{case.reference} is closed, so the email opened a new case."
    if not sender_is_client(case, sender):
        return f"The sender is not the client of {case.reference}, so the email opened a new case."
    return None


ATTACHMENT_LINE = NOTE // 2  # the attachments' line on the timeline and in the notice, at most
ATTACHMENTS_LISTED = 50  # the attachments an event's data lists, at most (the rest are counted)


def _listed(items, sep, room):
    """`items` joined by `sep` within `room` characters: those that fit, then "and N more"."""
    shown, used = [], 0
    for i, item in enumerate(items):
        if used + len(sep) + len(item) > room:
            return sep.join([*shown, f"and {len(items) - i:,} more"])
        shown.append(item)
        used += len(sep) + len(item)
    return sep.join(shown)


def _attachment_line(attachments):
    """The attachments in a rep's words, within ATTACHMENT_LINE, each name and reason clipped (found by a
    review: 20,000 refused files made a 4 MB line, the timeline entry and the owner's notice with it)."""
    kept = [f"{clipped(a['name'], 60)} ({filesizeformat(a['size'])})" for a in attachments if not a.get("refused")]
    refused = [f"{clipped(a['name'], 60)} ({clipped(a['refused'], 80)})" for a in attachments if a.get("refused")]
    line = ""
    if kept:
        line = "Attached: " + _listed(kept, ", ", (ATTACHMENT_LINE // 2 if refused else ATTACHMENT_LINE) - 30) + "."
    if refused:
        line += (" " if line else "") + "Not kept: " + _listed(refused, "; ", ATTACHMENT_LINE - len(line) - 30) + "."
    return line


def _wrote(*, case, sender, sender_name, subject, text, attachments, message_pk):
    """The timeline entry of one email: who wrote, the subject, the new text, the attachments; the note
    within NOTE, the text clipped first."""
    who = f"{sender_name} <{sender}>" if sender_name else sender
    body = normalise(text) or "(no text)"
    head = f"{who} wrote by email" + (f": “{subject}”" if subject else "") + "\n\n"
    tail = _attachment_line(attachments)
    room = NOTE - len(head) - (len(tail) + 2 if tail else 0)
    note = clipped(head + clipped(body, max(room, 200)) + (f"\n\n{tail}" if tail else ""), NOTE)
    attachments = list(attachments)
    return event_record(case=case, actor=None, verb=WROTE, note=note,
                        data={"channel": Channel.EMAIL.value, "sender": sender, "subject": subject,
                              "inbound": message_pk, "attachments": attachments[:ATTACHMENTS_LISTED],
                              "attachments_count": len(attachments)})


@transaction.atomic
def client_mail_post(*, case, sender, sender_name="", subject="", text="", attachments=(), message_pk=None,
                     received_at=None):
    """The client replied about their case: a client contact on its timeline, their mood unknown until
    the email is read, the owner and co-owner told. `attachments` are JSON-ready dicts (name, size,
    content_type, refused). Refused with a CaseRuleError (see post_refusal) when it may not be posted."""
    case = lock_case(case)
    reason = post_refusal(case, sender)
    if reason:
        raise CaseRuleError(reason)
    event = _wrote(case=case, sender=sender, sender_name=sender_name, subject=subject, text=text,
                   attachments=attachments, message_pk=message_pk)
    if case.client_wrote_at is None:
        case.client_wrote_at = received_at or timezone.now()
        case.save(update_fields=["client_wrote_at", "updated_at"])
    to = [u.email for u in (case.owner, case.co_owner) if u is not None and u.is_active]
    notify(key=f"client-mail:{event.pk}", kind="client_mail_received", case=case, to=to,
           context={**case_context(case), "sender": sender, "sender_name": sender_name or sender,
                    "subject": subject, "said": clipped(normalise(text), NOTICE_EXCERPT),
                    "attachments": _attachment_line(attachments)})
    return event


def _client_for(sender, sender_name):
    """The client who wrote: the first with this email, else a new one named as the email signs (the address
    held first, so two emails from one new sender read at once make one client: client_identity)."""
    hold_identities(email=sender)
    client = Client.objects.filter(email__iexact=sender).order_by("pk").first() if sender else None
    if client is not None:
        return client
    try:
        validate_email(sender)
        # A teammate writing in is not a client's address; nor is one longer than an address may be (cut, it
        # would be someone else's: found by an audit).
        email = "" if is_team_address(sender) or len(sender) > limit_of(Client, "email") else sender
    except ValidationError:
        email = ""
    name = clipped(normalise(sender_name) or sender.split("@")[0] or "Unknown sender", NAME)
    return Client.objects.create(name=name, email=email)


@transaction.atomic
def case_open_from_mail(*, sender, sender_name="", subject="", text="", attachments=(), message_pk=None,
                        reason="", about=None, received_at=None, notify_to=()):
    """An email nobody's case may take: a new case in identify, owned by nobody yet (the intake user),
    for the team to claim. `reason` says why it did not go to a case; `about` is the case a verified
    reply address named, or the case of our email it answers (In-Reply-To/References name one of our own
    Message-IDs: a colleague of the client answering from their own address), whose owner is told too; never
    the case of a reply address that did not verify.
    `notify_to` are the team's addresses that hear of unclaimed mail (MAILIN_UNCLAIMED_NOTIFY)."""
    client = _client_for(sender, sender_name)
    lock_client(client)
    summary = clipped(normalise(subject) or f"Email from {client.name}", LINE)
    case = Case.objects.create(client=client, owner=mail_intake_user(), summary=summary, temperature="",
                               intake_temperature="", awaiting_claim=True,
                               client_wrote_at=received_at or timezone.now(), **opening_moments())
    assign_reference(case)
    note = "Opened from an email; waiting for a rep to claim it (whoever claims it owns it)."
    # Every rep may open this case, not always the one the reply named (REPS_SEE_OWN_CASES_ONLY): its
    # timeline does not name it; the inbound message's record and the notice to its owner do.
    shown = reason.replace(about.reference, "the case its reply address named") if about is not None else reason
    event_record(case=case, actor=None, verb="opened", to_step=case.step, at=case.opened_at,
                 note=f"{note} {shown}".strip(), data={"channel": Channel.EMAIL.value})
    _wrote(case=case, sender=sender, sender_name=sender_name, subject=subject, text=text,
           attachments=attachments, message_pk=message_pk)
    refresh_counters(case)
    to = list(notify_to)
    if about is not None and about.owner.is_active:
        to.append(about.owner.email)
    notify(key=f"client-mail-unclaimed:{case.pk}", kind="client_mail_unclaimed", case=case, to=to,
           context={**case_context(case), "sender": sender, "sender_name": sender_name or sender,
                    "subject": subject, "said": clipped(normalise(text), NOTICE_EXCERPT), "reason": reason,
                    "about_ref": about.reference if about is not None else ""})
    return case


@transaction.atomic
def case_claim(*, user, case):
    """First hearer owns it: the rep who claims a case opened from an email owns it from now on. Two
    reps claiming at once queue on the row lock; the second is told who was first."""
    case = lock_case(case)
    if not case.awaiting_claim and case.owner_id == user.pk:
        return case  # their own second click (a double click, a resend): it is theirs, nothing more to do
    if not case.awaiting_claim:
        raise CaseRuleError(f"{display_name(case.owner)} has already claimed {case.reference}.")
    if not can_claim_case(user, case):
        raise CaseRuleError("Only a rep or a supervisor can claim a case from client email, while it is open.")
    # What fell due while it waited stays the mail intake's (a supervisor may have worked it meanwhile).
    settle_before_changing_hands(case, timezone.now())
    now = timezone.now()  # the claim's moment, after what it settled: its event and the held part it ends
    # The wait for a claim is the mail intake's part of the stay (the team page's per-rep times in each step).
    end_of_holding(case=case, owner_id=case.owner_id, step=case.step, entered=case.step_entered_at, at=now)
    intake_id = case.owner_id
    case.owner = user
    case.awaiting_claim = False
    case.save(update_fields=["owner", "awaiting_claim", "updated_at"])
    # The promises made while it waited (a supervisor working it set a cadence or an estimate) are the
    # claimer's now, as on any change of owner (found by a review: they stayed on the placeholder, counted
    # for nobody, their reminders and breaks emailed to no one).
    hand_on_promises(case=case, old_owner_id=intake_id, new_owner=user, actor=user, now=now)
    event_record(case=case, actor=user, verb="claimed", at=now,  # the moment the held part ends (held.py)
                 note=f"{display_name(user)} claimed the case from client email and owns it now.")
    # The case has its owner now: a handoff asked for while it waited is moot (its new owner could not
    # answer it, and its acceptance would take the case from them), and, as on every change of owner,
    # a status link given so far stops working and an email still waiting to leave is taken back.
    for handoff in case.handoffs.filter(status=HandoffStatus.REQUESTED):
        handoff.status = HandoffStatus.CANCELLED
        handoff.save(update_fields=["status"])
        event_record(case=case, actor=user, verb="handoff cancelled", data={"handoff": handoff.pk},
                     note=f"The case was claimed by {display_name(user)} before the handoff was accepted.")
    take_back_client_word(case=case, actor=user, now=now)
    apply_irate_rule(case=case, actor=user, supervisor_may_differ=True)
    refresh_counters(case)
    return case


def newest_posted(case, shown):
    """Of the emails `shown` (their pks, as a page lists them), the one posted on the case last, or 0."""
    posted = (case.events.filter(verb=WROTE, data__inbound__in=list(shown)).order_by("-pk")
              .values_list("data__inbound", flat=True).first())
    return int(posted) if posted is not None else 0


STALE_READ = ("Another email came in on this case since this page was opened: read it below, then say again how "
              "the client sounds.")


@transaction.atomic
def client_mail_read(*, user, case, client_mood, newest_shown=None):
    """Whoever works the case has read the client's email and says how they sound: the mood is known
    again (recorded like any temperature, so the mood trend and the irate rule follow it). `newest_shown`:
    the email (its pk) posted last of those on the page the reader answers from (newest_posted), 0 for
    none; if one was posted on the case since, nothing is recorded and they are told to read it first (found
    by a review: a late click marked a furious email read, unseen, and the client calm). Posted, not
    received: an email's posting event is written under the case's lock, so their order is the order emails
    reached the case, which the emails' own pks need not be (found by an audit: an email with an attachment,
    received first but posted after a short one, was marked read unseen). None: no page was drawn, the
    caller reads it now."""
    case = lock_case(case)
    if not can_read_client_mail(user, case):
        raise CaseRuleError(f"You are not working on {case.reference}: only its owner, a co-owner or a "
                            "supervisor marks the client's email read.")
    ensure_allows(case, Record.TEMPERATURE)
    if client_mood not in Mood.values:
        raise CaseRuleError("Say how the client sounds in their email.", field="client_mood")
    if case.client_wrote_at is None:
        raise CaseRuleError("The client's email has already been read.")
    if newest_shown is not None:
        posted = case.events.filter(verb=WROTE)
        shown = posted.filter(data__inbound=newest_shown).values_list("pk", flat=True).first()
        if shown is None or posted.filter(pk__gt=shown).exists():
            raise CaseRuleError(STALE_READ)  # a later email came in, or the page named none of the case's emails
    old = case.temperature
    case.client_wrote_at = None
    case.save(update_fields=[*case.take_temperature(client_mood), "client_wrote_at", "updated_at"])
    event_record(case=case, actor=user, verb="temperature recorded",
                 note=f"Read the client's email: they sound {Mood(client_mood).label.lower()}.",
                 data={"from": old, "to": client_mood, "channel": Channel.EMAIL.value})
    apply_irate_rule(case=case, actor=user)
    return case
