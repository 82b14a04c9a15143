"""Read-only queries behind the rep's pages. Nothing here writes; the visibility rule stays in
cases.selectors.
Every list is fetched with its related rows in a fixed number of queries, whatever its length."""
import datetime as dt

from django.contrib.auth import get_user_model
from django.db.models import (
    Case as SqlCase, DateTimeField, Exists, F, IntegerField, OuterRef, Q, Subquery, Value, When,
)
from django.utils import timezone

from .models import (
    OPEN_STEPS, ActionItem, Case, CaseEvent, Client, Concern, EscalationStatus, Handoff,
    HandoffStatus, ItemStatus, Mood, Promise, PromiseKind, PromiseStatus, Step,
)
from .selectors import REP_GROUP, SUPERVISOR_GROUP, case_for_user

MY_CASES_PAGE_SIZE = 25
# Kinds whose broken promise can still be made good (a late update, a late item, a late call); a
# broken one not yet made good keeps the case in the "overdue" filter.
_CATCH_UP_KINDS = (PromiseKind.STATUS_UPDATE, PromiseKind.ACTION_ITEM, PromiseKind.FOLLOW_UP)


def case_for_viewer(user, reference):
    """The case if the user may see it (the rule lives in cases.selectors), else 404."""
    return case_for_user(user, reference)


def _overdue_q(now):
    stale = Promise.objects.filter(
        case=OuterRef("pk"), status=PromiseStatus.BROKEN, kept_at__isnull=True, kind__in=_CATCH_UP_KINDS
    )
    return Q(next_promise_due_at__lt=now) | Exists(stale)


def my_cases(user, *, step="", overdue=False, escalated=False, q="", show="open", now=None):
    """The rep's home list: cases they own or co-own, and cases where they hold an open action item.
    One small query for the cases of the user's open items, then one for the rows (the next promise
    and the user's own next item come as subqueries). The item cases are matched by id, not by an
    EXISTS in the OR: `owner OR co_owner OR id IN (...)` lets PostgreSQL combine three indexes (a
    BitmapOr), where an EXISTS in the OR made it read every open case, for the count and the rows."""
    now = now or timezone.now()
    my_items = ActionItem.objects.filter(case=OuterRef("pk"), assignee=user, status=ItemStatus.OPEN)
    item_case_ids = list(ActionItem.objects.filter(assignee=user, status=ItemStatus.OPEN).exclude(case__owner=user)
                         .order_by().values_list("case_id", flat=True).distinct())  # their own cases match by owner
    next_promise = Promise.objects.filter(case=OuterRef("pk"), status=PromiseStatus.PENDING).order_by("due_at", "id")
    qs = (
        Case.objects.filter(Q(owner=user) | Q(co_owner=user) | Q(pk__in=item_case_ids))
        .select_related("client", "owner")
        .annotate(
            holds_item=SqlCase(When(pk__in=item_case_ids, then=Value(True)), default=Value(False)),
            my_item_due_at=Subquery(my_items.order_by("due_at").values("due_at")[:1]),
            next_promise_kind=Subquery(next_promise.values("kind")[:1]),
            is_overdue=Exists(Promise.objects.filter(case=OuterRef("pk"), status=PromiseStatus.PENDING,
                                                     due_at__lt=now)),
        )
    )
    if show == "open":
        qs = qs.filter(step__in=OPEN_STEPS)
    elif show == "resolved":
        qs = qs.filter(step=Step.RESOLVED)
    if step:
        qs = qs.filter(step=step)
    if overdue:
        qs = qs.filter(_overdue_q(now))
    if escalated:
        qs = qs.filter(open_escalation_count__gt=0)
    if q:
        qs = qs.filter(_search_q(q))
    return qs.order_by(*MY_CASES_ORDER)


# My cases' order: open cases by their next promise due, soonest first (nothing pending: last, newest
# first); then the resolved ones, most recently resolved first (a pending follow-up call does not
# lift a resolved case above open work).
_OPEN_DUE = SqlCase(When(step__in=OPEN_STEPS, then=F("next_promise_due_at")), default=None,
                    output_field=DateTimeField())
MY_CASES_ORDER = (
    SqlCase(When(step__in=OPEN_STEPS, then=Value(0)), default=Value(1), output_field=IntegerField()).asc(),
    _OPEN_DUE.asc(nulls_last=True), F("resolved_at").desc(nulls_last=True), "-opened_at", "-id",
)


def _search_q(q):
    text = Concern.objects.filter(case=OuterRef("pk")).filter(Q(description__icontains=q) | Q(impact__icontains=q))
    return (
        Q(reference__icontains=q) | Q(summary__icontains=q) | Q(client__name__icontains=q)
        | Q(client__organisation__icontains=q) | Q(root_problem__icontains=q) | Exists(text)
    )


def handoffs_waiting_for(user):
    return (
        Handoff.objects.filter(to_user=user, status=HandoffStatus.REQUESTED)
        .select_related("case", "case__client", "from_user")
        .order_by("requested_at")
    )


def case_records(case):
    """Everything the case page lists, one query per kind of record."""
    events = CaseEvent.objects.filter(case=case).select_related("actor").order_by("-created_at", "-id")
    records = {
        "concerns": list(case.concerns.all()),
        "acknowledgements": list(case.acknowledgements.select_related("created_by")),
        "recommitments": list(case.recommitments.select_related("created_by")),
        "facts": list(case.facts.all()),
        "items": list(case.action_items.select_related("assignee").order_by(
            F("due_at").asc(nulls_last=True), "id")),
        "updates": list(case.status_updates.select_related("created_by")),
        "deliveries": list(case.deliveries.all()),
        "promises": list(case.promises.select_related("owner", "action_item").order_by("due_at", "id")),
        "escalations": list(case.escalations.select_related("raised_by", "supervisor").order_by("-created_at")),
        "handoffs": list(case.handoffs.select_related("from_user", "to_user").order_by("-requested_at")),
        "events": list(events),
    }
    records["timeline"] = fold_timeline(records["events"], records["promises"])
    return records


FOLD_WITHIN = dt.timedelta(seconds=5)


def _promise_of_item_added(event, following, promises):
    """The promise an "action item added" event made at once (the next event, same actor, a few seconds
    later, a "promise made" for that very item), else None."""
    if event.verb != "action item added" or following is None or following.verb != "promise made":
        return None
    promise = promises.get(following.data.get("promise"))
    if promise is None or promise.action_item_id is None or promise.action_item_id != event.data.get("item"):
        return None
    if following.actor_id != event.actor_id:
        return None
    gap = following.created_at - event.created_at
    return promise if dt.timedelta(0) <= gap <= FOLD_WITHIN else None


def fold_timeline(events, promises):
    """The timeline as the page shows it (newest first, like `events`): an action item added with a due
    time and the promise it made are one entry; the item's event carries `folded_promise`."""
    by_pk = {p.pk: p for p in promises}
    chronological = list(reversed(events))
    shown, i = [], 0
    while i < len(chronological):
        event = chronological[i]
        following = chronological[i + 1] if i + 1 < len(chronological) else None
        event.folded_promise = _promise_of_item_added(event, following, by_pk)
        shown.append(event)
        i += 2 if event.folded_promise else 1
    return shown[::-1]


def mood_trend(case, records):
    """The client's temperature over the case: intake, each recorded temperature, each update's mood,
    and the mood at delivery. Oldest first; each point is (when, Mood, label)."""
    points = []
    if case.intake_temperature:
        points.append((case.opened_at, Mood(case.intake_temperature), "At intake"))
    for event in records["events"]:
        if event.verb == "temperature recorded" and event.data.get("to") in Mood.values:
            points.append((event.created_at, Mood(event.data["to"]), "Temperature recorded"))
    for update in records["updates"]:
        points.append((update.given_at, Mood(update.client_mood), "Status update"))
    for delivery in records["deliveries"]:
        if delivery.client_mood:
            points.append((delivery.created_at, Mood(delivery.client_mood), "At delivery"))
    return sorted(points, key=lambda p: p[0])


def assignable_users():
    """Reps and supervisors who can own an action item or receive a case (teammates included)."""
    User = get_user_model()
    return (
        User.objects.filter(is_active=True)
        .filter(Q(groups__name__in=[REP_GROUP, SUPERVISOR_GROUP]) | Q(is_superuser=True))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def client_choices(q="", limit=50):
    qs = Client.objects.all()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(organisation__icontains=q) | Q(email__icontains=q)
                       | Q(phone__icontains=q))
    return list(qs.order_by("name", "id")[:limit])


def open_escalations(records):
    return [e for e in records["escalations"] if e.status != EscalationStatus.RESOLVED]


def pending_handoff(records):
    return next((h for h in records["handoffs"] if h.status == HandoffStatus.REQUESTED), None)


def promises_by_status(records):
    groups = {status: [] for status in PromiseStatus.values}
    for promise in records["promises"]:
        groups[promise.status].append(promise)
    groups["pending"].sort(key=lambda p: p.due_at)
    return groups


def earliest_pending(records):
    pending = [p for p in records["promises"] if p.status == PromiseStatus.PENDING]
    return min(pending, key=lambda p: p.due_at) if pending else None

