"""Every admin list refuses a hand-typed date filter the database cannot take with the admin's "invalid
lookup" page (?e=1), never a 500: the project's lists and the libraries' (cases.admin_safe.guard_every_list).
Found by a bad-input audit: django-axes' three sign-in logs answered 500."""
import pytest
from django.contrib.auth import get_user_model
from django.test import Client as HttpClient
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def root_http():
    root = get_user_model().objects.create_superuser("root", "root@example.com", "a-long-test-password-1")
    http = HttpClient(raise_request_exception=False)
    http.force_login(root)
    return http


@pytest.mark.parametrize("changelist", ["admin:axes_accessattempt_changelist", "admin:axes_accesslog_changelist",
                                        "admin:axes_accessfailurelog_changelist"])
@pytest.mark.parametrize("query", [
    {"attempt_time__year": "9999"},
    {"attempt_time__year": "9999", "attempt_time__month": "12", "attempt_time__day": "31"},
    {"attempt_time__year": "10000000000000000000"},
], ids=["year-9999", "day-9999-12-31", "year-huge"])
def test_the_sign_in_logs_admin_lists_refuse_a_date_the_database_cannot_take(root_http, changelist, query):
    """django-axes registers these itself (AccessAttempt, AccessLog, AccessFailureLog, each with
    date_hierarchy = "attempt_time")."""
    response = root_http.get(reverse(changelist), query)

    assert response.status_code == 302 and response["Location"].endswith("?e=1")


def test_every_registered_list_is_guarded():
    from django.contrib import admin

    from cases.admin_safe import SafeChangelist

    unguarded = [model._meta.label for model, model_admin in admin.site._registry.items()
                 if not isinstance(model_admin, SafeChangelist)]

    assert unguarded == [] and len(admin.site._registry) > 10
