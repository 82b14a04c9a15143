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


def _client_cases(user, client):
    next_promise = Promise.objects.filter(case=OuterRef("pk"), status=PromiseStatus.PENDING).order_by("due_at", "id")
    return (
        visible_cases(user).filter(client=client).select_related("owner")
        .annotate(next_promise_kind=Subquery(next_promise.values("kind")[:1]))
        .order_by("-opened_at", "-id")
    )


@dataclass(frozen=True)
class PromiseRecord:
    kept: int
    broken: int
    broken_promises: list

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


def _promise_record(case_ids):
    promises = Promise.objects.filter(case_id__in=case_ids)
    counts = promises.aggregate(kept=Count("id", filter=Q(status=PromiseStatus.KEPT)),
                                broken=Count("id", filter=Q(status=PromiseStatus.BROKEN)))
    broken = list(promises.filter(status=PromiseStatus.BROKEN).select_related("case", "owner")
                  .order_by("-due_at", "-id"))
    return PromiseRecord(kept=counts["kept"], broken=counts["broken"], broken_promises=broken)


def client_moods(cases):
    """Every mood recorded for the client across these cases, oldest first, as the (when, Mood, label)
    points the mood_trend tag draws: intake temperature, each temperature recorded later, each status
    update's mood and the mood at delivery. Three queries, whatever the number of cases."""
    by_id = {c.pk: c for c in cases}
    points = [(c.opened_at, Mood(c.intake_temperature), f"At intake, {c.reference}")
              for c in cases if c.intake_temperature in Mood.values]
    events = CaseEvent.objects.filter(case_id__in=by_id, verb="temperature recorded").values_list(
        "case_id", "created_at", "data")
    points += [(when, Mood(data["to"]), f"Temperature recorded, {by_id[case_id].reference}")
               for case_id, when, data in events if isinstance(data, dict) and data.get("to") in Mood.values]
    updates = StatusUpdate.objects.filter(case_id__in=by_id).values_list("case_id", "given_at", "client_mood")
    points += [(when, Mood(mood), f"Status update, {by_id[case_id].reference}")
               for case_id, when, mood in updates if mood in Mood.values]
    deliveries = Delivery.objects.filter(case_id__in=by_id).values_list("case_id", "created_at", "client_mood")
    points += [(when, Mood(mood), f"At delivery, {by_id[case_id].reference}")
               for case_id, when, mood in deliveries if mood in Mood.values]
    return sorted(points, key=lambda p: p[0])


def client_page(user, client):
    """Everything the client page shows, from the cases the user may see."""
    cases = list(_client_cases(user, client))
    ids = [c.pk for c in cases]
    return {
        "client": client,
        "open_cases": [c for c in cases if c.step in OPEN_STEPS],
        "past_cases": [c for c in cases if c.step not in OPEN_STEPS],
        "case_count": len(cases),
        "promises": _promise_record(ids),
        "moods": client_moods(cases),
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
