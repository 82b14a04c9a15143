"""Prepared reads (config.postgresql): the fixed-shape reads of cases.frozen are prepared once per
connection, so PostgreSQL parses and plans them once, not on every page; every other statement is sent
as Django sends it (its values in the SQL, never prepared). DATABASE_PREPARED_READS=0 turns it off, for
a connection pooler that cannot carry prepared statements."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test.utils import CaptureQueriesContext
from psycopg.pq import Format

from cases.models import Case
from cases.selectors_ui import page_rows
from config.postgresql.base import TIMESTAMPTZ
from tests.factories import CaseFactory

ROOT = Path(__file__).resolve().parent.parent
PRINT_OPTIONS = ("import json; from config.settings import base; "
                 "print(json.dumps(base.DATABASES['default'].get('OPTIONS', {})))")
MARKER = '"cases_case"."closed_from_step"'  # in the list rows' SELECT (selectors_ui.list_rows) only


def _options(tmp_path, **extra_env):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE",
                                                              "DATABASE_PREPARED_READS"}}
    env.update(CASETRACKER_VAR_DIR=str(tmp_path / "var"), DATABASE_URL="postgres://u@127.0.0.1:5999/x", **extra_env)
    out = subprocess.run([sys.executable, "-c", PRINT_OPTIONS], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout)


def test_reads_are_prepared_unless_the_environment_says_no(tmp_path):
    assert _options(tmp_path) == {"prepared_reads": True}
    assert _options(tmp_path, DATABASE_PREPARED_READS="0") == {"prepared_reads": False}


def _prepared(fragment):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", [f"%{fragment}%"])
        return cursor.fetchone()[0]


@pytest.fixture
def cases(db):
    """Three cases, on a connection that holds no prepared statement (they outlive a test's rollback;
    psycopg forgets its own when it sees DEALLOCATE ALL)."""
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    return [CaseFactory() for _ in range(3)]


def test_a_frozen_read_is_prepared_once_and_answers_for_each_call_s_values(cases):
    assert _prepared(MARKER) == 0
    asked = [[cases[0].pk], [cases[1].pk, cases[0].pk], [cases[2].pk, cases[1].pk]]

    answers = [[row.pk for row in page_rows(ids)] for ids in asked]

    assert answers == asked
    assert _prepared(MARKER) == 1  # one statement for every set of ids: they travel as one array


def test_the_orm_s_own_statements_are_not_prepared(cases):
    for case in cases:
        assert Case.objects.filter(pk=case.pk).values_list("closed_from_step", flat=True).get() == ""

    assert _prepared(MARKER) == 0


def test_with_prepared_reads_off_nothing_is_prepared(cases):
    this = connections[DEFAULT_DB_ALIAS]  # the wrapper (django.db.connection is a proxy to it)
    this.__dict__["prepares_reads"] = False
    try:
        assert [row.pk for row in page_rows([cases[0].pk])] == [cases[0].pk]
        assert _prepared(MARKER) == 0
    finally:
        del this.__dict__["prepares_reads"]
    wrapper = connections.create_connection(DEFAULT_DB_ALIAS)
    off = type(wrapper)({**wrapper.settings_dict, "OPTIONS": {"prepared_reads": False}}, DEFAULT_DB_ALIAS)
    assert off.get_connection_params()["prepare_threshold"] is None  # Django's: never prepare
    assert wrapper.get_connection_params()["prepare_threshold"] == 0
    assert "prepared_reads" not in wrapper.get_connection_params()  # ours, not passed to psycopg


def test_a_prepared_read_is_logged_with_its_values(cases):
    with CaptureQueriesContext(connection) as queries:
        page_rows([cases[2].pk])

    (sql,) = [query["sql"] for query in queries.captured_queries]
    assert str(cases[2].pk) in sql and "$1" not in sql  # what `make bench` EXPLAINs, and DEBUG shows


@pytest.mark.django_db(transaction=True)
def test_a_database_with_its_own_time_zone_reads_prepared_timestamps_in_that_zone():
    wrapper = connections.create_connection(DEFAULT_DB_ALIAS)
    paris = type(wrapper)({**wrapper.settings_dict, "TIME_ZONE": "Europe/Paris"}, DEFAULT_DB_ALIAS)
    try:
        with paris.prepared_reads():
            cursor = paris.cursor()
        cursor.execute("SELECT %s::timestamptz", ["2026-12-05 12:00:00+00"])
        (value,) = cursor.fetchone()
        loader = cursor.cursor.adapters.get_loader(TIMESTAMPTZ, Format.TEXT)
        assert "django" in loader.__module__
        assert value.isoformat() == "2026-12-05T13:00:00+01:00"
    finally:
        paris.close()
