"""The PostgreSQL backend (config/postgresql) reads timestamps with psycopg's own (compiled) loader instead of
Django's Python one, and every value comes back exactly as Django's loader gives it: the same instant,
in datetime.timezone.utc, through plain and server-side cursors."""
import datetime as dt

import psycopg
import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.postgresql.psycopg_any import register_tzloader
from psycopg.pq import Format

from cases.models import Case
from tests.factories import CaseFactory

TIMESTAMPTZ = psycopg.adapters.types["timestamptz"].oid
VALUES = [  # as PostgreSQL writes them: micro- and no fraction, far past and future, offsets, infinity aside
    "2026-12-05 03:21:06.412690+00", "1969-07-20 20:17:40+00", "2026-03-29 01:30:00+01",
    "2999-12-31 23:59:59.999999+00", "0001-01-01 00:00:00+00", "2026-10-25 01:59:59.5-09:30",
]


def _read(cursor):
    cursor.execute("SELECT v::timestamptz FROM unnest(%s::text[]) AS v", [VALUES])
    return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db
def test_the_connection_reads_timestamps_with_psycopg_s_loader():
    assert settings.DATABASES["default"]["ENGINE"] == "config.postgresql"
    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(TIMESTAMPTZ, Format.TEXT)
    assert loader is psycopg.adapters.get_loader(TIMESTAMPTZ, Format.TEXT)  # the compiled one when installed
    assert "django" not in loader.__module__


@pytest.mark.django_db
def test_timestamps_are_the_ones_django_s_loader_reads():
    with connection.cursor() as cursor:
        ours = _read(cursor)
    with connection.cursor() as cursor:
        register_tzloader(dt.timezone.utc, cursor.cursor)  # Django's own loader, on this cursor only
        assert "django" in cursor.cursor.adapters.get_loader(TIMESTAMPTZ, Format.TEXT).__module__
        django_s = _read(cursor)
    assert ours == django_s
    assert [value.tzinfo for value in ours] == [dt.timezone.utc] * len(VALUES)
    assert [value.tzinfo for value in django_s] == [dt.timezone.utc] * len(VALUES)
    assert ours[0] == dt.datetime(2026, 12, 5, 3, 21, 6, 412690, tzinfo=dt.timezone.utc)
    assert ours[2] == dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.timezone.utc)


@pytest.mark.django_db(transaction=True)
def test_a_server_side_cursor_reads_the_same_values():
    """QuerySet.iterator() opens a named (server-side) cursor: the backend opens it as Django does."""
    for _ in range(3):
        CaseFactory()
    cases = Case.objects.order_by("pk").values_list("pk", "opened_at")
    listed = list(cases)
    streamed = list(cases.iterator(chunk_size=2))
    assert len(listed) == 3 and streamed == listed
    assert all(at.tzinfo is dt.timezone.utc for _pk, at in streamed)


@pytest.mark.parametrize("zone", ["Europe/Paris", "UTC"])
def test_a_database_with_its_own_time_zone_keeps_django_s_loader(zone):
    """A TIME_ZONE in DATABASES (Django then reads timestamps in that zone, as a ZoneInfo, "UTC" too) is
    left to Django's loader."""
    wrapper = connections.create_connection(DEFAULT_DB_ALIAS)
    assert wrapper.reads_utc
    elsewhere = type(wrapper)({**wrapper.settings_dict, "TIME_ZONE": zone}, DEFAULT_DB_ALIAS)
    assert not elsewhere.reads_utc
    assert "django" in elsewhere.get_connection_params()["context"].get_loader(TIMESTAMPTZ, Format.TEXT).__module__


# --- writing: any offset Python allows --------------------------------------------------------------
FAR_OFFSETS = [dt.timedelta(hours=16), -dt.timedelta(hours=23, minutes=59), dt.timedelta(hours=5, minutes=30)]


@pytest.mark.django_db
@pytest.mark.parametrize("offset", FAR_OFFSETS)
def test_a_moment_with_any_offset_python_allows_is_written_read_and_compared_as_that_moment(offset):
    """PostgreSQL holds offsets up to ±15:59: a moment written with a larger one goes as the same moment in
    UTC, through the ORM, a raw statement and a prepared read alike."""
    from cases.frozen import FrozenRead

    moment = dt.datetime(2026, 3, 2, 11, 5, tzinfo=dt.timezone(offset))
    case = CaseFactory()

    Case.objects.filter(pk=case.pk).update(step_entered_at=moment)
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz, %s::timestamptz = step_entered_at FROM cases_case WHERE id = %s",
                       [moment, moment, case.pk])
        written, equal = cursor.fetchone()
    prepared = FrozenRead(lambda pk, at: Case.objects.filter(pk=pk, step_entered_at=at).values_list("pk", flat=True))

    assert Case.objects.get(pk=case.pk).step_entered_at == moment
    assert written == moment and equal
    assert Case.objects.filter(step_entered_at__gte=moment, pk=case.pk).exists()
    assert list(prepared(case.pk, moment)) == [case.pk]


@pytest.mark.django_db
def test_a_naive_timestamp_is_still_written_as_one():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_typeof(%s)::text, %s::text", [dt.datetime(2026, 3, 2, 11, 5)] * 2)
        assert cursor.fetchone() == ("timestamp without time zone", "2026-03-02 11:05:00")
