"""The shared cache (CACHE_URL=redis://..., as docker-compose sets it) down: found by a resilience audit, every
page a supervisor opened answered 500 (the health banner read the cache) and so did every action that emails a
teammate (the notify-others budget counts in it), losing what the rep had typed. The work goes on without the
cache (cases/throttle.py, notifications/health.py): the budget is not enforced meanwhile and the supervisors'
banner says so. A real Redis client against a closed port."""
import socket
from html import unescape

import pytest
from django.test import Client as HttpClient
from django.test import override_settings

from cases.models import CaseEvent, Mood, Step
from notifications.health import CACHE_DOWN
from notifications.models import OutboxMessage
from tests.cases.views_support import in_step, page_of, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def cache_down():
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    with override_settings(CACHES={"default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": f"redis://127.0.0.1:{port}/1",
            "OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 1.0}}}):
        yield


def _signed_in(user):
    http = HttpClient(raise_request_exception=False)
    http.force_login(user)
    return http


def test_a_supervisor_s_pages_open_and_the_banner_says_the_cache_is_down(supervisor, rep, dennis, cache_down):
    case = in_step(rep, dennis, Step.GATHER)
    http = _signed_in(supervisor)

    home, page = http.get("/"), http.get(page_of(case))

    assert home.status_code == 200 and page.status_code == 200
    assert CACHE_DOWN in unescape(home.content.decode()) and CACHE_DOWN in unescape(page.content.decode())


def test_a_contact_logged_on_a_teammate_s_case_is_kept_and_the_owner_told(rep, other_rep, dennis, cache_down):
    case = in_step(rep, dennis, Step.GATHER)
    said = "He called asking whether payroll is safe"

    response = _signed_in(other_rep).post(url("contact_log", case),
                                          {"said": said, "client_mood": Mood.UPSET, "channel": "phone"})

    assert response.status_code == 302
    assert CaseEvent.objects.filter(case=case, verb="client contact logged").exists()
    assert OutboxMessage.objects.filter(kind="client_contact_logged", to=[rep.email]).exists()
