"""PostgreSQL gets a statement's parameters apart from its SQL (server-side binding), so a read a
connection sends again and again is prepared after DATABASE_PREPARE_THRESHOLD runs (config.settings.base);
DATABASE_PREPARE_THRESHOLD=0 turns both off, for a connection pooler that cannot carry prepared statements."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from cases.selectors_ui import page_rows
from tests.factories import CaseFactory

ROOT = Path(__file__).resolve().parent.parent
PRINT_OPTIONS = ("import json; from config.settings import base; "
                 "print(json.dumps(base.DATABASES['default'].get('OPTIONS', {})))")


def _options(tmp_path, **extra_env):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE",
                                                              "DATABASE_PREPARE_THRESHOLD"}}
    env.update(CASETRACKER_VAR_DIR=str(tmp_path / "var"), DATABASE_URL="postgres://u@127.0.0.1:5999/x", **extra_env)
    out = subprocess.run([sys.executable, "-c", PRINT_OPTIONS], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout)


def test_postgresql_binds_on_the_server_and_prepares_after_two_runs_by_default(tmp_path):
    assert _options(tmp_path) == {"server_side_binding": True, "prepare_threshold": 2}
    assert _options(tmp_path, DATABASE_PREPARE_THRESHOLD="7") == {"server_side_binding": True, "prepare_threshold": 7}


def test_a_threshold_of_zero_sends_the_sql_with_its_values_as_django_does(tmp_path):
    assert _options(tmp_path, DATABASE_PREPARE_THRESHOLD="0") == {}


def _prepared(fragment):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", [f"%{fragment}%"])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_a_page_read_sent_again_is_prepared_once_and_keeps_its_answers():
    cases = [CaseFactory() for _ in range(3)]
    marker = '"cases_case"."closed_from_step"'  # in the list rows' SELECT (selectors_ui.list_rows)
    assert _prepared(marker) == 0

    asked = [[cases[0].pk], [cases[1].pk, cases[0].pk], [cases[2].pk, cases[1].pk]]
    answers = [[row.pk for row in page_rows(ids)] for ids in asked]

    assert answers == asked
    assert _prepared(marker) == 1  # one statement for every set of ids: they travel as one array
    assert connection.settings_dict["OPTIONS"]["server_side_binding"] is True
