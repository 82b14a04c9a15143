"""`field__any=[...]`: membership in a list given as one value. On PostgreSQL it is one array parameter
(`col = ANY(%s::bigint[])`), where `__in` writes, escapes and parses one placeholder per value: My cases
matches a rep's item cases by id, and a rep with 700 open items paid ~5 ms per request in the ORM and
the driver for the 700 placeholders. Elsewhere (SQLite under `make run`) it is an IN list. An empty
list matches nothing. Registered on every field by CasesConfig.ready().

Give the values as a set (or any iterable but a list or tuple): Django walks every element of a list or
tuple looking for expressions to resolve. Whole numbers go to PostgreSQL as one array literal, written
here, where the driver would dump each element."""
from django.core.exceptions import EmptyResultSet
from django.db.models import Field, Lookup


@Field.register_lookup
class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def get_prep_lookup(self):
        values = [value for value in self.rhs if value is not None]
        if all(type(value) is int for value in values):  # ids: already what the field would make of them
            return values
        prep = self.lhs.output_field.get_prep_value
        return [prep(value) for value in values]

    def as_sql(self, compiler, connection):
        if not self.rhs:
            raise EmptyResultSet
        lhs, params = self.process_lhs(compiler, connection)
        if connection.vendor == "postgresql":
            array = self.rhs
            if all(type(value) is int for value in array):
                array = array_literal(array)
            return f"{lhs} = ANY(%s::{self.lhs.output_field.cast_db_type(connection)}[])", (*params, array)
        return f"{lhs} IN ({', '.join(['%s'] * len(self.rhs))})", (*params, *self.rhs)


def array_literal(ids):
    """PostgreSQL's array literal of whole numbers: digits, minus signs and commas only."""
    return "{" + ",".join(map(str, ids)) + "}"
