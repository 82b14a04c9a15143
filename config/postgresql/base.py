"""Django's PostgreSQL backend, reading timestamps with psycopg's compiled loader.

Django 5.2 registers, on every psycopg 3 connection, a timestamptz loader of its own: a Python subclass
of psycopg's loader that re-labels each value with the connection's time zone. psycopg swaps in its
compiled (psycopg[binary]) loaders only for its own classes, so every timestamp a page reads is parsed in
Python (~4 µs each against ~0.1 µs: a list of 25 cases reads a few hundred). With USE_TZ and no
TIME_ZONE in DATABASES (this project's settings), Django's time zone for the connection is UTC, the
session's time zone is set to UTC when the connection opens, and psycopg's own loader already returns
every value in `datetime.timezone.utc`: the same datetimes Django's loader gives, so this backend keeps
psycopg's. Any other time-zone setting gets Django's loader, unchanged.
tests/test_postgresql_backend.py compares the values with Django's loader's."""
import datetime as dt

from django.db.backends.postgresql import base
from django.utils.asyncio import async_unsafe
from django.utils.functional import cached_property
from psycopg import adapt
from psycopg.types.datetime import TimestamptzLoader


class DatabaseWrapper(base.DatabaseWrapper):
    @cached_property
    def reads_utc(self):
        """Whether Django wants this connection's timestamps in datetime.timezone.utc (USE_TZ, no TIME_ZONE
        in DATABASES; the session is then in UTC too): psycopg's loader then reads them."""
        return self.timezone is dt.timezone.utc

    def get_connection_params(self):
        params = super().get_connection_params()
        if self.reads_utc:
            context = adapt.AdaptersMap(params["context"])  # Django's map, shared: extended, not changed
            context.register_loader("timestamptz", TimestamptzLoader)  # the compiled one when installed
            params["context"] = context
        return params

    @async_unsafe
    def create_cursor(self, name=None):
        """Django's cursor, without its check of the loader's time zone (psycopg's has no `timezone`
        attribute, and it reads UTC, which is what that check would register)."""
        if not self.reads_utc:
            return super().create_cursor(name)
        if not name:
            return self.connection.cursor()
        # A server-side cursor (QuerySet.iterator()), as Django 5.2 opens it.
        if self.settings_dict["OPTIONS"].get("server_side_binding") is not True:
            return base.ServerSideCursor(self.connection, name=name, scrollable=False,
                                         withhold=self.connection.autocommit)
        return self.connection.cursor(name, scrollable=False, withhold=self.connection.autocommit)
