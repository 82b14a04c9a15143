"""Reads for the supervisor's pages.

The escalation queue is one row per case with open (open or taken) escalations. Its order ("hottest,
then oldest, first"), per case:
  1. heat tier, hottest first, the hottest of the case's escalations in the queue:
     0 — the client is irate (the case's temperature is irate, or a rep flagged it irate);
     1 — a broken promise the system escalated (a client was already let down once);
     2 — the client is angry or upset;
     3 — everything else (anxious or calm clients; stalled cases; other reasons);
  2. then the case whose oldest escalation is oldest (then the case id), so nothing waits forever in its tier.
Filtered for resolved escalations, the cases come most recently resolved first.
A page of the queue costs the same queries whatever its length: the page's order with the count
(cases.paging.window_page), its cases, their escalations, and their takers' permissions (_held); filtered
for Open or Taken, the takers of all taken escalations and their permissions once more (queue_scope).
"""
import datetime as dt

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Max, Min, OuterRef, Prefetch, Q, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone

from ..backends import load_permissions
from ..frozen import FrozenRead
from ..paging import first_page_of
from ..models import Case, Escalation, EscalationNote, EscalationReason, EscalationStatus, Promise, PromiseStatus
from ..models.case import queue_heat, system_broken
from ..permissions import escalation_holder
from ..selectors_ui import assignable_users, escalations_held

# Resolved escalations the case's page still shows under "Recently resolved".
RECENTLY_RESOLVED = dt.timedelta(days=30)


def _in_queue(*, reason="", status="", prefix="", takers=None):
    """The escalations a queue filter covers: open and taken by default, or one status; one reason or all.
    "Open" and "taken" say who holds it (permissions.escalation_holder): an escalation whose taker has left
    the team or lost the role waits to be taken, so it is open, not taken (found by a review: the Open filter
    hid what every other view offered to take)."""
    # Positive conditions only: negated across the case's escalations, Django would ask for cases with
    # no resolved escalation at all.
    if status in (EscalationStatus.OPEN, EscalationStatus.TAKEN):
        holding, left = takers or _takers()
        taken = Q(**{f"{prefix}status": EscalationStatus.TAKEN})
        if status == EscalationStatus.OPEN:
            q = Q(**{f"{prefix}status": EscalationStatus.OPEN}) | (taken & Q(**{f"{prefix}supervisor__in": left}))
        else:
            q = taken & Q(**{f"{prefix}supervisor__in": holding})
    else:
        statuses = [status] if status else [EscalationStatus.OPEN, EscalationStatus.TAKEN]
        q = Q(**{f"{prefix}status__in": statuses})
    return q & Q(**{f"{prefix}reason": reason}) if reason else q


def queue_scope(*, reason="", status=""):
    """A queue filter as the page's reads take it: filtered for Open or Taken, who holds what is read once
    for the page's order and its escalations alike (`takers`)."""
    takers = _takers() if status in (EscalationStatus.OPEN, EscalationStatus.TAKEN) else None
    return {"reason": reason, "status": status, "takers": takers}


def _takers():
    """The ids of the supervisors who took escalations still open: those who hold them, and those who
    may no longer (escalation_holder, the rule itself). The takers and their permissions in two statements."""
    takers = list(get_user_model().objects.filter(
        pk__in=Escalation.objects.filter(status=EscalationStatus.TAKEN).values("supervisor_id")))
    load_permissions(takers)
    holding = [u.pk for u in takers if escalation_holder(Escalation(status=EscalationStatus.TAKEN, supervisor=u))]
    return holding, [u.pk for u in takers if u.pk not in holding]


# What a queue row shows (supervisor/queue.html, _broken_promise.html): no long texts, no counters.
_NAMES = ("username", "first_name", "last_name")
QUEUE_ROW_FIELDS = (
    "reference", "summary", "step", "closed_from_step", "temperature", "client_wrote_at", "flagged_irate",
    "next_promise_due_at", "open_escalation_count",
    "client__name", "client__organisation", "client__time_zone", *(f"owner__{n}" for n in _NAMES),
)
QUEUE_ESCALATION_FIELDS = (
    "case_id", "reason", "status", "raised_by_system", "created_at", "promise_id",
    *(f"raised_by__{n}" for n in _NAMES), *(f"supervisor__{n}" for n in (*_NAMES, "is_active", "is_superuser")),
    "promise__source", "promise__due_at", "promise__kept_at", *(f"promise__owner__{n}" for n in _NAMES),
)


def escalation_queue(*, reason="", status="", takers=None):
    """The queue's order under the filter: one dict per case with escalations under it (pk,
    oldest_escalation_at, heat; escalation_count under a filter, and last_resolved_at when filtered for
    resolved ones),
    in the queue's order. Only ids and aggregates: `with_escalations` fetches a page's cases.

    The queue as it opens (no filter) reads the keys kept on the case with open_escalation_count
    (services.common.refresh_counters: queue_since, queue_broken) from the index in its order
    (case_queue_order): an index-only scan of the queued cases, however long the history. A filter
    aggregates the escalations it matches, which the keys cannot say."""
    if not reason and not status:
        # Only what the index holds (the count is the page's cases' own open_escalation_count: with_escalations)
        return (Case.objects.filter(open_escalation_count__gt=0)
                .annotate(heat=queue_heat(), oldest_escalation_at=F("queue_since"))
                .values("pk", "heat", "oldest_escalation_at")
                .order_by("heat", "oldest_escalation_at", "pk"))
    qs = Case.objects.filter(_in_queue(reason=reason, status=status, prefix="escalations__", takers=takers))
    if status != EscalationStatus.RESOLVED:
        qs = qs.filter(open_escalation_count__gt=0)
    aggregates = {
        # filter() before annotate(): the aggregates count only the escalations the filter matched.
        "escalation_count": Count("escalations__case_id"),
        "oldest_escalation_at": Min("escalations__created_at"),
        "heat": Min(queue_heat(broken=system_broken("escalations__"))),
    }
    if status == EscalationStatus.RESOLVED:
        aggregates["last_resolved_at"] = Max("escalations__resolved_at")
        return qs.values("pk").annotate(**aggregates).order_by("-last_resolved_at", "-pk")
    return qs.values("pk").annotate(**aggregates).order_by("heat", "oldest_escalation_at", "pk")


QUEUE_PAGE_SIZE = 25
# The queue as it opens, its first page: the same statement on every visit, written once per process.
_QUEUE_FIRST_PAGE = FrozenRead(lambda: first_page_of(escalation_queue(), QUEUE_PAGE_SIZE))


def queue_first_page(*, reason="", status="", takers=None):
    """The read of the queue's first page (cases.paging.window_page's `first`) for a scope, when it is the
    queue as it opens (no filter: a frozen statement), else None (the ORM reads it)."""
    return None if reason or status else _QUEUE_FIRST_PAGE


def _queue_cases(ids):
    next_promise = Promise.objects.filter(case=OuterRef("pk"), status=PromiseStatus.PENDING).order_by("due_at", "id")
    return (Case.objects.filter(pk__any=ids).select_related("client", "owner").only(*QUEUE_ROW_FIELDS)
            .annotate(next_promise_kind=Subquery(next_promise.values("kind")[:1])))


def _queue_escalations(case_ids, *, reason="", status="", takers=None):
    return (Escalation.objects.filter(_in_queue(reason=reason, status=status, takers=takers), case__pk__any=case_ids)
            .select_related("raised_by", "supervisor", "promise__owner").only(*QUEUE_ESCALATION_FIELDS)
            .order_by("created_at", "id"))


# A page of the queue: its cases, and their escalations in the queue as it opens (cases.frozen).
_QUEUE_CASES = FrozenRead(_queue_cases)
_QUEUE_ESCALATIONS = FrozenRead(_queue_escalations)


def with_escalations(rows, *, reason="", status="", takers=None):
    """A page of escalation_queue as cases, in its order, with what each row says, in two more queries
    whatever the page's length: the cases (client, owner and the kind of the pending promise due first;
    its time is the case's next_promise_due_at), then their escalations under the filter:
    `escalations_listed` (oldest first), `reasons` [(label, count)] in the order first raised, `broken`
    (those for a broken promise, with the promise and who held it), `waiting` (held by nobody: _held),
    `taken_by` (the supervisors holding them) and `raised_by` (who raised them, "system" for the sweeps).
    Deciding who holds what reads the takers' permissions in one statement (_held)."""
    rows = list(rows)
    cases = {case.pk: case for case in _QUEUE_CASES(frozenset(row["pk"] for row in rows))}
    page = []
    for row in rows:
        case = cases[row["pk"]]
        case.escalation_count, case.oldest_escalation_at, case.heat = (
            row.get("escalation_count", case.open_escalation_count), row["oldest_escalation_at"], row["heat"])
        case.last_resolved_at = row.get("last_resolved_at")
        page.append(case)
    by_case = {case.pk: [] for case in page}
    if reason or status:
        escalations = _queue_escalations(frozenset(by_case), reason=reason, status=status, takers=takers)
    else:  # the queue as it opens: its SQL written once per process
        escalations = _QUEUE_ESCALATIONS(frozenset(by_case))
    for escalation in escalations_held(escalations):
        by_case[escalation.case_id].append(escalation)
    for case in page:
        _describe(case, by_case[case.pk])
    return page


_REASON_LABELS = dict(EscalationReason.choices)


def _describe(case, escalations):
    for escalation in escalations:
        escalation.case = case  # the row's case, so templates reading escalation.case cost no query
    reasons = {}
    for e in escalations:
        # e.get_reason_display(), without the model flattening the field's choices on every call
        label = str(_REASON_LABELS.get(e.reason, e.reason))
        reasons[label] = reasons.get(label, 0) + 1
    case.escalations_listed = escalations
    case.reasons = list(reasons.items())
    case.broken = [e for e in escalations if e.reason == EscalationReason.BROKEN_PROMISE and e.promise_id]
    case.waiting = sum(1 for e in escalations if e.status != EscalationStatus.RESOLVED and e.held_by is None)
    case.taken_by = _names(e.held_by for e in escalations if e.held_by is not None)
    case.raised_by = _names(None if e.raised_by_system else e.raised_by for e in escalations)


def _names(users):
    seen = []
    for user in users:
        name = "system" if user is None else user.get_full_name() or user.username
        if name not in seen:
            seen.append(name)
    return seen


def case_for_supervisor(reference):
    return get_object_or_404(Case.objects.select_related("client", "owner", "co_owner"), reference=reference)


def case_of_escalation(pk):
    """The case an escalation belongs to: the per-escalation URLs of the old queue lead to its case."""
    return get_object_or_404(Escalation.objects.select_related("case"), pk=pk).case


def escalations_of_case(case, now=None):
    """What the case's escalation page lists: its open escalations (oldest first), those resolved in the
    last RECENTLY_RESOLVED (latest first) and how many older ones are not shown, each with its notes; the
    pending promise due first. A fixed number of queries, the takers' permissions in one (escalations_held)."""
    now = now or timezone.now()
    notes = Prefetch("notes", queryset=EscalationNote.objects.select_related("author"))
    recent = Q(status=EscalationStatus.RESOLVED, resolved_at__gte=now - RECENTLY_RESOLVED)
    shown = Q(status__in=[EscalationStatus.OPEN, EscalationStatus.TAKEN]) | recent
    listed = escalations_held(Escalation.objects.filter(shown, case=case)
                              .select_related("raised_by", "supervisor", "promise__owner").prefetch_related(notes)
                              .order_by("created_at", "id"))
    open_ = [e for e in listed if e.status != EscalationStatus.RESOLVED]
    resolved = sorted((e for e in listed if e.status == EscalationStatus.RESOLVED),
                      key=lambda e: (e.resolved_at, e.pk), reverse=True)
    older = Escalation.objects.filter(case=case, status=EscalationStatus.RESOLVED).count() - len(resolved)
    for escalation in open_ + resolved:
        escalation.case = case
    next_promise = (case.promises.filter(status=PromiseStatus.PENDING).select_related("owner")
                    .order_by("due_at", "id").first())
    return {
        "open_escalations": open_, "resolved_escalations": resolved, "older_resolved": older,
        "waiting": sum(1 for e in open_ if e.held_by is None), "next_promise": next_promise,
        "recent_days": RECENTLY_RESOLVED.days,
    }


def reassign_candidates(case):
    """Active reps and supervisors (selectors_ui.assignable_users), except the case's owner."""
    return assignable_users().exclude(pk=case.owner_id)
