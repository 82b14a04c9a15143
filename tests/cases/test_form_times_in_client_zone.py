"""A time a form shows pre-filled and the rep leaves as shown keeps the instant it holds, whatever zone
"Times typed in" names and however the rep's clock reads it; only a time the rep changes is read as typed
(cases.forms.base.CaseForm._read_times). The forms are the case page's own, posted as drawn."""
import datetime as dt
import re

import pytest

from cases import services
from cases.models import ItemKind, Step
from tests.cases.helpers import advance_to, agreed_if_standing, open_case
from tests.cases.views_support import HTMX, page_of, url
from tests.factories import ClientFactory, StaffProfileFactory

JUNE = dt.datetime(2026, 6, 10, 13, 0, tzinfo=dt.timezone.utc)
FALL_BACK_EVE = dt.datetime(2026, 10, 31, 14, 0, tzinfo=dt.timezone.utc)  # New York repeats 01:00-02:00 on 1 Nov


def _drawn(html, input_id):
    """The value the page drew into the input with `input_id`."""
    match = re.search(r'<input[^>]*value="([^"]*)"[^>]*id="%s"' % re.escape(input_id), html)
    assert match, f"no {input_id} on the page"
    return match.group(1)


@pytest.fixture
def new_yorker(client, supervisor):
    rep = StaffProfileFactory(supervisor=supervisor, time_zone="America/New_York").user
    client.force_login(rep)
    return rep


@pytest.fixture
def teammate(supervisor):
    return StaffProfileFactory(supervisor=supervisor, time_zone="America/New_York").user


def _planning(rep, client_zone):
    return advance_to(open_case(rep, ClientFactory(time_zone=client_zone)), Step.PLAN, rep)


def _item(rep, case, due_at):
    return services.action_item_create(user=rep, case=case, description="Restore the mail server from backup",
                                       kind=ItemKind.FIX, assignee=rep, due_at=due_at)


def _edit_form_due(client, case, item):
    html = client.get(page_of(case), {"open": f"item_edit:{item.pk}"}).content.decode()
    return _drawn(html, f"id_item_edit_{item.pk}_due_at")


def _hand_on(client, case, item, *, to, due_at, entry_zone="mine"):
    return client.post(url("item_edit", case, item.pk), {
        "description": item.description, "kind": item.kind, "assignee": to.pk, "due_at": due_at,
        "entry_zone": entry_zone, "assignee_shown": item.assignee_id}, headers=HTMX)


def test_an_estimate_end_left_as_shown_keeps_its_time_when_the_other_is_typed_in_the_clients(
        client, new_yorker, time_machine):
    time_machine.move_to(JUNE, tick=False)
    case = _planning(new_yorker, "Europe/London")
    earliest = JUNE + dt.timedelta(hours=20)
    services.eta_set(user=new_yorker, case=case, earliest=earliest, latest=JUNE + dt.timedelta(hours=30),
                     **agreed_if_standing(case))
    shown = _drawn(client.get(page_of(case)).content.decode(), "id_eta_eta_earliest")

    client.post(url("eta", case), {"eta_earliest": shown, "eta_latest": "2026-06-11T20:30", "entry_zone": "client",
                                   "agreed_channel": "phone", "agreed_text": "Dennis agreed to half an hour more"})

    case.refresh_from_db()
    assert case.eta_latest == dt.datetime(2026, 6, 11, 19, 30, tzinfo=dt.timezone.utc)  # 20:30 in London
    assert case.eta_earliest == earliest


def test_an_item_due_time_left_as_shown_stays_when_handed_on_in_the_clients_time(
        client, new_yorker, teammate, time_machine):
    time_machine.move_to(JUNE, tick=False)
    case = _planning(new_yorker, "Europe/London")
    due = JUNE + dt.timedelta(hours=26)
    item = _item(new_yorker, case, due)

    response = _hand_on(client, case, item, to=teammate, due_at=_edit_form_due(client, case, item), entry_zone="client")

    item.refresh_from_db()
    assert response.status_code == 200
    assert item.assignee == teammate and item.due_at == due
    assert item.promises.get().due_at == due


def test_a_due_time_changed_in_the_clients_time_is_read_on_their_clock(client, new_yorker, teammate, time_machine):
    time_machine.move_to(JUNE, tick=False)
    case = _planning(new_yorker, "Europe/London")
    item = _item(new_yorker, case, JUNE + dt.timedelta(hours=26))

    client.post(url("item_edit", case, item.pk), {
        "description": item.description, "kind": item.kind, "assignee": new_yorker.pk, "due_at": "2026-06-11T17:00",
        "entry_zone": "client", "assignee_shown": new_yorker.pk, "agreed_channel": "phone",
        "agreed_text": "Dennis agreed to five in the afternoon"}, headers=HTMX)

    item.refresh_from_db()
    assert item.due_at == dt.datetime(2026, 6, 11, 16, 0, tzinfo=dt.timezone.utc)  # 17:00 in London


@pytest.mark.parametrize("due", [dt.datetime(2026, 11, 1, 5, 30, tzinfo=dt.timezone.utc),   # the first 01:30
                                 dt.datetime(2026, 11, 1, 6, 30, tzinfo=dt.timezone.utc)])  # the second
def test_an_item_due_in_the_repeated_hour_is_handed_on_without_moving(client, new_yorker, teammate, time_machine,
                                                                        due):
    time_machine.move_to(FALL_BACK_EVE, tick=False)
    case = _planning(new_yorker, "America/New_York")
    item = _item(new_yorker, case, due)
    shown = _edit_form_due(client, case, item)

    response = _hand_on(client, case, item, to=teammate, due_at=shown)

    item.refresh_from_db()
    assert shown == "2026-11-01T01:30"
    assert response.status_code == 200
    assert item.assignee == teammate and item.due_at == due


def test_a_time_typed_into_the_repeated_hour_is_still_refused_as_ambiguous(client, new_yorker, time_machine):
    time_machine.move_to(FALL_BACK_EVE, tick=False)
    case = _planning(new_yorker, "America/New_York")
    due = dt.datetime(2026, 11, 1, 7, 30, tzinfo=dt.timezone.utc)  # 02:30, after the repeated hour
    item = _item(new_yorker, case, due)

    response = _hand_on(client, case, item, to=new_yorker, due_at="2026-11-01T01:30")

    item.refresh_from_db()
    assert response.status_code == 422 and "ambiguous" in response.content.decode()
    assert item.due_at == due
