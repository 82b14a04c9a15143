import pytest
from django.test import Client
from django.urls import reverse

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def rep(django_user_model):
    return django_user_model.objects.create_user(username="fran", password="pw")


def test_coach_endpoint_returns_the_warnings_partial_for_a_logged_in_user(client, rep):
    client.force_login(rep)

    response = client.post(reverse("playbook:coach"), {"text": "Whose fault is this?", "context": "acknowledgement"})

    assert response.status_code == 200
    assert "playbook/_coach_warnings.html" in [t.name for t in response.templates]
    assert 'role="status"' in response.content.decode()


def test_coach_endpoint_returns_an_empty_partial_for_clean_text(client, rep):
    client.force_login(rep)

    response = client.post(reverse("playbook:coach"), {"text": "Thanks for telling us.", "context": "acknowledgement"})

    assert response.status_code == 200
    assert response.content.decode().strip() == ""


def test_coach_endpoint_refuses_an_anonymous_post_with_the_way_to_sign_in(client):
    response = client.post(reverse("playbook:coach"), {"text": "hi", "context": "acknowledgement"})

    assert response.status_code == 401  # a signed-out post (cases/session_expired.py)
    assert reverse("login") + "?next=" in response.content.decode()


def test_coach_endpoint_refuses_get(client, rep):
    client.force_login(rep)

    response = client.get(reverse("playbook:coach"))

    assert response.status_code == 405


def test_coach_endpoint_refuses_an_unknown_context(client, rep):
    client.force_login(rep)

    response = client.post(reverse("playbook:coach"), {"text": "hi", "context": "email"})

    assert response.status_code == 400


def test_coach_endpoint_requires_a_csrf_token(rep):
    client = Client(enforce_csrf_checks=True)
    client.force_login(rep)

    response = client.post(reverse("playbook:coach"), {"text": "hi", "context": "acknowledgement"})

    assert response.status_code == 403
