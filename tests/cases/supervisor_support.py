"""What the supervisor page tests (test_supervisor_*.py, test_team_page_views.py) share: a fixed NOW, the
clock frozen at a moment, and the supervisor pages' URLs. The `boss` and `escalation` fixtures are in
conftest.py."""
import datetime as dt

import time_machine
from django.urls import reverse

NOW = dt.datetime(2025, 6, 30, 12, 0, tzinfo=dt.UTC)


def at(moment):
    return time_machine.travel(moment, tick=False)


def url(name, escalation=None):
    return reverse(f"supervisor:{name}", kwargs={"pk": escalation.pk} if escalation else None)
