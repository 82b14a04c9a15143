"""Every signed-in request runs in the viewer's time zone (cases/middleware.py), and reading that zone
costs no query of its own: the StaffProfile comes joined to the user row (cases/backends.py)."""
import pytest
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import path
from django.utils import timezone

from cases.models import StaffProfile
from config.urls import urlpatterns as app_urlpatterns
from tests.factories import StaffProfileFactory, UserFactory


@login_required
def trivial(request):
    return HttpResponse(timezone.get_current_timezone_name())


urlpatterns = [path("trivial/", trivial), *app_urlpatterns]
pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


def _profile_queries(captured):
    return [q["sql"] for q in captured if 'FROM "cases_staffprofile"' in q["sql"]]


def test_a_signed_in_request_reads_the_viewers_zone_without_a_query_of_its_own(client):
    user = StaffProfileFactory(time_zone="Asia/Tokyo").user
    client.force_login(user)
    client.get("/trivial/")

    with CaptureQueriesContext(connection) as captured:
        response = client.get("/trivial/")

    assert response.content.decode() == "Asia/Tokyo"
    assert _profile_queries(captured) == []
    assert len(captured) == 2  # the session and the user (with the profile joined)


def test_signing_in_through_the_login_form_loads_the_profile_with_the_user(client):
    user = StaffProfileFactory(time_zone="America/Chicago").user
    client.post("/login/", {"username": user.username, "password": "pw-for-tests"})

    with CaptureQueriesContext(connection) as captured:
        response = client.get("/trivial/")

    assert response.content.decode() == "America/Chicago"
    assert _profile_queries(captured) == [] and len(captured) == 2


def test_a_changed_zone_shows_on_the_next_request(client):
    user = StaffProfileFactory(time_zone="Asia/Tokyo").user
    client.force_login(user)
    client.get("/trivial/")

    StaffProfile.objects.filter(user=user).update(time_zone="Europe/Paris")

    assert client.get("/trivial/").content.decode() == "Europe/Paris"


def test_a_user_without_a_profile_runs_in_utc_without_an_extra_query(client, settings):
    settings.TIME_ZONE = "UTC"
    client.force_login(UserFactory(role="rep"))

    with CaptureQueriesContext(connection) as captured:
        response = client.get("/trivial/")

    assert response.content.decode() == "UTC"
    assert len(captured) == 2
