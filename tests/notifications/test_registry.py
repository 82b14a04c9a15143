"""The sweeps are declared once (notifications/registry.py): beat's schedule, the Celery tasks,
the name -> function map, `manage.py run_sweeps` and the health report all come from it."""
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from notifications import health, registry, sweeps, tasks

NAMES = [s.name for s in registry.SWEEPS]


def test_beat_sends_exactly_the_registry_tasks():
    scheduled = {key: entry["task"] for key, entry in settings.CELERY_BEAT_SCHEDULE.items()}

    assert scheduled == {f"sweep-{s.name.replace('_', '-')}": s.task for s in registry.SWEEPS}


def test_the_beat_schedule_follows_the_interval_it_is_given():
    schedule = registry.beat_schedule(120)

    assert {entry["schedule"] for entry in schedule.values()} == {120.0}
    assert {entry["options"]["expires"] for entry in schedule.values()} == {115}


def test_there_is_one_registered_task_per_registry_entry_and_it_drains_that_sweep(monkeypatch):
    from config.celery import app

    ran = []
    for s in registry.SWEEPS:
        monkeypatch.setitem(sweeps.SWEEPS, s.name, lambda now, name=s.name: ran.append(name) or 0)
    monkeypatch.setattr(sweeps.base, "run_recorded", lambda name, run: run())

    for s in registry.SWEEPS:
        assert tasks.TASK_NAMES[s.name] == s.task
        assert app.tasks[s.task].name == getattr(tasks, s.attribute).name == s.task
        getattr(tasks, s.attribute).apply().get()

    assert ran == NAMES


def test_the_sweep_functions_come_from_the_registry_in_its_order():
    assert list(sweeps.SWEEPS) == NAMES
    for s in registry.SWEEPS:
        module, name = s.function.rsplit(".", 1)
        assert sweeps.SWEEPS[s.name].__module__ == module and sweeps.SWEEPS[s.name].__name__ == name
        assert getattr(sweeps, name) is sweeps.SWEEPS[s.name]


@pytest.mark.django_db
def test_run_sweeps_reports_every_registry_sweep_by_its_label_in_order():
    out = StringIO()

    call_command("run_sweeps", "--now", "2026-03-02T10:00:00+00:00", stdout=out)

    lines = [line.strip() for line in out.getvalue().splitlines()[1:-1]]
    assert [line.rsplit(None, 1)[0] for line in lines] == [s.label for s in registry.SWEEPS]


def test_the_health_report_watches_the_registry_sweeps_by_their_titles():
    assert list(health.SWEEPS) == NAMES
    assert health.LABELS == {s.name: (s.title, s.verb) for s in registry.SWEEPS}


def test_the_registry_is_importable_without_django():
    import subprocess
    import sys

    code = ("import sys; import notifications.registry as r; "
            "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules), "
            "[m for m in sys.modules if m.startswith('django')]; print(len(r.SWEEPS))")
    out = subprocess.run([sys.executable, "-c", code], cwd=settings.BASE_DIR, capture_output=True, text=True)

    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(len(NAMES))
