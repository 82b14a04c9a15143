"""Read-only queries behind the rep's pages. Nothing here writes; the visibility rule stays in
cases.selectors.
Every list is fetched with its related rows in a fixed number of queries, whatever its length."""
import datetime as dt
import functools

from django.contrib.auth import get_user_model
from django.db.models import (
    BooleanField, Case as SqlCase, DateTimeField, Exists, F, IntegerField, OuterRef, Q, Subquery, Value, When,
)
from django.utils import timezone

from .backends import load_permissions
from .frozen import FrozenRead, held_by
from .paging import first_page_of, ordered_as
from .permissions import escalation_holder
from .models import (
    OPEN_STEPS, Acknowledgement, ActionItem, Case, CaseEvent, Client, Concern, Delivery, Escalation, EscalationStatus,
    Fact, Handoff, HandoffStatus, ItemStatus, Mood, Promise, PromiseKind, PromiseStatus, Recommitment, StatusUpdate,
    Step,
)
from .selectors import (
    REP_GROUP, SUPERVISOR_GROUP, case_for_user, is_supervisor, may_own_cases, owned_q, sees_whole_team,
    visible_cases,
)
from .text import PHONE_QUERY, digits
from .workflow import Record, policy

MY_CASES_PAGE_SIZE = 25
TEMPERATURE_RECORDED = "temperature recorded"  # the event verb cases.services writes


def case_for_viewer(user, reference):
    """The case if the user may see it (the rule lives in cases.selectors), else 404."""
    return case_for_user(user, reference)


# Where a broken promise can still be made good: a late update while updates are logged, a late item
# while the item is open, a late follow-up call while the case is resolved. One broken where it no
# longer can (an update broken at the delivery call, an item cancelled) is history, not overdue.
_UPDATE_STEPS = tuple(s for s in OPEN_STEPS if policy(s).allows(Record.STATUS_UPDATE))


def _late_promises(case_ref):
    """(late update, late call, late item) querysets of the case `case_ref` (an id, or OuterRef("pk")): its
    broken promises that can still be made good and have not been. A broken promise another has since
    replaced (a new deadline for its item, a new plan after a reopen) is made good by keeping that one, not
    itself: only the latest of its kind (of its item) is owed; a missed update is owed until a late update
    answers it, whatever beats the rhythm opened since. The one rule of _overdue_q and owed_now."""
    unmade = Promise.objects.filter(case=case_ref, status=PromiseStatus.BROKEN, kept_at__isnull=True)
    newer = Promise.objects.filter(case=OuterRef("case"), kind=OuterRef("kind"), pk__gt=OuterRef("pk"))
    newer_for_item = Promise.objects.filter(action_item=OuterRef("action_item"), kind=PromiseKind.ACTION_ITEM,
                                            pk__gt=OuterRef("pk"))
    # The beats that follow a missed update (Promise.after_missed: the sweep's next beat, moved by a
    # renegotiation or a cadence change, opened again on a reopen) still wait for the late update: they do not
    # replace the miss (found by an audit: once the sweep opened the next beat, the case left "Overdue").
    late_update = unmade.filter(kind=PromiseKind.STATUS_UPDATE).filter(~Exists(newer.filter(after_missed=False)))
    late_call = unmade.filter(kind=PromiseKind.FOLLOW_UP).filter(~Exists(newer))
    late_item = unmade.filter(kind=PromiseKind.ACTION_ITEM, action_item__status=ItemStatus.OPEN).filter(
        ~Exists(newer_for_item))
    return late_update, late_call, late_item


def _overdue_q(now):
    """A case is overdue when a pending promise's deadline has passed, or a broken one can still be made
    good and has not been (_late_promises; the "Overdue" filters, and the rows' mark: overdue_flag).
    One EXISTS per kind, each tied to the case by its id alone and the step read off the case's own row:
    one subquery joining the case and the item under an OR of the three cost PostgreSQL 12-22 ms to plan
    on every list page (EXPLAIN's planning time at 100,000 cases), against under 1 ms for these."""
    late_update, late_call, late_item = _late_promises(OuterRef("pk"))
    return (Q(next_promise_due_at__lt=now) | (Q(step__in=_UPDATE_STEPS) & Exists(late_update))
            | Exists(late_item) | (Q(step=Step.RESOLVED) & Exists(late_call)))


def owed_now(case):
    """The broken promises of `case` still to make good (as _overdue_q reads them), earliest first: what a
    new owner is told when the case comes to them (services.handoffs)."""
    late_update, late_call, late_item = _late_promises(case.pk)
    owed = list(late_item) + (list(late_update) if case.step in _UPDATE_STEPS else []) + (
        list(late_call) if case.step == Step.RESOLVED else [])
    return sorted(owed, key=lambda p: p.due_at)


def overdue_flag(now):
    """Whether a row is overdue, by the same rule as the filter (_overdue_q)."""
    return SqlCase(When(_overdue_q(now), then=Value(True)), default=Value(False), output_field=BooleanField())


# What a row of a case list shows (cases/_case_list.html, search results): no long texts.
LIST_ROW_FIELDS = (
    "reference", "summary", "temperature", "client_wrote_at", "flagged_irate", "step", "closed_from_step", "owner_id",
    "client_id", "open_escalation_count", "next_promise_due_at", "opened_at", "resolved_at",
    "client__name", "client__organisation", "client__time_zone",
    "owner__username", "owner__first_name", "owner__last_name",
)


def list_rows(user=None, now=None):
    """The cases as a list row shows them: client, owner, the kind of the pending promise due first and
    whether that is overdue; with `user`, whether they hold an open item on the case and when their
    next one is due. Subqueries: fetch a page's rows by id with it (cases.paging.in_order), so they run
    for those rows only."""
    now = now or timezone.now()
    next_promise = Promise.objects.filter(case=OuterRef("pk"), status=PromiseStatus.PENDING).order_by("due_at", "id")
    qs = Case.objects.select_related("client", "owner").only(*LIST_ROW_FIELDS).annotate(
        next_promise_kind=Subquery(next_promise.values("kind")[:1]),
        is_overdue=overdue_flag(now),
    )
    if user is None:
        return qs
    my_items = ActionItem.objects.filter(case=OuterRef("pk"), assignee=user, status=ItemStatus.OPEN)
    return qs.annotate(holds_item=Exists(my_items),
                       my_item_due_at=Subquery(my_items.order_by("due_at").values("due_at")[:1]))


_PAGE_ROWS = FrozenRead(lambda ids, now: list_rows(None, now).filter(pk__any=ids))
_PAGE_ROWS_FOR = FrozenRead(lambda ids, user_id, now: list_rows(user_id, now).filter(pk__any=ids))


def page_rows(ids, user=None, now=None):
    """A page's cases by id, in the order of `ids`, as a list row shows them (list_rows; with `user`, their
    items too). One read whose SQL is written once per process (cases.frozen)."""
    now, ids = now or timezone.now(), list(ids)
    rows = _PAGE_ROWS_FOR(frozenset(ids), user.pk, now) if user is not None else _PAGE_ROWS(frozenset(ids), now)
    return ordered_as(rows, ids)


def my_cases(user, *, step="", overdue=False, escalated=False, q="", show="open", now=None):
    """The rep's home list, in its order: cases they own or co-own, and cases where they hold an open
    action item. One small query for the cases of the user's open
    items (an index-only scan); the view then reads a page's ids with the count (cases.paging.window_page)
    and the page's rows by id (list_rows).
    The item cases are matched by id (one array parameter: cases.lookups), not by an EXISTS in the OR:
    `owner OR co_owner OR id = ANY(...)`
    lets PostgreSQL combine three indexes (a BitmapOr), where an EXISTS in the OR made it read every open
    case. "Overdue" is the case's own next_promise_due_at (the earliest pending promise, kept by
    services.common.refresh_counters) before now: no per-row look at the promises.
    Returns (the cases in order, a callable giving the first page's ids with the count as
    cases.paging.window_page reads them: a frozen read of the same queryset when no search is typed, so
    the landing page's statement is written once per process)."""
    now = now or timezone.now()
    if not may_own_cases(user):
        return Case.objects.none(), None
    # An index-only scan; the user's own cases among them are matched by the owner too (a bitmap OR).
    item_case_ids = set(_ITEM_CASES(user.pk))
    shape = (is_supervisor(user), show, bool(step), bool(overdue), bool(escalated))
    args = (user.pk, item_case_ids, *([str(step)] if step else []), *([now] if overdue else []))
    ordered = _mine(shape, *args, q=q)
    if q:  # a search: its lookups rewrite the value (icontains), which a frozen read refuses
        return ordered, None
    return ordered, lambda: _first_page_read(shape)(*args)


def _mine(shape, user_id, item_case_ids, *rest, q=""):
    """My cases' queryset for a shape (co_owner, show, step?, overdue?, escalated?) and its values: the one
    place My cases is written, for the ORM and for the frozen first page alike."""
    co_owner, show, by_step, overdue, escalated = shape
    rest = list(rest)
    step = rest.pop(0) if by_step else ""
    now = rest.pop(0) if overdue else None
    own = owned_q(user_id, co_owner=co_owner)
    # The bare cases: a page's rows get what a row shows by id (page_rows), so the row's subqueries are
    # neither built for the count and the ids nor carried into them.
    qs = Case.objects.filter(own | Q(pk__any=item_case_ids))
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


@functools.cache
def _first_page_read(shape):
    """The frozen read of My cases' first page (its ids with the count) for a shape of _mine's."""
    return FrozenRead(lambda *values: first_page_of(_mine(shape, *values).values("pk"), MY_CASES_PAGE_SIZE))


_ITEM_CASES = FrozenRead(lambda user_id: ActionItem.objects.filter(assignee_id=user_id, status=ItemStatus.OPEN)
                         .order_by().values_list("case_id", flat=True).distinct())


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


def _handoffs_to(user_id):
    """Handoffs `user_id` is to answer: one offered to them (not their own request for a case), and a
    teammate's request for a case of theirs."""
    offered = Q(to_user_id=user_id) & ~Q(requested_by_id=user_id)
    asked = Q(from_user_id=user_id, requested_by_id=F("to_user_id"))
    return (
        Handoff.objects.filter(offered | asked, status=HandoffStatus.REQUESTED)
        .select_related("case", "case__client", "from_user", "to_user")
        .only("reason", "requested_at", "requested_by_id", "case__reference", "case__step", "case__client__name",
              "from_user__username", "from_user__first_name", "from_user__last_name",
              "to_user__username", "to_user__first_name", "to_user__last_name")
        .order_by("requested_at")
    )


_HANDOFFS_TO = FrozenRead(_handoffs_to)  # My cases asks on every load (cases.frozen)


def handoffs_waiting_for(user):
    """The handoffs `user` is to answer (offered to them, or a teammate asking for their case), oldest
    first, as a list."""
    return _HANDOFFS_TO(user.pk)


TIMELINE_LATEST = 15  # events the case page shows; the whole timeline is one click away


# The case page's reads, each of one case (cases.frozen: their SQL is written once per process). Rows of
# a record hold the case they belong to, as a related manager's would.
_CASE_READS = {
    "concerns": FrozenRead(lambda pk: Concern.objects.filter(case_id=pk)),
    "acknowledgements": FrozenRead(lambda pk: Acknowledgement.objects.filter(case_id=pk).select_related("created_by")),
    "recommitments": FrozenRead(lambda pk: Recommitment.objects.filter(case_id=pk).select_related("created_by")),
    "facts": FrozenRead(lambda pk: Fact.objects.filter(case_id=pk)),
    "items": FrozenRead(lambda pk: ActionItem.objects.filter(case_id=pk).select_related("assignee").order_by(
        F("due_at").asc(nulls_last=True), "id")),
    "updates": FrozenRead(lambda pk: StatusUpdate.objects.filter(case_id=pk).select_related("created_by")),
    "deliveries": FrozenRead(lambda pk: Delivery.objects.filter(case_id=pk)),
    "promises": FrozenRead(lambda pk: Promise.objects.filter(case_id=pk).select_related("owner", "action_item")
                           .order_by("due_at", "id")),
    "escalations": FrozenRead(lambda pk: Escalation.objects.filter(case_id=pk).select_related("raised_by", "supervisor")
                              .order_by("-created_at")),
    "handoffs": FrozenRead(lambda pk: Handoff.objects.filter(case_id=pk).select_related("from_user", "to_user")
                           .order_by("-requested_at")),
}
_EVENTS = CaseEvent.objects.select_related("actor").order_by("-created_at", "-id")
_EVENTS_ALL = FrozenRead(lambda pk: _EVENTS.filter(case_id=pk))
_EVENTS_LATEST = FrozenRead(lambda pk: _EVENTS.filter(case_id=pk)[:TIMELINE_LATEST + 1])
_TEMPERATURES = FrozenRead(lambda pk: CaseEvent.objects.filter(case_id=pk, verb=TEMPERATURE_RECORDED)
                           .order_by("created_at", "id").values_list("created_at", "data"))


def case_records(case, *, whole_timeline=False):
    """Everything the case page lists, one query per kind of record. The timeline holds the latest
    TIMELINE_LATEST events (`timeline_more` says whether there are older ones) unless `whole_timeline`;
    the mood trend reads every recorded temperature, by its own query."""
    records = {name: read(case.pk) for name, read in _CASE_READS.items()}
    records["events"] = (_EVENTS_ALL if whole_timeline else _EVENTS_LATEST)(case.pk)
    for rows in records.values():
        held_by(rows, case)
    records["temperatures"] = _TEMPERATURES(case.pk)
    records["whole_timeline"] = whole_timeline
    records["timeline_more"] = not whole_timeline and len(records["events"]) > TIMELINE_LATEST
    records["events"] = records["events"][:None if whole_timeline else TIMELINE_LATEST]
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
    for created_at, data in records["temperatures"]:
        if isinstance(data, dict) and data.get("to") in Mood.values:
            points.append((created_at, Mood(data["to"]), "Temperature recorded"))
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
        User.objects.filter(is_active=True, groups__name__in=[REP_GROUP, SUPERVISOR_GROUP])
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


_ASSIGNABLE = FrozenRead(assignable_users)


def assignable_list():
    """assignable_users() as a list, its statement written once per process (cases.frozen): the case page's
    pickers read it on every page."""
    return _ASSIGNABLE()


def client_choices(user, q="", limit=50):
    """The intake's client picker: clients matching what was typed (name, business, email, phone). A rep
    restricted to their own cases (REPS_SEE_OWN_CASES_ONLY) browses only the clients of cases they may
    see; any other client appears only when what they typed is that client's whole email address or
    phone number (a caller giving their details), so a returning caller is found, never the book."""
    qs = Client.objects.all()
    if q:
        typed = Q(name__icontains=q) | Q(organisation__icontains=q) | Q(email__icontains=q) | Q(phone__icontains=q)
        if PHONE_QUERY.match(q) and len(digits(q)) >= 4:  # a number however it is written (Client.phone_digits)
            typed |= Q(phone_digits__contains=digits(q))
        qs = qs.filter(typed)
    if sees_whole_team(user):
        return list(qs.order_by("name", "id")[:limit])
    found = list(qs.filter(pk__in=visible_cases(user).values("client_id")).order_by("name", "id")[:limit])
    found += [c for c in _exact_contact(q) if c not in found]
    return sorted(found, key=lambda c: (c.name, c.pk))[:limit]


def client_may_be_picked(user, client, q=""):
    """The picker's rule for one client: may `user` open a case for `client`, having typed `q`? (The
    intake form asks it of the client posted, so a forged id is refused as client_choices hides it.)"""
    if sees_whole_team(user) or visible_cases(user).filter(client=client).exists():
        return True
    return client in _exact_contact(q)


def _exact_contact(q, *, shortest_phone=6):
    """Clients whose whole email (any case) or whole phone number (its digits) is `q`."""
    q = (q or "").strip()
    if "@" in q:
        return list(Client.objects.filter(email__iexact=q).order_by("name", "id")[:5])
    typed = digits(q)
    if len(typed) < shortest_phone or PHONE_QUERY.match(q) is None:
        return []
    return list(Client.objects.filter(phone_digits=typed).order_by("name", "id")[:5])


def escalations_held(escalations):
    """The escalations, each with `held_by`: who holds it (permissions.escalation_holder, the rule
    the services refuse from: a taker who has since left the team or lost the role holds nothing, so the
    escalation waits to be taken again; found by a review). One user object per supervisor, and all their
    permissions read in one statement (backends.load_permissions): the page's queries stay a fixed number,
    however many supervisors took its escalations."""
    escalations = list(escalations)
    supervisors = {}
    for e in escalations:
        if e.supervisor_id is not None:
            e.supervisor = supervisors.setdefault(e.supervisor_id, e.supervisor)
    load_permissions(supervisors.values())
    for e in escalations:
        e.held_by = escalation_holder(e)
    return escalations


def open_escalations(records):
    return [e for e in records["escalations"] if e.status != EscalationStatus.RESOLVED]


def pending_handoff(records):
    return next((h for h in records["handoffs"] if h.status == HandoffStatus.REQUESTED), None)


def promises_by_status(records):
    groups = {status: [] for status in PromiseStatus.values}
    for promise in records["promises"]:
        groups[promise.status].append(promise)
    groups["pending"].sort(key=lambda p: p.due_at)
    groups["settled"] = len(records["promises"]) - len(groups["pending"])
    # The team page counts a promise by its deadline (selectors.promises_for_rate): one kept early, its
    # deadline still ahead, is kept here at once and on the team page from that deadline (said beside the count).
    now = timezone.now()
    groups["kept_ahead"] = sum(1 for p in groups["kept"] if p.due_at > now)
    return groups


def earliest_pending(records):
    pending = [p for p in records["promises"] if p.status == PromiseStatus.PENDING]
    return min(pending, key=lambda p: p.due_at) if pending else None

