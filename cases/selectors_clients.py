"""Reads behind the client page and the intake history. Nothing here writes. What a viewer learns about
a client comes only from the cases they may see (cases.selectors.visible_cases): a rep restricted to
their own cases sees the client's page through those cases, and a viewer who may see none of them gets
a 404, as for a case. Every read costs a fixed number of queries, however many cases the client has."""
import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, Count, ExpressionWrapper, F, OuterRef, Q, Subquery, Value, Window
from django.db.models.fields.json import KT
from django.http import Http404
from django.utils import timezone

from .models import OPEN_STEPS, Case, CaseEvent, Client, Delivery, Mood, Promise, PromiseStatus, StatusUpdate
from .paging import MAX_PAGE_NUMBER
from .selectors import sees_whole_team, visible_cases
from .selectors_ui import TEMPERATURE_RECORDED, client_may_be_picked

# "Third complaint in 60 days": how far back intake looks for the client's recent cases.
HISTORY_DAYS = 60
HISTORY_LIST_LIMIT = 8

CASES_PER_PAGE = 20  # open and past cases are each paged
BROKEN_SHOWN = 10  # the latest broken promises listed (the counts cover them all)
MOODS_SHOWN = 30  # the latest recorded moods drawn and listed (the count covers them all)
MOOD_SOURCES = ("At intake", "Temperature recorded", "Status update", "At delivery")

# What a row of the open and past lists and of the broken promises holds, and nothing more: the fields,
# then, in a case row, `next_promise_kind` and its list's `total`; in a promise row, `n_kept`, `n_broken`.
CASE_ROW_FIELDS = ("id", "reference", "summary", "step", "opened_at", "resolved_at", "closed_by_override",
                   "temperature", "client_wrote_at", "open_escalation_count", "next_promise_due_at",
                   "owner__first_name", "owner__last_name", "owner__username")
BROKEN_ROW_FIELDS = ("status", "source", "kind", "due_at", "kept_at", "case__reference",
                     "owner__first_name", "owner__last_name", "owner__username")


@dataclass(frozen=True)
class CasePage:
    """One page of a client's open or past cases (case rows, newest first); `number` is clamped to the
    pages there are."""

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


@dataclass(frozen=True)
class PromiseRecord:
    kept: int
    broken: int
    broken_promises: list  # the latest BROKEN_SHOWN, as promise rows

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


def _page_number(value):
    """A page number from the address: 1 for anything not a number, never past paging.MAX_PAGE_NUMBER
    (its OFFSET must still fit a bigint)."""
    try:
        return min(max(int(value), 1), MAX_PAGE_NUMBER)
    except (TypeError, ValueError):
        return 1


class _Reads:
    """The page's reads, portable (SQLite under `make run`): each list one query per part. The rows carry
    their counts (window counts), so nothing is counted apart."""

    def __init__(self, user, client):
        self.user, self.client = user, client

    def visible(self, qs, via="pk"):
        """`qs` (the client's cases, or rows of theirs reached through `via`) narrowed to the cases the
        user may see; as it is for a user who sees the whole team."""
        if sees_whole_team(self.user):
            return qs
        return qs.filter(**{f"{via}__in": visible_cases(self.user).values("pk")})

    def cases(self, is_open):
        cases = self.visible(Case.objects.filter(client=self.client))
        return cases.filter(step__in=OPEN_STEPS) if is_open else cases.exclude(step__in=OPEN_STEPS)

    def case_rows(self, numbers):
        """Page numbers[0] of the open cases and numbers[1] of the past ones: case rows, newest first."""
        pending = Promise.objects.filter(case=OuterRef("pk"), status=PromiseStatus.PENDING).order_by("due_at", "id")
        return [row for number, is_open in zip(numbers, (True, False)) for row in (
            self.cases(is_open).annotate(next_promise_kind=Subquery(pending.values("kind")[:1]),
                                         total=Window(Count("pk")))
            .order_by("-opened_at", "-id").values(*CASE_ROW_FIELDS, "next_promise_kind", "total")
            [(number - 1) * CASES_PER_PAGE:number * CASES_PER_PAGE])]

    def promise_rows(self):
        """The settled promises, broken first, newest first, BROKEN_SHOWN of them: promise rows."""
        kept, broken = Q(status=PromiseStatus.KEPT), Q(status=PromiseStatus.BROKEN)
        return list(self.visible(Promise.objects.filter(kept | broken, case__client=self.client), "case")
                    .annotate(n_kept=Window(Count("pk", filter=kept)), n_broken=Window(Count("pk", filter=broken)))
                    .order_by(ExpressionWrapper(kept, output_field=BooleanField()), "-due_at", "-id")
                    .values(*BROKEN_ROW_FIELDS, "n_kept", "n_broken")[:BROKEN_SHOWN])

    def mood_rows(self, limit):
        """The latest `limit` moods (and maybe more), as (when, source, id, mood, reference) with `source`
        indexing MOOD_SOURCES, and how many there are in all. Only real moods: a blank intake temperature,
        or an event whose JSON holds no mood, is no point."""
        moods, client = Mood.values, self.client
        sources = (  # (the records, when, the mood, the case's reference), in MOOD_SOURCES' order
            (self.visible(Case.objects.filter(client=client, intake_temperature__in=moods)),
             "opened_at", "intake_temperature", "reference"),
            (self.visible(CaseEvent.objects.filter(case__client=client, verb=TEMPERATURE_RECORDED,
                                                   data__to__in=moods), "case"),
             "created_at", KT("data__to"), "case__reference"),
            (self.visible(StatusUpdate.objects.filter(case__client=client, client_mood__in=moods), "case"),
             "given_at", "client_mood", "case__reference"),
            (self.visible(Delivery.objects.filter(case__client=client, client_mood__in=moods), "case"),
             "created_at", "client_mood", "case__reference"),
        )
        rows = [list(qs.annotate(source=Value(i), total=Window(Count("pk"))).order_by(f"-{when}", "-id")
                     .values_list(when, "source", "id", mood, ref, "total")[:limit])
                for i, (qs, when, mood, ref) in enumerate(sources)]  # each kind's latest, with its count
        return [row[:5] for part in rows for row in part], sum(part[0][5] for part in rows if part)


# The client page's statements on PostgreSQL (_PostgresReads). The tables are the models' (cases_case: Case,
# auth_user: its owner, cases_promise: Promise, cases_caseevent: CaseEvent, cases_statusupdate: StatusUpdate,
# cases_delivery: Delivery). `all` / `seen` keep every statement to the cases the user may see: all of the
# client's for a user who sees the whole team, else those whose ids `seen` lists.

# The client's cases numbered newest first within the open ones and within the past ones (`n`, out of
# `total`), and of those the page asked for of each (`start_open`, `start_past`: the rows before it).
CASE_PAGES_SQL = """
    SELECT k.*, (SELECT p.kind FROM cases_promise p WHERE p.case_id = k.id AND p.status = %(pending)s
                 ORDER BY p.due_at, p.id LIMIT 1)
    FROM (
        SELECT c.id, c.reference, c.summary, c.step, c.opened_at, c.resolved_at, c.closed_by_override,
               c.temperature, c.client_wrote_at, c.open_escalation_count, c.next_promise_due_at,
               u.first_name, u.last_name, u.username,
               COUNT(*) OVER (PARTITION BY c.step = ANY(%(open)s)) AS total,
               ROW_NUMBER() OVER (PARTITION BY c.step = ANY(%(open)s) ORDER BY c.opened_at DESC, c.id DESC) AS n,
               CASE WHEN c.step = ANY(%(open)s) THEN %(start_open)s ELSE %(start_past)s END AS start
        FROM cases_case c JOIN auth_user u ON u.id = c.owner_id
        WHERE c.client_id = %(client)s AND (%(all)s OR c.id = ANY(%(seen)s))
    ) k
    WHERE k.n > k.start AND k.n <= k.start + %(per_page)s
    ORDER BY k.opened_at DESC, k.id DESC"""
PROMISES_SQL = """
    SELECT p.status, p.source, p.kind, p.due_at, p.kept_at, c.reference, u.first_name, u.last_name, u.username,
           COUNT(*) FILTER (WHERE p.status = %(kept)s) OVER (),
           COUNT(*) FILTER (WHERE p.status = %(broken)s) OVER ()
    FROM cases_promise p JOIN cases_case c ON c.id = p.case_id JOIN auth_user u ON u.id = p.owner_id
    WHERE c.client_id = %(client)s AND (%(all)s OR c.id = ANY(%(seen)s)) AND p.status IN (%(kept)s, %(broken)s)
    ORDER BY p.status = %(kept)s, p.due_at DESC, p.id DESC LIMIT %(shown)s"""
# Every mood recorded on the client's cases (`k`, read once), in MOOD_SOURCES' order, then the latest
# `limit` of them (`at`, then `source`, then `id`, as _latest_moods sorts them), each with how many there
# are in all, and its case's reference.
MOODS_SQL = """
WITH k AS MATERIALIZED (
    SELECT id, reference, opened_at, intake_temperature FROM cases_case
    WHERE client_id = %(client)s AND (%(all)s OR id = ANY(%(seen)s))
)
SELECT m.at, m.source, m.id, m.mood, k.reference, m.total FROM (
    SELECT at, source, id, mood, case_id, COUNT(*) OVER () AS total FROM ((
        SELECT opened_at AS at, 0 AS source, id, intake_temperature AS mood, id AS case_id FROM k
        WHERE intake_temperature = ANY(%(moods)s)
    ) UNION ALL (
        SELECT r.created_at, 1, r.id, r.data ->> 'to', r.case_id FROM cases_caseevent r
        WHERE r.case_id IN (SELECT id FROM k) AND r.verb = %(verb)s AND r.data ->> 'to' = ANY(%(moods)s)
    ) UNION ALL (
        SELECT r.given_at, 2, r.id, r.client_mood, r.case_id FROM cases_statusupdate r
        WHERE r.case_id IN (SELECT id FROM k) AND r.client_mood = ANY(%(moods)s)
    ) UNION ALL (
        SELECT r.created_at, 3, r.id, r.client_mood, r.case_id FROM cases_delivery r
        WHERE r.case_id IN (SELECT id FROM k) AND r.client_mood = ANY(%(moods)s)
    )) moods
    ORDER BY at DESC, source DESC, id DESC LIMIT %(limit)s
) m JOIN k ON k.id = m.case_id"""


class _PostgresReads(_Reads):
    """The same reads on PostgreSQL, each list in one statement written out (the SQL above): the ORM took
    longer to build and compile them than PostgreSQL took to run them (make profile PAGE=client_page)."""

    def __init__(self, user, client):
        super().__init__(user, client)
        whole_team = sees_whole_team(user)
        seen = [] if whole_team else list(visible_cases(user).filter(client=client).values_list("pk", flat=True))
        self.params = {"client": client.pk, "all": whole_team, "seen": seen}

    def _rows(self, sql, **params):
        with connection.cursor() as cursor:
            cursor.execute(sql, {**self.params, **params})
            return cursor.fetchall()

    def case_rows(self, numbers):
        starts = {f"start_{part}": (number - 1) * CASES_PER_PAGE for part, number in zip(("open", "past"), numbers)}
        names = (*CASE_ROW_FIELDS, "total", "n", "start", "next_promise_kind")
        return [dict(zip(names, row)) for row in self._rows(
            CASE_PAGES_SQL, pending=PromiseStatus.PENDING, open=list(OPEN_STEPS), per_page=CASES_PER_PAGE, **starts)]

    def promise_rows(self):
        names = (*BROKEN_ROW_FIELDS, "n_kept", "n_broken")
        return [dict(zip(names, row)) for row in self._rows(
            PROMISES_SQL, kept=PromiseStatus.KEPT, broken=PromiseStatus.BROKEN, shown=BROKEN_SHOWN)]

    def mood_rows(self, limit):
        rows = self._rows(MOODS_SQL, moods=list(Mood.values), verb=TEMPERATURE_RECORDED, limit=limit)
        return [row[:5] for row in rows], rows[0][5] if rows else 0


def _case_pages(reads, numbers):
    """The page asked for of the open cases and of the past ones, with how many there are. A page past
    the end (an old link) is read again as the last page, after counting its list."""
    def split(rows):
        return [[row for row in rows if (row["step"] in OPEN_STEPS) == is_open] for is_open in (True, False)]

    shown = split(reads.case_rows(numbers))
    totals = [part[0]["total"] if part else None for part in shown]
    if any(total is None and number > 1 for total, number in zip(totals, numbers)):
        totals = [reads.cases(is_open).count() if total is None else total
                  for total, is_open in zip(totals, (True, False))]
        numbers = [min(number, max(1, -(-total // CASES_PER_PAGE))) for number, total in zip(numbers, totals)]
        shown = split(reads.case_rows(numbers))
    return [CasePage(cases=part, total=total or 0, number=number)
            for part, total, number in zip(shown, totals, numbers)]


def _promise_record(reads):
    rows = reads.promise_rows()
    return PromiseRecord(kept=rows[0]["n_kept"] if rows else 0, broken=rows[0]["n_broken"] if rows else 0,
                         broken_promises=[p for p in rows if p["status"] == PromiseStatus.BROKEN])


def _latest_moods(reads, limit):
    """The latest `limit` moods, oldest first, as the (when, Mood, label) points the mood_trend tag draws,
    and how many there are in all. Points at the same moment keep the order of MOOD_SOURCES, then of the
    records."""
    rows, total = reads.mood_rows(limit)
    rows = sorted(rows)[-limit:]  # (when, source, id): oldest first, never a tie
    return [(when, Mood(mood), f"{MOOD_SOURCES[source]}, {ref}") for when, source, _, mood, ref in rows], total


def client_page(user, pk, *, open_page=1, past_page=1):
    """Everything the client page shows, from the cases the user may see: a page of their open cases
    and one of their past cases (newest first), the promise record with the latest broken promises, and
    the latest moods with how many there are. 404 when there is no such client, or when the user sees
    none of their cases and not the whole team's. On PostgreSQL four queries, however many cases the
    client has (five for a user who sees only some cases): the client, both pages of cases, the promises,
    the moods."""
    client = Client.objects.filter(pk=pk).first()
    if client is None:
        raise Http404("No such client.")
    reads = (_PostgresReads if connection.vendor == "postgresql" else _Reads)(user, client)
    open_cases, past_cases = _case_pages(reads, (_page_number(open_page), _page_number(past_page)))
    if not (open_cases.total or past_cases.total or sees_whole_team(user)):
        raise Http404("No such client.")
    moods, mood_count = _latest_moods(reads, MOODS_SHOWN)
    return {
        "client": client, "open_page": open_cases, "past_page": past_cases,
        "case_count": open_cases.total + past_cases.total, "promises": _promise_record(reads),
        "moods": moods, "mood_count": mood_count,
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


def client_history(user, client_id, q="", *, now=None):
    """The chosen client's open and recent cases for the intake form, from the cases the user may see;
    None when `client_id` names no client (nothing picked, or a forged value) or one the picker would not
    offer this user, having typed `q` (selectors_ui.client_may_be_picked: not even the client's name)."""
    try:
        client = Client.objects.filter(pk=int(client_id)).first()
    except (TypeError, ValueError):
        return None
    if client is None or not client_may_be_picked(user, client, q):
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
