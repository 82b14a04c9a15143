"""Signing in under django-axes (config/settings/security.py, cases/login_guard.py): five wrong passwords
lock a username from one address for a cool-off, with the reason on the login page; other addresses and
other usernames are unaffected; an address spraying many usernames is locked for all; behind a trusted
proxy the client's address comes from X-Forwarded-For, and never from what the client writes there."""
import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone

from cases.backends import StaffProfileBackend
from cases.login_guard import client_ip
from tests.factories import StaffProfileFactory, UserFactory

PASSWORD = "pw-for-tests"  # the factories' password
HOME = "203.0.113.7"
ELSEWHERE = "198.51.100.20"


@pytest.fixture
def rep(db):
    return StaffProfileFactory().user


def sign_in(client, username, password, ip=HOME, **headers):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip, **headers)


def signed_in(client):
    return "_auth_user_id" in client.session


def fail(client, username, times, ip=HOME, **headers):
    for _ in range(times):
        response = sign_in(client, username, "not-the-password", ip, **headers)
    return response


@pytest.mark.django_db
def test_a_factory_user_signs_in_through_the_login_page(client, rep):
    response = sign_in(client, rep.username, PASSWORD)

    assert response.status_code == 302
    assert signed_in(client)


@pytest.mark.django_db
@pytest.mark.parametrize("length", [151, 256, 5000])
def test_a_username_longer_than_any_is_refused_like_a_wrong_one_and_locked_at_the_fifth(client, length):
    """axes records the username in 255 characters: a longer one answered 500 (found by an audit)."""
    long_name = "u" * length

    answers = [sign_in(client, long_name, "not-the-password").status_code for _ in range(6)]

    assert answers == [200, 200, 200, 200, 429, 429]  # as for any username: the fifth failure locks


@pytest.mark.django_db
def test_four_wrong_passwords_only_say_the_password_is_wrong(client, rep):
    response = fail(client, rep.username, 4)

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "Too many failed sign-ins" not in response.content.decode()


@pytest.mark.django_db
def test_the_fifth_wrong_password_shows_the_lockout_on_the_login_page(client, rep):
    response = fail(client, rep.username, 5)

    page = response.content.decode()
    assert response.status_code == 429
    assert "registration/login.html" in [t.name for t in response.templates]
    assert "Too many failed sign-ins" in page
    assert f"Signing in as “{rep.username}” from here is paused for 15 minutes" in page
    assert 'name="password"' in page  # the form is still there for someone else on this computer


@pytest.mark.django_db
def test_once_locked_even_the_right_password_does_not_sign_in(client, rep):
    fail(client, rep.username, 5)

    response = sign_in(client, rep.username, PASSWORD)

    assert response.status_code == 429
    assert not signed_in(client)


@pytest.mark.django_db
def test_a_locked_attempt_never_reaches_the_password_check(client, rep):
    fail(client, rep.username, 5)

    with mock.patch.object(StaffProfileBackend, "authenticate", autospec=True) as backend:
        sign_in(client, rep.username, PASSWORD)

    backend.assert_not_called()


@pytest.mark.django_db
def test_two_hundred_wrong_passwords_in_a_row_cost_five_password_checks(client, rep):
    with mock.patch.object(StaffProfileBackend, "authenticate", autospec=True, return_value=None) as backend:
        responses = [sign_in(client, rep.username, f"guess-{n}").status_code for n in range(200)]

    assert backend.call_count == 5
    assert responses[:4] == [200] * 4 and set(responses[4:]) == {429}


@pytest.mark.django_db
def test_the_same_username_from_another_address_still_signs_in(client, rep):
    fail(client, rep.username, 5, ip=ELSEWHERE)

    response = sign_in(client, rep.username, PASSWORD, ip=HOME)

    assert response.status_code == 302


@pytest.mark.django_db
def test_another_username_from_the_same_address_still_signs_in(client, rep):
    fail(client, "someone-else", 5)

    response = sign_in(client, rep.username, PASSWORD)

    assert response.status_code == 302


@pytest.mark.django_db
def test_after_the_cool_off_the_right_password_signs_in(client, rep):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fail(client, rep.username, 5)

    with time_machine.travel(start + dt.timedelta(minutes=16), tick=False):
        response = sign_in(client, rep.username, PASSWORD)

    assert response.status_code == 302
    assert signed_in(client)


@pytest.mark.django_db
def test_a_try_during_the_lockout_starts_the_wait_again(client, rep):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fail(client, rep.username, 5)
    with time_machine.travel(start + dt.timedelta(minutes=10), tick=False):
        fail(client, rep.username, 1)

    with time_machine.travel(start + dt.timedelta(minutes=16), tick=False):
        response = sign_in(client, rep.username, PASSWORD)

    assert response.status_code == 429


@pytest.mark.django_db
def test_a_successful_sign_in_clears_the_earlier_failures(client, rep):
    fail(client, rep.username, 4)
    sign_in(client, rep.username, PASSWORD)
    client.post(reverse("logout"))

    response = fail(client, rep.username, 4)

    assert response.status_code == 200


@pytest.mark.django_db
@override_settings(LOGIN_ADDRESS_FAILURE_LIMIT=6)
def test_an_address_trying_many_usernames_is_locked_for_every_username(client, rep):
    for n in range(6):
        sign_in(client, f"guess{n}", "not-the-password")

    response = sign_in(client, rep.username, PASSWORD)

    assert response.status_code == 429
    assert "Signing in from your network is paused" in response.content.decode()
    assert sign_in(client, rep.username, PASSWORD, ip=ELSEWHERE).status_code == 302


@pytest.mark.django_db
def test_the_admin_login_is_locked_the_same_way(client):
    UserFactory(username="ops", is_staff=True, is_superuser=True)
    url = reverse("admin:login")
    for _ in range(5):
        response = client.post(url, {"username": "ops", "password": "wrong"}, REMOTE_ADDR=HOME)

    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()


# --- the client's address --------------------------------------------------------------------------
def request_from(remote, forwarded=None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post("/login/", **headers)


@override_settings(TRUSTED_PROXY_COUNT=0)
def test_without_a_trusted_proxy_x_forwarded_for_is_ignored():
    assert client_ip(request_from(HOME, forwarded="1.2.3.4")) == HOME


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_the_client_is_the_address_that_proxy_saw():
    assert client_ip(request_from("10.0.0.2", forwarded=HOME)) == HOME


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_an_address_the_client_wrote_itself_is_not_read():
    assert client_ip(request_from("10.0.0.2", forwarded=f"1.2.3.4, {HOME}")) == HOME


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_behind_two_proxies_the_client_is_second_from_the_right():
    assert client_ip(request_from("10.0.0.3", forwarded=f"9.9.9.9, {HOME}, 10.0.0.2")) == HOME


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_a_request_that_bypassed_the_proxy_or_sent_garbage_falls_back_to_the_peer():
    assert client_ip(request_from(HOME)) == HOME
    assert client_ip(request_from(HOME, forwarded="not-an-address")) == HOME


@pytest.mark.django_db
@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_proxy_a_locked_client_cannot_escape_by_forging_x_forwarded_for(client, rep):
    fail(client, rep.username, 5, ip="10.0.0.2", HTTP_X_FORWARDED_FOR=HOME)

    forged = sign_in(client, rep.username, PASSWORD, ip="10.0.0.2", HTTP_X_FORWARDED_FOR=f"1.2.3.4, {HOME}")
    colleague = sign_in(client, rep.username, PASSWORD, ip="10.0.0.2", HTTP_X_FORWARDED_FOR=ELSEWHERE)

    assert forged.status_code == 429
    assert colleague.status_code == 302


@pytest.mark.django_db
def test_without_a_trusted_proxy_a_locked_client_cannot_escape_through_x_forwarded_for(client, rep):
    fail(client, rep.username, 5)

    response = sign_in(client, rep.username, PASSWORD, HTTP_X_FORWARDED_FOR=ELSEWHERE)

    assert response.status_code == 429


# --- passwords and the people who sign in ------------------------------------------------------------
@pytest.mark.parametrize("weak", ["short-pw1", "password1234", "98127465098123", "frances.hale.1"])
def test_the_standard_password_validators_refuse_weak_passwords(weak):
    user = UserFactory.build(username="frances.hale", first_name="Frances", email="frances.hale@example.com")

    with pytest.raises(ValidationError):
        validate_password(weak, user=user)


def test_a_long_uncommon_password_is_accepted():
    user = UserFactory.build(username="fran")

    validate_password("harbour-lantern-quietly-47", user=user)


@pytest.mark.django_db
def test_the_seeded_demo_users_sign_in_through_the_login_page(client):
    call_command("seed_demo", "--password", "pw-demo-login")

    for username in ("fran", "sam", "ops"):
        response = sign_in(client, username, "pw-demo-login")

        assert response.status_code == 302, username
        client.post(reverse("logout"))
