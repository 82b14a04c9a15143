"""The benchmark cannot rot. Its database builder (benchmarks/build.py): a tiny build (200 cases, a pool of
80 simulated ones copied into the older history, as `make bench` copies 4,000 into 100,000) against the
test database, with the foreign keys checked. Its floors: the trivial view on the project's middleware
and on plain Django's (config/settings/bench_plain.py), and the results they give (floor_plain,
stack_ratio). Nothing here is timed: `make bench` measures."""
import ast
import datetime as dt
import json
import os
import re
import subprocess
import sys
import types
from pathlib import Path

import django
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client as BrowserClient
from django.test import override_settings

from benchmarks import load, report
from benchmarks.build import N_REPS, N_SUPERVISORS, populate
from benchmarks.serve import Gunicorn
from config.settings import bench, bench_plain
from cases.models import (
    ActionItem, Case, CaseEvent, Client, Escalation, HeldStay, ItemStatus, Promise, PromiseStatus, Step,
)
from cases.models import EscalationStatus
from cases.services.held import parts_from_timeline
from notifications.sweeps import SWEEPS
from tests.cases.metrics_support import held_alone_as_expected
from tests.factories import StaffProfileFactory

NOW = dt.datetime(2026, 3, 3, 11, 0, tzinfo=dt.timezone.utc)

pytestmark = pytest.mark.django_db


def build():
    summary = populate(200, now=NOW, pool_size=80)
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred foreign keys, checked now
    return summary


def test_the_builder_represents_every_step_promise_status_and_record():
    summary = build()

    assert summary["copies"] == 3 and Case.objects.count() == 200
    assert set(Case.objects.values_list("step", flat=True)) == set(Step.values)
    assert set(Promise.objects.values_list("status", flat=True)) == set(PromiseStatus.values)
    assert set(ActionItem.objects.values_list("status", flat=True)) == set(ItemStatus.values)
    statuses = set(Escalation.objects.values_list("status", flat=True))
    assert {EscalationStatus.TAKEN, EscalationStatus.RESOLVED} <= statuses
    assert 0.15 < summary["open_cases"] / 200 < 0.4
    assert CaseEvent.objects.count() >= 10 * 200
    assert not Case.objects.filter(search_text="").exists()
    pks = sorted(Case.objects.values_list("pk", flat=True))
    assert sorted(Case.objects.values_list("reference", flat=True)) == [f"C-{pk:06d}" for pk in pks]
    shifted = Case.objects.filter(opened_at__lt=NOW - dt.timedelta(days=100))
    assert shifted.count() >= 100  # the copies lie in the older history
    assert Client.objects.filter(cases__in=shifted).exclude(cases__opened_at__gte=NOW - dt.timedelta(days=90)).exists()
    User = get_user_model()
    assert User.objects.filter(groups__name="rep").count() == N_REPS
    assert User.objects.filter(groups__name="supervisor").count() == N_SUPERVISORS
    assert Case.objects.values("owner").distinct().count() == N_REPS
    assert Case.objects.filter(reference=summary["long_case"], owner__username=summary["rep"]).exists()
    shifted_case = shifted.filter(held_stays__isnull=False).first()  # copied with its held parts, moved in time
    held = list(shifted_case.held_stays.values_list("owner_id", "step", "entered_at", "started_at", "ended_at"))
    assert held == list(parts_from_timeline(shifted_case.events.order_by("created_at", "id")))
    assert held_alone_as_expected(HeldStay.objects.all()) == []


def test_nothing_is_due_for_any_sweep_at_the_build_time():
    """The bench makes its own due work (benchmarks/background.py): the build leaves none."""
    build()

    assert {name: sweep(now=NOW) for name, sweep in SWEEPS.items()} == dict.fromkeys(SWEEPS, 0)


def test_the_floor_views_exist_only_under_the_bench_settings(client):
    assert client.get("/bench/floor/").status_code == 404
    assert client.get("/bench/floor-rows/").status_code == 404


# --- The floors: the project's middleware stack against plain Django's -----------------------------

def startproject_middleware():
    """MIDDLEWARE as `django-admin startproject` writes it (Django's own project template)."""
    template = Path(django.__file__).parent / "conf" / "project_template" / "project_name" / "settings.py-tpl"
    return ast.literal_eval(re.search(r"^MIDDLEWARE = (\[.*?\])", template.read_text(), re.M | re.S).group(1))


def sign_in_through_the_form(middleware, user):
    """Log in as serve.login does (GET the form, POST it with its CSRF token) on the given stack."""
    browser = BrowserClient(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")
    with override_settings(ROOT_URLCONF="benchmarks.urls", MIDDLEWARE=middleware):
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', browser.get("/login/").content.decode())
        response = browser.post("/login/", {"username": user.username, "password": "pw-for-tests",
                                             "csrfmiddlewaretoken": token.group(1)})
    assert response.status_code == 302
    return browser


def floor(browser, middleware):
    with override_settings(ROOT_URLCONF="benchmarks.urls", MIDDLEWARE=middleware):
        return browser.get("/bench/floor/")


def test_the_plain_floor_has_startprojects_middleware_and_every_other_bench_setting():
    names = {name for name in dir(bench) if name.isupper()} | {name for name in dir(bench_plain) if name.isupper()}

    assert bench_plain.MIDDLEWARE == startproject_middleware()
    assert bench.MIDDLEWARE != bench_plain.MIDDLEWARE
    assert {n for n in names if getattr(bench, n, None) != getattr(bench_plain, n, None)} == {"MIDDLEWARE"}


def test_the_floor_view_answers_the_signed_in_user_on_both_stacks():
    user = StaffProfileFactory().user

    for middleware in (bench.MIDDLEWARE, bench_plain.MIDDLEWARE):
        response = floor(sign_in_through_the_form(middleware, user), middleware)

        assert response.status_code == 200
        assert response.content.decode() == f"ok {user.pk}"


def test_only_the_projects_stack_sends_its_security_headers_on_the_floor():
    user = StaffProfileFactory().user

    ours = floor(sign_in_through_the_form(bench.MIDDLEWARE, user), bench.MIDDLEWARE)
    plain = floor(sign_in_through_the_form(bench_plain.MIDDLEWARE, user), bench_plain.MIDDLEWARE)

    assert "Content-Security-Policy" in ours and "Permissions-Policy" in ours
    assert "Content-Security-Policy" not in plain and "Permissions-Policy" not in plain


def test_the_projects_middleware_adds_no_query_to_a_signed_in_get():
    user = StaffProfileFactory().user
    counts = {}

    for name, middleware in (("ours", bench.MIDDLEWARE), ("plain", bench_plain.MIDDLEWARE)):
        session = sign_in_through_the_form(middleware, user).cookies["sessionid"].value
        with override_settings(ROOT_URLCONF="benchmarks.urls"):
            counts[name] = len(load.page_queries("/bench/floor/", session, middleware))

    assert counts["ours"] == counts["plain"] == 2  # the session and the user (with the profile joined)


def test_a_pages_statements_are_timed_by_postgresql_and_leave_nothing_behind():
    user = StaffProfileFactory().user
    session = sign_in_through_the_form(bench.MIDDLEWARE, user).cookies["sessionid"].value
    with override_settings(ROOT_URLCONF="benchmarks.urls"):
        statements = load.page_queries("/bench/floor-rows/", session, bench.MIDDLEWARE)
    assert any("cases_case" in sql for sql, _ in statements)  # with their parameters, ready to explain
    writes = [("WITH made AS (INSERT INTO auth_group (name) VALUES (%s) RETURNING id) SELECT count(*) FROM made",
               ["planned, run, rolled back"])]

    plan_ms, run_ms = load.database_ms(statements + writes)

    assert plan_ms > 0 and run_ms > 0
    assert not Group.objects.filter(name="planned, run, rolled back").exists()


def wrk_round(rps, requests, cpu_ms=1.0):
    return {"rps": rps, "p50_ms": 10.0, "p99_ms": 20.0, "requests": requests, "errors": 0, "cpu_ms": cpu_ms}


def test_alternating_rounds_make_one_figure_that_keeps_each_round():
    combined = report.combine_rounds([wrk_round(400.0, 2000, 2.0), wrk_round(300.0, 1500, 3.0)])

    assert combined["rps"] == 350.0 and combined["cpu_ms"] == 2.5
    assert combined["requests"] == 3500 and combined["rounds_rps"] == [400.0, 300.0]


def test_the_results_carry_floor_plain_and_the_stack_ratios(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "RESULTS", tmp_path)
    results = {"meta": {"cases": 200},
               "floor": {"path": "/bench/floor/", **report.combine_rounds([wrk_round(450.0, 900, 2.2)] * 2)},
               "floor_plain": {"path": "/bench/floor/", **report.combine_rounds([wrk_round(500.0, 1000, 2.0)] * 2)},
               "floor_rows": {"path": "/bench/floor-rows/", **wrk_round(150.0, 300)}}
    results["stack_ratio"] = report.stack_ratio(results)
    results["stack_cpu_ratio"] = report.stack_cpu_ratio(results)

    latest, _ = report.write(results)

    written = json.loads(latest.read_text())
    assert written["stack_ratio"] == 0.9 and written["stack_cpu_ratio"] == 0.909
    assert {"rps", "p50_ms", "p99_ms", "cpu_ms", "rounds_rps"} <= set(written["floor_plain"])
    pages = {k: v for k, v in results.items() if isinstance(v, dict) and "rps" in v}
    assert re.search(r"^floor_plain\s+500\.0", report.table(pages), re.M)
    assert "stack_ratio 0.900 (target >= 0.9: met)" in "".join(report.floor_lines(results))


def test_no_stack_ratio_without_both_floors():
    assert report.stack_ratio({"floor": wrk_round(450.0, 900)}) is None
    assert report.floor_lines({"floor": wrk_round(450.0, 900)}) == []


def test_the_servers_cpu_counts_what_its_workers_used():
    burner = subprocess.Popen([sys.executable, "-c", "import time\nwhile time.process_time() < 0.3: pass\n"
                               "print('done', flush=True)\ntime.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        burner.stdout.readline()
        server = Gunicorn(os.devnull)
        server.proc = types.SimpleNamespace(pid=os.getpid())  # this process is the burner's parent

        assert server.cpu_seconds() >= 0.25  # /proc counts whole clock ticks
    finally:
        burner.kill()
        burner.wait()
