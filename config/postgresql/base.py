"""Django's PostgreSQL backend, reading timestamps with psycopg's compiled loader.

Django 5.2 registers, on every psycopg 3 connection, a timestamptz loader of its own: a Python subclass
of psycopg's loader that re-labels each value with the connection's time zone. psycopg swaps in its
compiled (psycopg[binary]) loaders only for its own classes, so every timestamp a page reads is parsed in
Python (~4 µs each against ~0.1 µs: a list of 25 cases reads a few hundred). With USE_TZ and no
TIME_ZONE in DATABASES (this project's settings), Django's time zone for the connection is UTC, the
session's time zone is set to UTC when the connection opens, and psycopg's own loader already returns
every value in `datetime.timezone.utc`: the same datetimes Django's loader gives, so this backend keeps
psycopg's. Any other time-zone setting gets Django's loader, unchanged.
tests/test_postgresql_backend.py compares the values with Django's loader's.

Prepared reads: inside `connection.prepared_reads()` (cases.frozen runs its reads there) a cursor binds
its parameters on the server and its statement is prepared, once per connection, so PostgreSQL parses
and plans a fixed-shape read once, not on every page. Every other statement is sent as Django sends it
(values in the SQL, never prepared). OPTIONS["prepared_reads"] (config.settings.base) turns it off.
tests/test_prepared_reads.py."""
import contextlib
import datetime as dt

import psycopg
from django.db.backends.postgresql import base, operations
from django.db.backends.postgresql.psycopg_any import register_tzloader
from django.utils.asyncio import async_unsafe
from django.utils.functional import cached_property
from psycopg import adapt, errors
from psycopg.pq import Format
from psycopg.types.datetime import TimestamptzLoader

TIMESTAMPTZ = psycopg.adapters.types["timestamptz"].oid


# PostgreSQL holds UTC offsets up to ±15:59, Python's datetimes up to ±23:59: a moment written with a
# larger offset ("2026-12-06T22:04+16:00" typed in a form, an email's Date header) is refused by the
# database as text. psycopg's compiled dumpers, kept for every other value.
_TEXT_DATETIME = psycopg.adapters.get_dumper(dt.datetime, adapt.PyFormat.TEXT)
_BINARY_DATETIME = psycopg.adapters.get_dumper(dt.datetime, adapt.PyFormat.BINARY)
_PG_LARGEST_OFFSET = dt.timedelta(hours=15, minutes=59)


class AnyOffsetDatetimeDumper(adapt.Dumper):
    """psycopg's text dumper for aware datetimes, writing one whose offset PostgreSQL cannot hold as the same
    moment in UTC (found by an audit: such a date answered 500 on the rep's forms, the team page's download
    link and the admin's filters). Naive datetimes go to psycopg's own dumper."""

    oid = TIMESTAMPTZ

    def __init__(self, cls, context=None):
        super().__init__(cls, context)
        self._dumper = _TEXT_DATETIME(cls, context)

    def get_key(self, obj, format):
        return self._dumper.get_key(obj, format)

    def upgrade(self, obj, format):
        return self if obj.tzinfo else self._dumper.upgrade(obj, format)

    def dump(self, obj):
        offset = obj.utcoffset()
        if offset is not None and abs(offset) > _PG_LARGEST_OFFSET:
            obj = obj.astimezone(dt.timezone.utc)
        return self._dumper.dump(obj)


class PreparedCursor(psycopg.Cursor):
    """A cursor whose parameters travel apart from the SQL: psycopg prepares its statements (the
    connection's prepare_threshold is 0, and Django's own cursors, ClientCursors, never prepare)."""


class DatabaseOperations(operations.DatabaseOperations):
    def last_executed_query(self, cursor, sql, params):
        """The SQL with its values in place, for a prepared read too (its own text holds $1, $2...)."""
        if isinstance(cursor, PreparedCursor):
            try:
                return self.compose_sql(sql, params)
            except errors.DataError:
                return None
        return super().last_executed_query(cursor, sql, params)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
    _preparing = False

    @cached_property
    def prepares_reads(self):
        return bool(self.settings_dict["OPTIONS"].get("prepared_reads"))

    @contextlib.contextmanager
    def prepared_reads(self):
        """Cursors opened inside are PreparedCursors (when OPTIONS["prepared_reads"] is on)."""
        before, self._preparing = self._preparing, self.prepares_reads
        try:
            yield
        finally:
            self._preparing = before

    @cached_property
    def reads_utc(self):
        """Whether Django wants this connection's timestamps in datetime.timezone.utc (USE_TZ, no TIME_ZONE
        in DATABASES; the session is then in UTC too): psycopg's loader then reads them."""
        return self.timezone is dt.timezone.utc

    def get_connection_params(self):
        params = super().get_connection_params()
        params.pop("prepared_reads", None)  # ours, not psycopg's
        if self.prepares_reads:
            params["prepare_threshold"] = 0  # only PreparedCursors prepare, at their first run
        context = adapt.AdaptersMap(params["context"])  # Django's map, shared: extended, not changed
        context.register_dumper(dt.datetime, AnyOffsetDatetimeDumper)
        context.register_dumper(dt.datetime, _BINARY_DATETIME)  # still psycopg's choice for a prepared read
        if self.reads_utc:
            context.register_loader("timestamptz", TimestamptzLoader)  # the compiled one when installed
        params["context"] = context
        return params

    @async_unsafe
    def create_cursor(self, name=None):
        """Django's cursor, without its check of the loader's time zone (psycopg's has no `timezone`
        attribute, and it reads UTC, which is what that check would register); a PreparedCursor inside
        prepared_reads()."""
        if self._preparing and not name:
            cursor = PreparedCursor(self.connection)
            tzloader = self.connection.adapters.get_loader(TIMESTAMPTZ, Format.TEXT)
            if not self.reads_utc and self.timezone != getattr(tzloader, "timezone", None):
                register_tzloader(self.timezone, cursor)  # as Django's create_cursor does
            return cursor
        if not self.reads_utc:
            return super().create_cursor(name)
        if not name:
            return self.connection.cursor()
        # A server-side cursor (QuerySet.iterator()), as Django 5.2 opens it.
        if self.settings_dict["OPTIONS"].get("server_side_binding") is not True:
            return base.ServerSideCursor(self.connection, name=name, scrollable=False,
                                         withhold=self.connection.autocommit)
        return self.connection.cursor(name, scrollable=False, withhold=self.connection.autocommit)
