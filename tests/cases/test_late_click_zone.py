"""A time typed "in the client's time" is read in the zone the form named (CaseForm's `client_zone_shown`):
posted after the client's time zone changed, the form is refused beside "Times typed in" and drawn again
naming the zone as it is now. Found by an audit: 15:00 typed as Dennis's London time was read, after a
supervisor corrected his zone to New York, as 15:00 in New York, five hours off."""
import datetime as dt

import pytest

from cases import services
from cases.models import Step
from tests.cases.helpers import advance_to, open_case
from tests.cases.views_support import page_of, url

NOW = dt.datetime(2025, 7, 1, 9, 0, tzinfo=dt.UTC)


def item_typed_in_londons_time(rep):
    return {"description": "Restore the mail server from backup", "assignee": str(rep.pk), "kind": "fix",
            "due_at": "2025-07-01T15:00", "entry_zone": "client", "client_zone_shown": "Europe/London"}


def moved_to_new_york(supervisor, client):
    services.client_update(user=supervisor, client=client, name=client.name, organisation=client.organisation,
                           email=client.email, phone=client.phone, time_zone="America/New_York",
                           quiet_hours_start=client.quiet_hours_start, quiet_hours_end=client.quiet_hours_end,
                           agreed_channel="phone", agreed_text="Dennis said he works from New York now")


@pytest.mark.django_db
def test_a_time_typed_in_the_clients_zone_is_refused_once_that_zone_changed(client, frozen, rep, supervisor,
                                                                           dennis):
    frozen.move_to(NOW)
    case = advance_to(open_case(rep, dennis), Step.PLAN, rep)
    client.force_login(rep)
    assert 'name="client_zone_shown" value="Europe/London"' in client.get(page_of(case)).content.decode()
    moved_to_new_york(supervisor, case.client)

    response = client.post(url("item_add", case), item_typed_in_londons_time(rep))

    page = response.content.decode()
    assert response.status_code == 422 and "time zone changed to America/New_York" in page
    assert 'name="client_zone_shown" value="America/New_York"' in page
    assert not case.action_items.exists()


@pytest.mark.django_db
def test_a_time_typed_in_the_clients_zone_as_named_is_read_there(client, frozen, rep, dennis):
    frozen.move_to(NOW)
    case = advance_to(open_case(rep, dennis), Step.PLAN, rep)
    client.force_login(rep)

    client.post(url("item_add", case), item_typed_in_londons_time(rep))

    assert case.action_items.get().due_at == dt.datetime(2025, 7, 1, 14, 0, tzinfo=dt.UTC)
