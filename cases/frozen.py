"""Reads of one fixed shape whose SQL is written once per process, not on every request.

The case page reads a dozen kinds of records for one case, My cases reads its page's rows, and so on:
the same queryset every time, only the case (or the ids) differ. Django builds and compiles such a
queryset anew on each call, and for small reads that costs more than the database does (~0.5 ms of
Python per query on the case page). A `FrozenRead` builds its queryset once with a stand-in value,
compiles it once per database connection's vendor, and afterwards only puts the real value in place of
the stand-in among the parameters: the statement sent is the one the ORM writes for that value, and the
rows come back through Django's own iterables (model instances with their select_related rows,
annotations, values()).

    concerns = FrozenRead(lambda case_id: Concern.objects.filter(case_id=case_id).order_by("id"))
    concerns(case.pk)  # -> [Concern, ...]

Rules for the builder: the value must reach the SQL only as a parameter (a filter value, not a slice
bound or a column name), and the builder must not depend on anything else that changes between calls
(the time, settings): it runs once. The value is one whole number (an id). tests/cases/test_frozen.py
checks that a frozen read sends exactly what the ORM writes and returns what it returns."""
import copy
import threading

from django.db import connections
from django.db.models import QuerySet

STAND_IN = -917_263_541  # an id no row has; a plain integer passes every prep step unchanged


class _BoundQuery:
    """The frozen query with this call's parameters: the compiler it hands out skips compiling."""

    def __init__(self, query, compiler, sql, params):
        self._query, self._compiler, self._sql, self._params = query, compiler, sql, params

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        compiler = copy.copy(self._compiler)
        compiler.connection = connection or connections[using]  # this thread's connection
        sql, params = self._sql, self._params
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        return compiler

    def __getattr__(self, name):  # what an iterable reads besides the compiler (values() names)
        return getattr(self._query, name)


class FrozenRead:
    """`build(value)` -> a queryset; calling the FrozenRead with a value runs that queryset's SQL for the
    value and returns its rows as a list."""

    def __init__(self, build):
        self.build = build
        self._compiled = {}
        self._lock = threading.Lock()

    def _compile(self, alias):
        queryset = self.build(STAND_IN)
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        slots = [i for i, p in enumerate(params) if _is_stand_in(p)]
        if not slots:
            raise ValueError("the value never reaches the SQL as a parameter")
        return queryset, compiler, sql, tuple(params), slots

    def compiled(self, alias="default"):
        key = (alias, connections[alias].vendor)
        entry = self._compiled.get(key)
        if entry is None:
            with self._lock:
                entry = self._compiled.setdefault(key, self._compile(alias))
        return entry

    def queryset(self, value, alias="default"):
        """The queryset for `value`, unevaluated; iterating it sends the frozen SQL."""
        if type(value) is not int:
            raise TypeError(f"a frozen read takes a whole number, not {type(value).__name__}")
        template, compiler, sql, params, slots = self.compiled(alias)
        params = list(params)
        for i in slots:
            params[i] = value
        bound = _BoundQuery(template.query, compiler, sql, params)
        queryset = QuerySet(model=template.model, query=bound, using=alias)
        queryset._iterable_class, queryset._fields = template._iterable_class, template._fields
        return queryset

    def __call__(self, value, alias="default"):
        return list(self.queryset(value, alias))


def _is_stand_in(param):
    return type(param) is int and param == STAND_IN
