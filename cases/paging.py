"""Pages of long lists whose cost does not grow with the list: a count that stops at COUNT_CAP (the page
says "10,000+"), and "next page" links that carry the last row's sort key (a keyset cursor), so the
next page starts where the index says instead of reading and skipping every earlier row (an OFFSET).

A list is sorted by `terms`: (field, descending, nullable) triples ending with a unique field (the id);
only the first may be NULL, and NULLs sort last. The page numbers stay: "?page=3" alone still works
(an offset, never deeper than the capped count), and a next link is "?page=3&after=<cursor>"."""
import base64
import binascii
import datetime as dt
import functools
import json
import math

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connection
from django.db.models import Count, F, Q, Window
from django.utils.dateparse import parse_datetime
from django.utils.functional import cached_property

COUNT_CAP = 10_000


def capped_count(queryset, cap=COUNT_CAP):
    """How many rows, counting no further than cap + 1."""
    return queryset.order_by()[:cap + 1].count()


class CappedPaginator(Paginator):
    """A Paginator whose count stops at `cap` (one more row tells that there are more): counting 25,000
    open cases reads them all, counting to 10,001 reads at most that. `capped` says the count stopped.
    `count` may be given when the caller has counted already."""

    def __init__(self, object_list, per_page, cap=COUNT_CAP, count=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap
        if count is not None:
            self.__dict__["count"] = count

    @cached_property
    def count(self):
        if isinstance(self.object_list, list):
            return len(self.object_list)
        return capped_count(self.object_list, self.cap)

    @property
    def capped(self):
        return self.count > self.cap

    @cached_property
    def num_pages(self):
        return max(1, math.ceil(min(self.count, self.cap) / self.per_page))

    def count_label(self):
        """'1,234' or '10,000+'."""
        return f"{self.cap:,}+" if self.capped else f"{self.count:,}"


def order_by(terms):
    """The ORDER BY of `terms`, spelt so that an index on the same columns serves it (a NOT NULL column
    without a NULLS clause; the nullable first column with NULLS LAST)."""
    out = []
    for field, desc, nullable in terms:
        expr = F(field).desc(nulls_last=True) if desc else F(field).asc(nulls_last=True)
        out.append(expr if nullable else (f"-{field}" if desc else field))
    return out


def _json_value(value):
    return value.isoformat() if isinstance(value, dt.datetime) else value


def encode(row, terms):
    """The cursor of a row: its sort key, as URL-safe text."""
    values = [_json_value(getattr(row, field)) for field, _desc, _nullable in terms]
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def decode(cursor, terms, fields):
    """The sort key a cursor carries, typed like the model's fields; None for anything malformed (a
    hand-edited link then shows the page by its number)."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, TypeError):
        return None
    if not isinstance(values, list) or len(values) != len(terms):
        return None
    typed = []
    for (field, _desc, nullable), value in zip(terms, values):
        if value is None and nullable:
            typed.append(None)
            continue
        value = _typed(fields[field].get_internal_type(), value)
        if value is None:
            return None
        typed.append(value)
    return typed


def _typed(kind, value):
    """A cursor value as the database may compare it, or None (nothing PostgreSQL would refuse gets
    through: a date out of range, a number past 64 bits, a NUL character)."""
    if kind == "DateTimeField":
        try:
            value = parse_datetime(value) if isinstance(value, str) else None
        except ValueError:
            return None
        if value is None or value.tzinfo is None:
            return None
        try:  # a moment near year 1 or 9999 overflows once read in UTC (or the viewer's zone): refused
            in_utc = value.astimezone(dt.timezone.utc)
        except OverflowError:
            return None
        return value if 2 <= in_utc.year <= 9998 else None
    if kind in ("AutoField", "BigAutoField", "IntegerField", "PositiveIntegerField", "BigIntegerField"):
        ok = isinstance(value, int) and not isinstance(value, bool) and -2**63 < value < 2**63
        return value if ok else None
    return value if isinstance(value, str) and "\x00" not in value and len(value) <= 200 else None


def _after(terms, values):
    """The rows strictly after `values` in the order of `terms`: the exact condition (an OR no index can
    start from; `_bound` adds one that it implies)."""
    after, equal = Q(pk__in=[]), Q()
    for (field, desc, nullable), value in zip(terms, values):
        if value is None:  # NULLs sort last: only other NULLs (compared on the next terms) come after
            equal &= Q(**{f"{field}__isnull": True})
            continue
        beyond = Q(**{f"{field}__{'lt' if desc else 'gt'}": value})
        if nullable:
            beyond |= Q(**{f"{field}__isnull": True})
        after |= equal & beyond
        equal &= Q(**{field: value})
    return after


def _bound(terms, values):
    """Where the index scan may start: the first column not before its cursor value, within its segment
    (the non-NULL rows, or the NULL ones and then the second column)."""
    (first, desc, _nullable), value = terms[0], values[0]
    if value is None:
        (second, desc2, _n2), value2 = terms[1], values[1]
        return Q(**{f"{first}__isnull": True, f"{second}__{'lte' if desc2 else 'gte'}": value2})
    return Q(**{f"{first}__{'lte' if desc else 'gte'}": value})


def _compare(terms):
    def cmp(a, b):
        for i, (_field, desc, _nullable) in enumerate(terms):
            x, y = a[i], b[i]
            if x == y:
                continue
            if x is None or y is None:  # NULLs last
                return 1 if x is None else -1
            return (-1 if x > y else 1) if desc else (-1 if x < y else 1)
        return 0
    return functools.cmp_to_key(cmp)


def ids_after(queryset, terms, values, n):
    """The ids of the `n` rows of `queryset` after the cursor `values`, in order: one query that reads
    from the cursor's place in the index. With the cursor among the non-NULL values of a nullable first
    column, the NULL rows that sort after them come from a second SELECT of the same statement."""
    fields = [field for field, _desc, _nullable in terms]
    base = queryset.order_by()
    first, _desc, nullable = terms[0]
    rows = (base.filter(_bound(terms, values) & _after(terms, values)).order_by(*order_by(terms))
            .values_list(*fields)[:n])
    if nullable and values[0] is not None:
        nulls = base.filter(**{f"{first}__isnull": True}).order_by(*order_by(terms)).values_list(*fields)[:n]
        if connection.features.supports_slicing_ordering_in_compound:
            rows = rows.union(nulls, all=True)
        else:  # SQLite (`make run`): no LIMIT inside a UNION, so two statements
            rows = [*rows, *nulls]
    ordered = sorted(rows, key=_compare(terms))[:n]
    return [row[fields.index(terms[-1][0])] for row in ordered]


def in_order(queryset, ids):
    """The rows of `queryset` with these ids, in the order of `ids`."""
    return ordered_as(queryset.filter(pk__in=ids) if ids else [], ids)


def ordered_as(rows, ids):
    """`rows` (model instances) in the order of `ids`; an id with no row is left out."""
    by_id = {row.pk: row for row in rows}
    return [by_id[pk] for pk in ids if pk in by_id]


MAX_PAGE_NUMBER = 10**9  # far past any list's last page, and its OFFSET still a bigint


def _counted(ordered):
    """`ordered` with how many rows there are in all beside each (COUNT(*) OVER ())."""
    return ordered.annotate(rows_in_all=Window(Count("*")))


def first_page_of(ordered, per_page):
    """window_page's read of the first page of `ordered`, unevaluated (to be frozen: cases.frozen)."""
    return _counted(ordered)[:per_page]


def window_page(ordered, per_page, number, *, rows, first=None):
    """The page `number` of `ordered` (a sorted queryset of values() rows) in one query that also says how
    many rows there are in all (COUNT(*) OVER ()): the count without a second scan of the matches.
    `rows(part)` turns the page's values into what the page lists (the cases with what a row shows, one
    more query for the page's rows only). A number past the last page shows the last page (a count and
    the query again, that once); anything that is not a number shows the first. `first()`, when given,
    reads the first page instead: first_page_of(ordered, per_page), frozen by the caller."""
    try:  # a forged number past any real page shows the last one: no OFFSET the database cannot hold
        number = min(max(1, int(number)), MAX_PAGE_NUMBER)
    except (TypeError, ValueError):
        number = 1
    counted = _counted(ordered)
    if number == 1 and first is not None:
        part = first()
    else:
        part = list(counted[(number - 1) * per_page:number * per_page])
    if not part and number > 1:
        number = max(1, math.ceil(ordered.count() / per_page))
        part = list(counted[(number - 1) * per_page:number * per_page])
    paginator = Paginator([], per_page)
    paginator.count = part[0]["rows_in_all"] if part else 0  # cached_property: set, not computed
    return Page(rows(part), number, paginator)


class KeysetPage(Page):
    """A page reached by a cursor: its number is the one the link said; `next_cursor` continues."""


def page_of(queryset, terms, *, per_page, number, cursor, cap=COUNT_CAP, rows=None):
    """The page `number` of `queryset` sorted by `terms` (capped count); when `cursor` (the previous
    page's last row) is given and valid, the rows come from its place in the index, not an offset.
    Each page carries `next_cursor` for its next link. `rows(ids)`, when given, turns the page's ids
    into what the page lists, in their order and carrying the sort's fields: the count and the page's
    ids then read the filtered rows alone."""
    fields = {f.name: f for f in queryset.model._meta.concrete_fields}
    fields.update({f.attname: f for f in queryset.model._meta.concrete_fields})
    ordered = queryset.order_by(*order_by(terms))
    paginator = CappedPaginator(ordered if rows is None else ordered.values_list("pk", flat=True), per_page, cap=cap)
    values = decode(cursor, terms, fields) if cursor else None
    try:
        number = paginator.validate_number(number)
    except PageNotAnInteger:  # as Paginator.get_page: not a number, the first page; past the end, the last
        number, values = 1, None
    except EmptyPage:
        number, values = paginator.num_pages, None
    if values is None:
        page = paginator.get_page(number)
    else:
        ids = ids_after(queryset, terms, values, per_page)
        page = KeysetPage(ids if rows is not None else in_order(queryset, ids), number, paginator)
    shown = list(page.object_list) if rows is None else rows(list(page.object_list))
    page.object_list = shown
    page.next_cursor = encode(shown[-1], terms) if shown and page.has_next() else ""
    return page
