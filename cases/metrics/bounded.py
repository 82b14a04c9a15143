"""Query pieces that keep the team page's work bounded by the window, whatever the size of the history.

A join from the window's rows to `cases_case` (for the case's owner) or from the window's cases to their
other rows is planned by PostgreSQL as a hash join over the whole other table once the window holds a
few thousand rows; these two forms make it a few index probes per row of the window instead:

- `case_owner()`: the case's current owner as a correlated subquery on the case's primary key;
- `among(field, ids)`: `field = ANY(ARRAY(ids))`, which the planner serves with an index on `field`
  (on other databases, `field IN (ids)`: SQLite for `make run` has no ARRAY and no large tables)."""
from django.db import connection
from django.db.models import BooleanField, F, Func, OuterRef, Q, Subquery

from ..models import Case


def case_owner(case_field="case_id"):
    return Subquery(Case.objects.filter(pk=OuterRef(case_field)).order_by().values("owner_id")[:1])


class _AnyOf(Func):
    """`lhs = ANY(array)`."""

    output_field = BooleanField()

    def as_sql(self, compiler, connection, **extra_context):
        (lhs, lhs_params), (rhs, rhs_params) = (compiler.compile(e) for e in self.get_source_expressions())
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


def among(field, ids):
    """A filter: `field` is one of the values the one-column queryset `ids` returns."""
    if connection.vendor == "postgresql":
        from django.contrib.postgres.expressions import ArraySubquery

        return _AnyOf(F(field), ArraySubquery(ids))
    return Q(**{f"{field}__in": ids})
