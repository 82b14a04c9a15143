"""Query pieces that keep the team page's work bounded by the window, whatever the size of the history.

A join from the window's cases to their other rows is planned by PostgreSQL as a hash join over the
whole other table once the window holds a few thousand rows; `among(field, ids)`, `field = ANY(ARRAY(ids))`,
makes it a few index probes per row of the window instead (on other databases, `field IN (ids)`: SQLite for
`make run` has no ARRAY and no large tables). No collector joins `cases_case` for the owner: each event
carries the case's owner when it was written (CaseEvent.owner).

And `Weeks`, the week of the window a timestamp falls in, for the weekly series: on PostgreSQL
`width_bucket` over the instants the window's weeks start (a binary search per row, instead of a time
zone conversion and a truncation per row); elsewhere TruncWeek."""
import datetime as dt

from django.db import connection
from django.db.models import BooleanField, F, Func, IntegerField, Q, Value
from django.db.models.functions import TruncWeek
from django.utils import timezone

from .window import site_zone, week_of


def on_postgresql():
    """Whether the team page's statements run on PostgreSQL; elsewhere (SQLite for `make run`) each
    collector takes its portable path."""
    return connection.vendor == "postgresql"


class _AnyOf(Func):
    """`lhs = ANY(array)`."""

    output_field = BooleanField()

    def as_sql(self, compiler, connection, **extra_context):
        (lhs, lhs_params), (rhs, rhs_params) = (compiler.compile(e) for e in self.get_source_expressions())
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


def among(field, ids):
    """A filter: `field` is one of the values the one-column queryset `ids` returns."""
    if on_postgresql():
        from django.contrib.postgres.expressions import ArraySubquery

        return _AnyOf(F(field), ArraySubquery(ids))
    return Q(**{f"{field}__in": ids})


class _WidthBucket(Func):
    """`width_bucket(lhs, thresholds)`: 0 before the first threshold, i from the i-th one on."""

    function = "width_bucket"
    output_field = IntegerField()

    def __init__(self, expression, thresholds):
        super().__init__(expression, Value(thresholds))

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="%(function)s(%(expressions)s::timestamptz[])",
                              **extra_context)


class Weeks:
    """The weeks of window `w` (w.weeks: the Mondays, oldest first, in the site's time zone)."""

    def __init__(self, w):
        self.mondays = w.weeks
        self.postgres = on_postgresql()

    def starts(self):
        """The instants the weeks after the first start: `width_bucket(moment, starts)` is the index in
        `mondays` of the week holding `moment` (0 for the first)."""
        return [timezone.make_aware(dt.datetime.combine(monday, dt.time()), site_zone()) for monday in self.mondays[1:]]

    def of(self, field):
        """An expression for the week `field` falls in, read back by `monday`."""
        if not self.postgres:
            return TruncWeek(field, tzinfo=site_zone())
        starts = self.starts()
        return _WidthBucket(F(field), starts) if starts else Value(0, output_field=IntegerField())

    def monday(self, value):
        """The Monday (a date) of the week `of` gave."""
        return self.mondays[value] if self.postgres else week_of(value)
