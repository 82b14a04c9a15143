"""Find any case of the team: reference, client name, organisation, email, phone, summary, concern
text (what, the impact, how the client feels), root problem and status-update text (the summary and the
line for the client), over the cases the user may see (selectors.visible_cases).

Invariant: `Case.search_text` and `Case.search_names` are written only here, from the case's current
records. Every case service reaches `search_fill` through services.common.refresh_counters; a client's
edit refreshes all their cases with `search_refresh`. Both columns are accent-stripped and lower-cased
(`fold`), and so is the query, so "Tomas" finds "Tomás" on any database.

On PostgreSQL (migration 0006 builds the indexes): full-text search on to_tsvector('simple',
search_text), every word matched as a prefix ("dennis hal" finds "Dennis Hale"), the names holding the
query, ranked in tiers (postgres_search); pg_trgm word similarity on search_names for misspelt names when
nothing matches exactly; "C-5" finds C-000005. On SQLite (`make run`)
a plain substring fallback over the same two columns."""
import re
import unicodedata

from django.contrib.postgres.search import SearchQuery, SearchVectorField, TrigramWordSimilarity
from django.db import connection
from django.db.models import Case as CaseWhen
from django.db.models import F, FloatField, Func, OuterRef, Q, Subquery, Value, When

from .models import Case, Concern, Promise, PromiseStatus, StatusUpdate
from .paging import capped_count, window_page
from .selectors import visible_cases
from .text import PHONE_QUERY, digits
from .selectors_ui import LIST_ROW_FIELDS, page_rows

SEARCH_FIELDS = ["search_text", "search_names"]
QUERY_MAX_LENGTH = 200
MAX_WORDS = 12
# to_tsvector refuses more than 1 MB; a case with thousands of updates keeps its first 200,000 characters.
TEXT_LIMIT = 200_000

# Letters NFKD does not take apart into a base letter and an accent.
_FOLD_EXTRA = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe",
                             "ı": "i", "ħ": "h", "ŧ": "t"})
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_REFERENCE = re.compile(r"^c-0*(\d+)$")
# What a user types for a reference: "C-000005", "c-5", "c5", "C 5", "#5".
_TYPED_REFERENCE = re.compile(r"^(?:(c)\s*-?\s*|(#))?0*(\d{1,9})$")
_WEBSEARCH_SYNTAX = re.compile(r'"|(^|\s)-\w|\sor\s')


# --- the two columns ------------------------------------------------------------------------------
def fold(value):
    """Accents off, case folded, whitespace collapsed: 'Tomás  ØSTERGÅRD' -> 'tomas ostergard'."""
    text = unicodedata.normalize("NFKD", str(value or ""))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().translate(_FOLD_EXTRA).split())


def words(value):
    """The folded words of a text, punctuation dropped: "payroll-due (3 days)" -> payroll due 3 days."""
    return _NON_WORD.sub(" ", fold(value)).split()


def reference_spellings(reference):
    """'C-000005' -> ['c-000005', 'c-5', 'c5', '5']: every way a rep may type it."""
    ref = fold(reference)
    match = _REFERENCE.match(ref)
    if not match:
        return [ref] if ref else []
    n = match.group(1)
    return [ref, f"c-{n}", f"c{n}", n]


def columns(*, reference, client, texts):
    """(search_text, search_names) for a case: its reference, its client (name, organisation, email,
    phone) and its free texts. A pure function: the backfill migration calls it too."""
    contact = [client.name, client.organisation, client.email]
    names = [*reference_spellings(reference), *(fold(v) for v in contact), fold(client.phone), digits(client.phone)]
    search_names = " ".join(n for n in names if n)
    search_text = " ".join(words(" ".join([*contact, *(t or "" for t in texts)])))
    return search_text[:TEXT_LIMIT], search_names


# What of a concern and of a status update is searched: all their text (found by an audit: a word only in
# how the client felt, or in the line written for the client's status page, found nothing).
CONCERN_TEXT = ("description", "impact", "feeling")
UPDATE_TEXT = ("summary", "client_line")


def case_texts(case, concerns, updates):
    """A case's free texts, for `columns`: its summary and root problem, its concerns' and updates' text."""
    return [case.summary, case.root_problem, *(getattr(c, f) for c in concerns for f in CONCERN_TEXT),
            *(getattr(u, f) for u in updates for f in UPDATE_TEXT)]


def search_fill(case):
    """Set both columns on `case` from the database, without saving (refresh_counters saves them with
    the counters, in the same UPDATE). Three queries."""
    concerns = Concern.objects.filter(case=case).only(*CONCERN_TEXT)
    updates = StatusUpdate.objects.filter(case=case).only(*UPDATE_TEXT)
    case.search_text, case.search_names = columns(reference=case.reference, client=case.client,
                                                  texts=case_texts(case, concerns, updates))
    return case


def search_refresh(cases, *, batch_size=500):
    """Recompute and save both columns for many cases (a client's edit, the demo seed, a backfill), in
    a fixed number of queries per batch. The caller holds whatever locks its rule needs."""
    qs = cases.select_related("client").prefetch_related("concerns", "status_updates").order_by("pk")
    batch = []
    for case in qs.iterator(chunk_size=batch_size):
        case.search_text, case.search_names = columns(
            reference=case.reference, client=case.client,
            texts=case_texts(case, case.concerns.all(), case.status_updates.all()))
        batch.append(case)
        if len(batch) >= batch_size:
            Case.objects.bulk_update(batch, SEARCH_FIELDS)
            batch = []
    if batch:
        Case.objects.bulk_update(batch, SEARCH_FIELDS)


# --- the query ------------------------------------------------------------------------------------
class SimpleVector(Func):
    """to_tsvector('simple', search_text), spelt exactly as the GIN expression index of migration 0006
    so that PostgreSQL uses it."""
    template = "to_tsvector('simple'::regconfig, %(expressions)s)"
    output_field = SearchVectorField()


def typed_reference(q):
    """The reference a query names ('C-5' -> 'C-000005'), and whether it said so with its 'C' (then only
    that case matches; a bare number may also be a phone or a word)."""
    match = (_TYPED_REFERENCE.match(fold(q).replace(" ", ""))
             or _TYPED_REFERENCE.match(q.strip().lower().replace(" ", "")))
    if not match:
        return None, False
    return f"C-{int(match.group(3)):06d}", bool(match.group(1) or match.group(2))


def prefix_tsquery(q):
    """Every folded word of the query as a prefix, all required: 'Dennis Hal' -> 'dennis:* & hal:*'.
    Words are letters and digits only, so nothing a user types can break the tsquery syntax."""
    return " & ".join(f"{w}:*" for w in words(q)[:MAX_WORDS])


def _phone_q(q):
    if PHONE_QUERY.match(q) and len(digits(q)) >= 4:
        return Q(search_names__contains=digits(q))
    return Q(pk__in=[])


def postgres_search(cases, q):
    """Cases of `cases` matching `q` exactly: every word as a prefix in the full text, which holds the
    client's name, organisation and email too (or websearch syntax when the query uses quotes, OR or
    -word), the phone's digits, or the reference. Ranked in tiers, never by a per-row score: the
    reference (10), names holding the whole query (2), a mention (0); within a tier, search_cases'
    order. A score (ts_rank, trigram similarity) would be computed for every match before the first page
    could be cut, and a client's surname can match thousands of cases; a tier costs a comparison. The
    full-text index answers the match exactly (no row rechecked): the trigram index is only asked when
    nothing matches (fuzzy_search)."""
    folded = fold(q)
    reference, only_reference = typed_reference(q)
    if only_reference:
        return cases.filter(reference=reference).annotate(rank=Value(10.0, output_field=FloatField()))
    if _WEBSEARCH_SYNTAX.search(f" {folded} "):
        tsquery = SearchQuery(folded, search_type="websearch", config="simple")
    else:
        raw = prefix_tsquery(q)
        tsquery = SearchQuery(raw, search_type="raw", config="simple") if raw else None
    match = _phone_q(q)
    if tsquery is not None:
        cases = cases.alias(document=SimpleVector("search_text"))
        match |= Q(document=tsquery)
    whens = [When(search_names__contains=folded, then=Value(2.0))]
    if reference:
        match |= Q(reference=reference)
        whens.insert(0, When(reference=reference, then=Value(10.0)))
    return cases.filter(match).annotate(rank=CaseWhen(*whens, default=Value(0.0), output_field=FloatField()))


def fuzzy_search(cases, q):
    """Names that look like `q` (pg_trgm word similarity over the names: a misspelt "Denis Hale" finds
    Dennis Hale), most alike first. search_cases asks only when nothing matches exactly."""
    folded = fold(q)
    return (cases.filter(search_names__trigram_word_similar=folded)
            .annotate(rank=TrigramWordSimilarity(Value(folded), "search_names")))


def fallback_search(cases, q):
    """The embedded SQLite's search: every word of the query is a substring of the names or the text
    (both folded, as is the query); a case whose names hold the whole query comes first."""
    folded = fold(q)
    reference, only_reference = typed_reference(q)
    if only_reference:
        return cases.filter(reference=reference).annotate(rank=Value(10.0, output_field=FloatField()))
    match = Q()
    for token in folded.split()[:MAX_WORDS]:
        in_text = Q(search_text__contains=" ".join(words(token))) if words(token) else Q(pk__in=[])
        match &= Q(search_names__contains=token) | in_text
    match |= _phone_q(q)
    if reference:
        match |= Q(reference=reference)
    whens = [When(reference=reference, then=Value(10.0))] if reference else []
    rank = CaseWhen(*whens, When(search_names__contains=folded, then=Value(1.0)), default=Value(0.0))
    return cases.filter(match).annotate(rank=rank)


def search_page(user, q, number, per_page):
    """A page of the cases `user` may see that match `q` (cases.paging.window_page: the page's ids with
    the number of matches, then the page's rows); on PostgreSQL, when nothing matches exactly, the names
    that look alike. No EXISTS (a LIMIT 1) decides that: over the full-text expression it lets
    PostgreSQL compute to_tsvector row by row over every case, looking for a first match that may not
    exist; counting the matches, it reads the index."""
    found, alike = _matches(user, q)
    page = window_page(found.values("pk"), per_page, number, rows=_page_rows)
    if page.paginator.count or alike is None:
        return page
    return window_page(alike.values("pk"), per_page, number, rows=_page_rows)


def search_cases(user, q):
    """The cases `user` may see that match `q`, best match first, then by the next promise due (with what
    a result row shows: client, owner, the next promise's kind); the names that look alike when nothing
    matches exactly (PostgreSQL)."""
    found, alike = _matches(user, q)
    return _rows(found if alike is None or capped_count(found) else alike)


def _matches(user, q):
    """(the exact matches, the fuzzy ones to fall back on or None), both in the list's order: the bare
    cases (a page's rows get what a row shows by id, so the row's subquery is not built for the count)."""
    cases = visible_cases(user)
    if not words(q):
        return cases.none(), None
    if connection.vendor != "postgresql":
        return _ordered(fallback_search(cases, q)), None
    return _ordered(postgres_search(cases, q)), _ordered(fuzzy_search(cases, q))


def _page_rows(part):
    """A page's cases by id, as a row shows them (not matched again: the ids are the matches)."""
    return page_rows([row["pk"] for row in part])


def _ordered(matched):
    return matched.order_by("-rank", F("next_promise_due_at").asc(nulls_last=True), "-opened_at", "-pk")


def _rows(matched):
    next_promise = Promise.objects.filter(case=OuterRef("pk"), status=PromiseStatus.PENDING).order_by("due_at", "id")
    return (
        matched.select_related("client", "owner").only(*LIST_ROW_FIELDS)
        .annotate(next_promise_kind=Subquery(next_promise.values("kind")[:1]))
    )
