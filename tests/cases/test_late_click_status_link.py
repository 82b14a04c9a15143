"""The status link's buttons carry the link the page showed (Case.status_link_version as `link_shown`) and are
refused once it changed (services.status_links._ensure_link_as_shown). Found by an audit: a supervisor's
page, drawn before the owner made a link and sent it to the client, made another on "Make a status link"
and killed the one the client had just received; an old "Revoke" killed a link made after it was drawn."""
import re

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from cases import services
from cases.models import Step
from tests.cases.helpers import advance_to, open_case

pytestmark = pytest.mark.django_db


def drawn(http, path, action=None):
    """The fields of the page's form posting to `action` (itself when None), as a browser sends them."""
    html = http.get(path).content.decode()
    forms = re.findall(r'<form method="post"( action="[^"]*")?>(.*?)</form>', html, re.S)
    body = next(inner for act, inner in forms if (act == "" if action is None else f'"{action}"' in act))
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', body))


def test_make_a_link_drawn_before_another_was_made_is_refused_and_the_clients_link_works(client, rep, supervisor,
                                                                                        dennis):
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    page = reverse("supervisor:status_link", args=[case.reference])
    client.force_login(supervisor)
    form = drawn(client, page)
    given = services.status_link_issue(user=rep, case=case)

    response = client.post(page, form)

    assert response.status_code == 422 and "status link changed" in response.content.decode()
    assert HttpClient().get(given.path).status_code == 200
    case.refresh_from_db()
    assert f'name="link_shown" value="{case.status_link_version}"' in response.content.decode()  # drawn again


def test_revoke_drawn_before_a_new_link_was_made_leaves_it_working(client, rep, supervisor, dennis):
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    services.status_link_issue(user=rep, case=case)
    revoke = reverse("supervisor:status_link_revoke", args=[case.reference])
    client.force_login(supervisor)
    form = drawn(client, reverse("cases:case_detail", args=[case.reference]), revoke)
    case.refresh_from_db()
    given = services.status_link_issue(user=rep, case=case)

    client.post(revoke, form)

    assert HttpClient().get(given.path).status_code == 200


def test_a_link_made_from_the_page_as_drawn_replaces_the_earlier_one(client, rep, supervisor, dennis):
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    earlier = services.status_link_issue(user=rep, case=case)
    page = reverse("supervisor:status_link", args=[case.reference])
    client.force_login(supervisor)

    response = client.post(page, drawn(client, page))

    assert response.status_code == 200 and "Any earlier link no longer works" in response.content.decode()
    assert HttpClient().get(earlier.path).status_code == 410
