"""config/wsgi.py moves what the worker loaded at start-up out of the garbage collector's reach
(gc.freeze): a full collection during a request then scans only what requests made."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import gc
before = gc.get_freeze_count()
import config.wsgi
print(before, gc.get_freeze_count(), callable(config.wsgi.application))
"""


def test_loading_the_wsgi_application_freezes_the_start_up_objects():
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.test",
                               **_passed_env()})
    assert done.returncode == 0, done.stderr
    before, after, callable_app = done.stdout.split()
    assert before == "0" and int(after) > 10_000 and callable_app == "True"


def _passed_env():
    return {k: v for k, v in os.environ.items() if k.startswith(("DATABASE_", "REDIS", "CELERY", "DJANGO_SECRET"))}
