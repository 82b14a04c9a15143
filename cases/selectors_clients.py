"""Reads behind the client page and the intake history. Nothing here writes. What a viewer learns about
a client comes only from the cases they may see (cases.selectors.visible_cases): a rep restricted to
their own cases sees the client's page through those cases, and a viewer who may see none of them gets
a 404, as for a case. Every read costs a fixed number of queries, however many cases the client has."""
import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.http import Http404
from django.utils import timezone

from .models import OPEN_STEPS, CaseEvent, Client, Delivery, Mood, Promise, PromiseStatus, StatusUpdate
from .selectors import sees_whole_team, visible_cases

# "Third complaint in 60 days": how far back intake looks for the client's recent cases.
HISTORY_DAYS = 60
HISTORY_LIST_LIMIT = 8


def client_for_viewer(user, pk):
    """The client if the user may see at least one of their cases (or the whole team), else 404."""
    client = Client.objects.filter(pk=pk).first()
    if client is None:
        raise Http404("No such client.")
    if not (sees_whole_team(user) or visible_cases(user).filter(client=client).exists()):
        raise Http404("No such client.")
    return client


CASES_PER_PAGE = 20  # open and past cases are each paged
BROKEN_SHOWN = 10  # the latest broken promises listed (the counts cover them all)
MOODS_SHOWN = 30  # the latest recorded moods drawn and listed (the count covers them all)


def _client_cases(user, client):
    return visible_cases(user).filter(client=client)


@dataclass(frozen=True)
class CasePage:
    """One page of a client's open or past cases; `number` is clamped to the pages there are."""

    cases: list
    total: int
    number: int
    per_page: int = CASES_PER_PAGE

    @property
    def pages(self):
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self):
        return self.number > 1

    @property
    def has_next(self):
        return self.number < self.pages


def _page_number(value, total):
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 1
    return min(max(number, 1), max(1, -(-total // CASES_PER_PAGE)))


def _case_page(cases, total, number, *, order):
    next_promise = Promise.objects.filter(case=OuterRef("pk"), status=PromiseStatus.PENDING).order_by("due_at", "id")
    number = _page_number(number, total)
    start = (number - 1) * CASES_PER_PAGE
    rows = list(cases.select_related("owner").annotate(next_promise_kind=Subquery(next_promise.values("kind")[:1]))
                .order_by(*order)[start:start + CASES_PER_PAGE]) if total else []
    return CasePage(cases=rows, total=total, number=number)


@dataclass(frozen=True)
class PromiseRecord:
    kept: int
    broken: int
    broken_promises: list  # the latest BROKEN_SHOWN

    @property
    def settled(self):
        return self.kept + self.broken

    @property
    def rate(self):
        """kept / (kept + broken), the team page's rule; None when nothing was settled."""
        return self.kept / self.settled if self.settled else None

    @property
    def pct(self):
        return None if self.rate is None else round(self.rate * 100)

    @property
    def more_broken(self):
        return self.broken - len(self.broken_promises)


def _promise_record(cases):
    promises = Promise.objects.filter(case__in=cases.values("pk"))
    counts = promises.aggregate(kept=Count("id", filter=Q(status=PromiseStatus.KEPT)),
                                broken=Count("id", filter=Q(status=PromiseStatus.BROKEN)))
    broken = list(promises.filter(status=PromiseStatus.BROKEN).select_related("case", "owner")
                  .order_by("-due_at", "-id")[:BROKEN_SHOWN])
    return PromiseRecord(kept=counts["kept"], broken=counts["broken"], broken_promises=broken)


def client_moods(cases):
    """Every mood recorded for the client across these cases (a queryset), oldest first, as the (when,
    Mood, label) points the mood_trend tag draws: intake temperature, each temperature recorded later,
    each status update's mood and the mood at delivery. Four queries, whatever the number of cases."""
    ids = cases.values("pk")
    moods = {value: Mood(value) for value in Mood.values}  # a busy client has hundreds of points
    known = tuple(moods)  # JSON may hold anything: compared, never hashed
    points = [(when, moods[mood], f"At intake, {ref}")
              for when, mood, ref in cases.values_list("opened_at", "intake_temperature", "reference")
              if mood in moods]
    events = CaseEvent.objects.filter(case__in=ids, verb="temperature recorded").values_list(
        "created_at", "data", "case__reference")
    points += [(when, moods[data["to"]], f"Temperature recorded, {ref}")
               for when, data, ref in events if isinstance(data, dict) and data.get("to") in known]
    updates = StatusUpdate.objects.filter(case__in=ids).values_list("given_at", "client_mood", "case__reference")
    points += [(when, moods[mood], f"Status update, {ref}") for when, mood, ref in updates if mood in moods]
    deliveries = Delivery.objects.filter(case__in=ids).values_list("created_at", "client_mood", "case__reference")
    points += [(when, moods[mood], f"At delivery, {ref}") for when, mood, ref in deliveries if mood in moods]
    return sorted(points, key=lambda p: p[0])


def client_page(user, client, *, open_page=1, past_page=1):
    """Everything the client page shows, from the cases the user may see: a page of their open cases
    and one of their past cases (newest first), the promise record, and the latest moods. A fixed
    number of queries, however many cases the client has."""
    cases = _client_cases(user, client)
    counts = cases.aggregate(open=Count("id", filter=Q(step__in=OPEN_STEPS)),
                             past=Count("id", filter=~Q(step__in=OPEN_STEPS)))
    moods = client_moods(cases)
    return {
        "client": client,
        "open_page": _case_page(cases.filter(step__in=OPEN_STEPS), counts["open"], open_page,
                                order=("-opened_at", "-id")),
        "past_page": _case_page(cases.exclude(step__in=OPEN_STEPS), counts["past"], past_page,
                                order=("-opened_at", "-id")),
        "case_count": counts["open"] + counts["past"],
        "promises": _promise_record(cases),
        "moods": moods[-MOODS_SHOWN:], "mood_count": len(moods),
    }


# --- Intake: "third complaint in 60 days" ---------------------------------------------------------
def ordinal(n):
    """'first', 'second', 'third', then '4th', '11th', '21st', '22nd'."""
    words = {1: "first", 2: "second", 3: "third"}
    if n in words:
        return words[n]
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@dataclass(frozen=True)
class ClientHistory:
    client: Client
    recent_count: int  # cases opened in the window, before the one being logged
    cases: list  # open ones (any age) and recent ones, newest first, at most HISTORY_LIST_LIMIT
    more: int  # how many more the list leaves off
    has_page: bool  # whether the client page would open for this user (it 404s when they see no case)
    days: int = HISTORY_DAYS

    @property
    def this_complaint(self):
        """The complaint being logged, counted in the window: 'third' when two came before it."""
        return ordinal(self.recent_count + 1)


def client_history(user, client_id, *, now=None):
    """The chosen client's open and recent cases for the intake form, from the cases the user may see;
    None when `client_id` names no client (nothing picked, or a forged value)."""
    try:
        client = Client.objects.filter(pk=int(client_id)).first()
    except (TypeError, ValueError):
        return None
    if client is None:
        return None
    since = (now or timezone.now()) - dt.timedelta(days=HISTORY_DAYS)
    qs = (
        visible_cases(user).filter(client=client)
        .filter(Q(step__in=OPEN_STEPS) | Q(opened_at__gte=since))
        .select_related("owner")
        .order_by(F("opened_at").desc(), "-id")
    )
    rows = list(qs[:HISTORY_LIST_LIMIT + 1])
    counts = qs.aggregate(total=Count("id", distinct=True),
                          recent=Count("id", distinct=True, filter=Q(opened_at__gte=since)))
    has_page = bool(rows) or sees_whole_team(user) or visible_cases(user).filter(client=client).exists()
    return ClientHistory(client=client, recent_count=counts["recent"], cases=rows[:HISTORY_LIST_LIMIT],
                         more=max(counts["total"] - HISTORY_LIST_LIMIT, 0), has_page=has_page)
