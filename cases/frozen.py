"""Reads of one fixed shape whose SQL is written once per process, not on every request.

The case page reads a dozen kinds of records for one case, My cases reads its page's rows, and so on:
the same queryset every time, only the case (or the ids) differ. Django builds and compiles such a
queryset anew on each call, and for small reads that costs more than the database does (~0.5 ms of
Python per query on the case page). A `FrozenRead` builds its queryset once with a stand-in value,
compiles it once per database connection's vendor, and afterwards only puts the real values in place of
the stand-ins among the parameters: the statement sent is the one the ORM writes for those values, and
the rows come back through Django's own iterables (model instances with their select_related rows,
annotations, values()).

    concerns = FrozenRead(lambda case_id: Concern.objects.filter(case_id=case_id).order_by("id"))
    concerns(case.pk)  # -> [Concern, ...]
    rows = FrozenRead(lambda ids, now: Case.objects.filter(pk__any=ids).annotate(late=Q(due__lt=now)))
    rows({3, 5, 8}, timezone.now())

Arguments: whole numbers (ids), strings compared as they are (a reference: a lookup that rewrites its
value, such as `icontains`, is refused when the read is first built), aware datetimes, and sets of ids
given to `field__any` (one array parameter, cases.lookups); datetimes and id sets are frozen on
PostgreSQL only (elsewhere the read is
built by the ORM on each call, as if it were not frozen), and an empty id set reads nothing without a
query, as the ORM does. Rules for the builder: each argument must reach the SQL only as a parameter (a
filter value, not a slice bound or a column name), and the builder must not depend on anything else
that changes between calls (the time, settings): it runs once per kind of arguments.
On PostgreSQL the statement is prepared once per connection (config.postgresql: prepared reads), so
PostgreSQL does not parse and plan it again on every page either.
tests/cases/test_frozen.py checks that a frozen read sends exactly what the ORM writes and returns what
it returns."""
import copy
import datetime as dt
import threading
from collections.abc import Set

from django.db import connections
from django.db.models import QuerySet

from .lookups import array_literal

STAND_IN = -917_263_541  # an id no row has; a plain integer passes every prep step unchanged
_INT, _STR, _TIME, _IDS = "int", "str", "datetime", "ids"
_ANY_DATABASE = {_INT, _STR}  # kinds every database takes as they are


def _kind(value):
    if type(value) is int:
        return _INT
    if type(value) is str:
        return _STR
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return _TIME
    if isinstance(value, Set) and all(type(v) is int for v in value):
        return _IDS
    raise TypeError(f"a frozen read takes ids, strings, aware datetimes and sets of ids, not {type(value).__name__}")


def _stand_in(kind, i):
    if kind == _INT:
        return STAND_IN - i
    if kind == _STR:
        return f"frozen-stand-in-{i}{STAND_IN}"
    if kind == _TIME:
        return dt.datetime(1901, 1, 1, 0, 0, i, 917_263, tzinfo=dt.timezone.utc)
    return frozenset({STAND_IN - i})


def _as_param(kind, value):
    """The parameter the ORM makes of `value` on PostgreSQL (and of an id on any database)."""
    return array_literal(value) if kind == _IDS else value


class _BoundQuery:
    """The frozen query with this call's parameters: the compiler it hands out skips compiling."""

    def __init__(self, query, compiler, sql, params):
        self._query, self._compiler, self._sql, self._params = query, compiler, sql, params

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        compiler = copy.copy(self._compiler)
        compiler.connection = connection or connections[using]  # this thread's connection
        sql, params = self._sql, self._params
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        prepared = getattr(compiler.connection, "prepared_reads", None)  # config.postgresql
        if prepared is not None:
            run = compiler.execute_sql

            def execute_sql(*args, **kwargs):
                with prepared():  # the statement is sent, and its cursor opened, inside
                    return run(*args, **kwargs)
            compiler.execute_sql = execute_sql
        return compiler

    def chain(self, klass=None):
        """A frozen queryset is run as it is: filtering or slicing it would compile the stand-ins."""
        raise TypeError("a frozen read is run as built: filter or slice it in its builder")

    clone = chain

    def __getattr__(self, name):  # what an iterable reads besides the compiler (values() names)
        return getattr(self._query, name)


class FrozenRead:
    """`build(*values)` -> a queryset; calling the FrozenRead with values runs that queryset's SQL for
    them and returns its rows as a list."""

    def __init__(self, build):
        self.build = build
        self._compiled = {}
        self._lock = threading.Lock()

    def _compile(self, alias, kinds):
        stand_ins = [_stand_in(kind, i) for i, kind in enumerate(kinds)]
        try:
            queryset = self.build(*stand_ins)
            compiler = queryset.query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
        except (TypeError, ValueError) as exc:  # e.g. a string given for a number: never a frozen parameter
            raise ValueError(f"arguments of kinds {kinds} never reach the SQL as parameters: {exc}") from exc
        if queryset._prefetch_related_lookups or queryset._known_related_objects:
            raise ValueError("a frozen read carries its SQL only: no prefetch_related, no related manager")
        wanted = [_as_param(kind, value) for kind, value in zip(kinds, stand_ins)]
        slots = [(i, wanted.index(p)) for i, p in enumerate(params) if _is_stand_in(p, wanted)]
        missing = set(range(len(kinds))) - {arg for _i, arg in slots}
        if missing:
            raise ValueError(f"argument {min(missing) + 1} never reaches the SQL as a parameter")
        return queryset, compiler, sql, tuple(params), slots

    def compiled(self, kinds, alias="default"):
        key = (alias, connections[alias].vendor, kinds)
        entry = self._compiled.get(key)
        if entry is None:
            with self._lock:
                entry = self._compiled.get(key) or self._compiled.setdefault(key, self._compile(alias, kinds))
        return entry

    def queryset(self, *values, alias="default"):
        """The queryset for `values`, unevaluated; iterating it sends the frozen SQL."""
        kinds = tuple(_kind(value) for value in values)
        if connections[alias].vendor != "postgresql" and not set(kinds) <= _ANY_DATABASE:
            return self.build(*values)
        if any(kind == _IDS and not value for kind, value in zip(kinds, values)):
            return self.build(*values)  # matches nothing: the ORM reads nothing
        template, compiler, sql, params, slots = self.compiled(kinds, alias)
        params = list(params)
        for i, arg in slots:
            params[i] = _as_param(kinds[arg], values[arg])
        bound = _BoundQuery(template.query, compiler, sql, params)
        queryset = QuerySet(model=template.model, query=bound, using=alias)
        queryset._iterable_class, queryset._fields = template._iterable_class, template._fields
        return queryset

    def __call__(self, *values, alias="default"):
        return list(self.queryset(*values, alias=alias))

    def first(self, *values, alias="default"):
        """The first row for `values`, or None (the builder limits its read to what is needed: [:1])."""
        found = self(*values, alias=alias)
        return found[0] if found else None


def held_by(rows, parent, field="case"):
    """Rows a frozen read fetched by their parent's id, each holding `parent` as the related manager's
    rows would (no query when a template reads row.case)."""
    for row in rows:
        type(row)._meta.get_field(field).set_cached_value(row, parent)
    return rows


def _is_stand_in(param, wanted):
    return type(param) in (int, str, dt.datetime) and param in wanted
