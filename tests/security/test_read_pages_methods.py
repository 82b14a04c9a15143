"""Pages to read answer only the methods they serve: PUT or DELETE on My cases, search, the mail inbox or the
new-case form is 405, not the page (found by an audit; nothing was written, but a client that sent them
was told it had worked)."""
import pytest
from django.urls import reverse

from tests.factories import RepFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["cases:my_cases", "cases:search", "mailin:inbox", "cases:case_new"])
@pytest.mark.parametrize("method", ["put", "delete"])
def test_a_page_to_read_refuses_methods_it_does_not_serve(client, name, method):
    client.force_login(RepFactory())

    response = getattr(client, method)(reverse(name))

    assert response.status_code == 405
    assert client.head(reverse(name)).status_code == 200
