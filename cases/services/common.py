"""Plumbing shared by every case service: locking the row, checking who may act, recomputing the
counters the step gates read, and writing the timeline. Every service runs in one transaction."""
import datetime as dt
from dataclasses import dataclass
from typing import Callable

from django.db import transaction
from django.db.models import Count, Min, Q
from django.db.models import Model
from django.utils import timezone

from .. import text
from ..errors import CaseRuleError
from ..models import Case, CaseEvent, EscalationStatus, ItemStatus, PromiseStatus
from ..models.case import system_broken
from ..models.ledger import SYSTEM_RESOLUTION
from ..permissions import can_work_case
from ..search import SEARCH_FIELDS, search_fill
from ..text import clipped


def lock_case(case):
    """Re-read the case with a row lock; the caller must be inside transaction.atomic()."""
    return Case.objects.select_for_update().get(pk=case.pk)


def lock_client(client):
    """Hold the client's row until the transaction ends, as client_update does before it reads the client's
    cases (FOR NO KEY UPDATE: two of them wait for each other, while cases may still point at the client).
    Every path that opens a case takes it first: found by a race audit, a case opened while a rep changed
    the client's time zone was not among the cases that change read (the rep's "owns every open case" rule
    let the change through, and the new case was not told), and the same complaint submitted twice at
    once opened two cases. The caller must be inside transaction.atomic()."""
    list(type(client).objects.select_for_update(no_key=True).filter(pk=client.pk).values_list("pk", flat=True))


def opening_moments():
    """The fields a new case is stamped with, all one moment (the "opened" event takes it too: event_record's
    `at`). Found by a migration audit: each took its own now(), so the timeline's opening came a few
    milliseconds after the stay it opened, and the held parts recomputed from the timeline
    (held.parts_from_timeline) named another stay than the services had."""
    now = timezone.now()
    return {"opened_at": now, "step_entered_at": now, "stall_clock_from": now}


def assign_reference(case):
    """Give a just-created case its reference ("C-000123", from its id) and save it."""
    case.reference = f"C-{case.pk:06d}"
    case.save(update_fields=["reference"])
    return case


def display_name(user):
    if user is None:
        return "the system"
    return user.get_full_name() or user.username


def ensure_can_work(user, case):
    if not can_work_case(user, case):
        raise CaseRuleError(
            f"You are not working on {case.reference}: only its owner, a co-owner or a supervisor may do that."
        )


def ensure_open(case):
    if not case.is_open:
        raise CaseRuleError(f"{case.reference} is resolved: reopen it first.")


def event_record(*, case, actor, verb, note="", from_step="", to_step="", data=None, at=None):
    """A timeline entry, with the case's owner at this moment (CaseEvent.of): the team page counts each
    event for the rep who owned the case then (cases/metrics). `at`: its time, when it must be the very
    moment something else was stamped with (a case's opening: opening_moments)."""
    event = CaseEvent.of(case, actor=actor, verb=verb, note=note, from_step=from_step or "", to_step=to_step or "",
                         data=data or {}, **({"created_at": at} if at is not None else {}))
    event.save(force_insert=True)
    return event


@dataclass(frozen=True)
class Change:
    """One part of a record as it was and as it is now, for what_changed."""

    key: str  # its name in the event's data
    label: str  # how a supervisor reads it: "the client's mood"
    old: object
    new: object
    words: Callable | None = None  # a value -> how it reads (default: what_changed's)
    phrase: str = "{label} {old} → {new}"  # or e.g. "given to {new} (was {old})"


CHANGE_CLIP = 200  # each old or new text, in the note (the data keeps it whole)
# The words of all the changes: the event's note holds them with a line of its own before them.
_CHANGES_LIMIT = text.limit_of(CaseEvent, "note") - text.SHORT_NOTE


def _value_words(value, tz):
    """How a stored value reads on the timeline: text quoted (clipped), a time in `tz` with its zone and a
    date with its weekday (the note is kept as written, so both carry their year), a person by name."""
    if value is None or value == "":
        return "none"
    if isinstance(value, dt.datetime):
        return timezone.localtime(value, tz).strftime("%a %d %b %Y %H:%M %Z")
    if isinstance(value, dt.date):
        return value.strftime("%a %d %b %Y")
    if isinstance(value, Model):
        return display_name(value)
    return f"“{clipped(str(value), CHANGE_CLIP)}”"


def _first_difference(old, new):
    return next((i for i, (a, b) in enumerate(zip(old, new)) if a != b), min(len(old), len(new)))


def _text_words(value, differs_at):
    """A text quoted for an old -> new, clipped around where the two first differ: clipped from its start, a
    change past CHANGE_CLIP read the same on both sides (found by a red team: “…every Monday…” → “…every
    Monday…”, the change itself out of sight)."""
    if not value:
        return "none"
    start = max(0, differs_at - CHANGE_CLIP // 3) if differs_at > CHANGE_CLIP - 20 else 0
    return f"“{'…' if start else ''}{clipped(value[start:], CHANGE_CLIP)}”"


def _stored(value):
    """A value as the event's data keeps it (JSON): a date or time in ISO, a row by its id."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Model):
        return value.pk
    return value


def what_changed(*changes, tz=None, prefix="Changed: "):
    """What an edit changed, old -> new: the one way every service says it on the timeline. Returns (words,
    data): words such as "Changed: the client's mood Upset → Delighted; prevention note “…” → “…”" (after
    `prefix`; texts clipped, CaseEvent.note has a limit) and data {"changed": {key: {"from": old, "to": new}}}
    (whole; dates and times in ISO, people by id). A part whose value is the same (the same text again) is
    left out; nothing changed gives ("", {}). Times read in `tz` (the client's zone: their dates are judged
    there), by default the current one."""
    tz = tz or timezone.get_current_timezone()
    changed = [c for c in changes if c.old != c.new]
    if not changed:
        return "", {}

    def said(change, value):
        if change.words:
            return change.words(value)
        if isinstance(change.old, str) and isinstance(change.new, str):
            return _text_words(value, _first_difference(change.old, change.new))
        return _value_words(value, tz)

    words = "; ".join(c.phrase.format(label=c.label, old=said(c, c.old), new=said(c, c.new)) for c in changed)
    data = {c.key: {"from": _stored(c.old), "to": _stored(c.new)} for c in changed}
    return clipped(f"{prefix}{words}", _CHANGES_LIMIT), {"changed": data}


def refresh_counters(case):
    """Recompute the cross-table facts the FSM conditions read, from the database, and what search
    reads (cases.search), in one UPDATE."""
    concerns = case.concerns.aggregate(
        total=Count("id"),
        incomplete=Count("id", filter=Q(description="") | Q(impact="") | Q(feeling="")),
    )
    items = case.action_items.filter(status=ItemStatus.OPEN).aggregate(
        open=Count("id"),
        unassigned=Count("id", filter=Q(assignee__isnull=True)),
        undated=Count("id", filter=Q(due_at__isnull=True)),
        earliest=Min("due_at"),
    )
    counts = Case.objects.filter(pk=case.pk).aggregate(
        acks=Count("acknowledgements", distinct=True),
        recommits=Count("recommitments", distinct=True),
        facts=Count("facts", filter=~Q(facts__answer=""), distinct=True),
    )
    case.concern_count = concerns["total"]
    case.incomplete_concern_count = concerns["incomplete"]
    case.ack_count = counts["acks"]
    case.recommit_count = counts["recommits"]
    case.answered_fact_count = counts["facts"]
    case.open_item_count = items["open"]
    case.unassigned_item_count = items["unassigned"]
    case.undated_item_count = items["undated"]
    case.earliest_item_due_at = items["earliest"]
    queued = case.escalations.exclude(status=EscalationStatus.RESOLVED).aggregate(
        n=Count("id"), since=Min("created_at"), broken=Count("id", filter=SYSTEM_BROKEN))
    case.open_escalation_count, case.queue_since, case.queue_broken = (
        queued["n"], queued["since"], queued["broken"] > 0)
    case.next_promise_due_at = case.promises.filter(status=PromiseStatus.PENDING).aggregate(m=Min("due_at"))["m"]
    search_fill(case)
    case.save(update_fields=COUNTER_FIELDS + SEARCH_FIELDS + ["updated_at"])
    return case


COUNTER_FIELDS = [
    "concern_count", "incomplete_concern_count", "ack_count", "recommit_count", "answered_fact_count",
    "open_item_count", "unassigned_item_count", "undated_item_count", "earliest_item_due_at",
    "open_escalation_count", "queue_since", "queue_broken", "next_promise_due_at",
]
# An escalation that makes a queued case hot (models.case.queue_heat).
SYSTEM_BROKEN = system_broken()


def require_text(value, *, field, message, limit=text.NOTE):
    """Required free text, normalised and within `limit` characters (see cases.text)."""
    return text.clean_text(value, field=field, limit=limit, required=True, message=message)


def coach_warnings(text, context):
    """The phrase coach's warnings on a rep's text, as JSON-ready dicts (they never block)."""
    from playbook.coach import check_text

    return [w.to_dict() if hasattr(w, "to_dict") else dict(w) for w in check_text(text, context=context)]


@transaction.atomic
def escalations_resolved_by_system(escalations, *, case, note, now):
    """Resolve each of `escalations` (a queryset of `case`'s) with a system note, on the timeline: what a
    close does to the case's open escalations, and to one a broken promise opens on a closed case."""
    for escalation in escalations.exclude(status=EscalationStatus.RESOLVED).select_for_update():
        escalation.status, escalation.resolved_at = EscalationStatus.RESOLVED, now
        escalation.resolution = f"{SYSTEM_RESOLUTION}{note}"
        escalation.save(update_fields=["status", "resolved_at", "resolution"])
        event_record(case=case, actor=None, verb="escalation resolved", note=escalation.resolution,
                     data={"escalation": escalation.pk})
