"""Editing a client's details after intake (cases.services.client_update and the case page's "Client
details" card): who may, what is refused and on which field, and the pending status-update deadlines
that move out of the new quiet hours (or out of business hours for such a cadence); the other kinds
of promise: tests/cases/test_quiet_hours_every_promise.py."""
import datetime as dt
import re
import zoneinfo

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.errors import CaseRuleError
from cases.models import CaseEvent, Promise, PromiseKind, PromiseStatus, Step
from cases.services.client_details import details_digest
from tests.cases.helpers import advance_to, open_case, plan_ready
from tests.factories import ClientFactory

UTC = dt.timezone.utc
HTMX = {"HX-Request": "true"}
QUIET = (dt.time(22, 0), dt.time(7, 0))


def details(client, **changes):
    fields = ("name", "organisation", "email", "phone", "time_zone", "quiet_hours_start", "quiet_hours_end")
    return {**{f: getattr(client, f) for f in fields}, **changes}


AGREED = {"agreed_channel": "phone", "agreed_text": "Please never call me late at night"}


def update(user, client, case=None, **changes):
    """Every edit carries the client's agreement, which a change moving a promised deadline needs."""
    return services.client_update(user=user, client=client, case=case, **details(client, **changes), **AGREED)


@pytest.fixture(autouse=True)
def morning(time_machine):
    """A fixed morning (the clock then runs): the plan's deadlines, hours from now, stay out of QUIET
    whatever the hour the suite runs at."""
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=True)


@pytest.fixture
def utc_client(db):
    return ClientFactory(name="Ada Lovelace", organisation="Engines Ltd", time_zone="UTC")


def planned(rep, client):
    """A case in plan with an agreed cadence, so it holds a pending status-update promise."""
    return plan_ready(advance_to(open_case(rep, client), Step.PLAN, rep), rep)


def pending_update(case):
    return case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING)


def due_at(case, when):
    promise = pending_update(case)
    Promise.objects.filter(pk=promise.pk).update(due_at=when)
    return promise


def day_after_tomorrow(hour, minute=0):
    day = timezone.now().astimezone(UTC).date() + dt.timedelta(days=2)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=UTC)


# --- The service ---------------------------------------------------------------------------------
def test_the_owner_changes_the_details_and_the_case_records_what_changed(rep, utc_client):
    case = open_case(rep, utc_client)

    client = update(rep, utc_client, case, name="  Ada King ", phone="+44 1 2345", time_zone="Europe/London",
                    quiet_hours_start=dt.time(21, 0), quiet_hours_end=dt.time(8, 0))

    client.refresh_from_db()
    assert (client.name, client.phone, client.time_zone) == ("Ada King", "+44 1 2345", "Europe/London")
    assert (client.quiet_hours_start, client.quiet_hours_end) == (dt.time(21, 0), dt.time(8, 0))
    event = case.events.get(verb="client details updated")
    assert event.actor == rep
    assert event.data["changed"] == {
        "name": ["Ada Lovelace", "Ada King"], "phone": ["+44 20 7946 0000", "+44 1 2345"],
        "time_zone": ["UTC", "Europe/London"], "quiet_hours_start": [None, "21:00"], "quiet_hours_end": [None, "08:00"],
    }


def test_saving_the_same_details_records_nothing(rep, utc_client):
    case = open_case(rep, utc_client)

    update(rep, utc_client, case)

    assert not case.events.filter(verb="client details updated").exists()


@pytest.mark.parametrize("changes, field, message", [
    ({"name": "  "}, "name", "Give the client's name."),
    ({"quiet_hours_start": dt.time(22, 0)}, "quiet_hours_end", "Quiet hours need both a start and an end."),
    ({"quiet_hours_end": dt.time(7, 0)}, "quiet_hours_end", "Quiet hours need both a start and an end."),
    ({"quiet_hours_start": dt.time(12, 0), "quiet_hours_end": dt.time(12, 0)}, "quiet_hours_end",
     "Quiet hours end at another time than they start"),
    ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", "is not a time zone name"),
    ({"email": "not-an-email"}, "email", "valid email"),
])
def test_invalid_details_are_refused_on_their_field_and_nothing_changes(rep, utc_client, changes, field, message):
    case = open_case(rep, utc_client)

    with pytest.raises(CaseRuleError) as refused:
        update(rep, utc_client, case, **changes)

    assert refused.value.field == field and message in refused.value.message
    utc_client.refresh_from_db()
    assert (utc_client.name, utc_client.time_zone, utc_client.quiet_hours_start) == ("Ada Lovelace", "UTC", None)
    assert not CaseEvent.objects.filter(verb="client details updated").exists()


def test_another_rep_may_not_edit_the_client_of_a_case_they_do_not_work(rep, other_rep, utc_client):
    case = open_case(rep, utc_client)

    with pytest.raises(CaseRuleError, match="only its owner, a co-owner or a supervisor"):
        update(other_rep, utc_client, case, name="Mallory")
    with pytest.raises(CaseRuleError, match="Only someone working a case of Ada Lovelace"):
        update(other_rep, utc_client, name="Mallory")

    utc_client.refresh_from_db()
    assert utc_client.name == "Ada Lovelace"


def test_a_supervisor_may_edit_without_naming_a_case(supervisor, rep, utc_client):
    case = open_case(rep, utc_client)

    update(supervisor, utc_client, phone="+1 555 0100")

    utc_client.refresh_from_db()
    assert utc_client.phone == "+1 555 0100"
    assert case.events.get(verb="client details updated").actor == supervisor


def test_a_case_of_another_client_cannot_be_used_as_the_key(rep, utc_client, dennis):
    theirs = open_case(rep, dennis)

    with pytest.raises(CaseRuleError, match="is not a case of Ada Lovelace"):
        update(rep, utc_client, theirs, name="Ada King")


def test_a_pending_update_inside_the_new_quiet_hours_moves_to_their_end_as_an_agreed_renegotiation(
        rep, utc_client):
    inside, outside = planned(rep, utc_client), planned(rep, utc_client)
    old = due_at(inside, day_after_tomorrow(22, 30))
    untouched = due_at(outside, day_after_tomorrow(15, 0))

    update(rep, utc_client, inside, quiet_hours_start=QUIET[0], quiet_hours_end=QUIET[1])

    old.refresh_from_db()
    assert old.status == PromiseStatus.RENEGOTIATED and old.closed_at is not None
    new = pending_update(inside)
    assert new.replaces == old and new.owner == old.owner and new.source == old.source
    assert new.moved_count == old.moved_count + 1 and new.agreed_text == AGREED["agreed_text"]
    # the quiet hours' end, plus an interval: the hour before 07:00 is quiet too (promises.allowed_due)
    assert new.due_at == day_after_tomorrow(7, 0) + dt.timedelta(days=1, hours=1)
    inside.refresh_from_db()
    assert inside.next_promise_due_at == min(inside.promises.filter(status="pending").values_list("due_at", flat=True))
    moved = inside.events.get(verb="promise renegotiated", data__promise=old.pk)
    assert moved.note.startswith("Client's time zone or quiet hours changed") and moved.actor == rep
    assert inside.events.get(verb="client details updated").data["moved"] == [old.pk]
    # Outside the new quiet hours, the pending update stays put, but the rhythm after it thins: counted once
    # (test_wider_quiet_hours_count_once_against_every_rhythm_they_thin)
    assert pending_update(outside).replaces == untouched
    assert pending_update(outside).due_at == day_after_tomorrow(15, 0)


def test_wider_quiet_hours_count_once_against_every_rhythm_they_thin(rep, utc_client):
    """Quiet hours leaving one hour a day turn an hourly rhythm into one update a day, whether or not the
    pending update moves: each case's pending update is renegotiated, with the client's agreement, once."""
    case = planned(rep, utc_client)
    pending = due_at(case, day_after_tomorrow(9, 30))

    update(rep, utc_client, case, quiet_hours_start=dt.time(10, 0), quiet_hours_end=dt.time(9, 0))

    pending.refresh_from_db()
    assert pending.status == PromiseStatus.RENEGOTIATED
    now = pending_update(case)
    assert (now.replaces, now.due_at, now.moved_count) == (pending, pending.due_at, pending.moved_count + 1)
    assert now.agreed_text == AGREED["agreed_text"]
    assert case.events.filter(verb="promise renegotiated", data__promise=pending.pk).count() == 1

    update(rep, utc_client, case, quiet_hours_start=dt.time(11, 0), quiet_hours_end=dt.time(9, 0))  # narrower

    assert pending_update(case) == now  # fewer quiet hours thin nothing


def test_an_overdue_update_is_broken_as_the_sweep_would_and_an_item_inside_the_new_quiet_hours_moves_with_its_item(
        rep, utc_client):
    case = planned(rep, utc_client)
    overdue = due_at(case, timezone.now() - dt.timedelta(minutes=5))
    item_promise = case.promises.get(kind=PromiseKind.ACTION_ITEM)
    Promise.objects.filter(pk=item_promise.pk).update(due_at=day_after_tomorrow(23, 0))

    update(rep, utc_client, case, quiet_hours_start=dt.time(0, 0), quiet_hours_end=dt.time(23, 59))

    overdue.refresh_from_db()
    assert overdue.status == PromiseStatus.BROKEN  # before the change, as the sweep would have broken it
    assert pending_update(case).after_missed  # the beat after it: the next update is still the late one
    item_promise.refresh_from_db()
    assert item_promise.status == PromiseStatus.RENEGOTIATED
    moved = case.promises.get(kind=PromiseKind.ACTION_ITEM, status=PromiseStatus.PENDING)
    assert moved.replaces == item_promise and moved.due_at == day_after_tomorrow(23, 59)
    assert moved.action_item.due_at == moved.due_at and moved.agreed_text == AGREED["agreed_text"]


def test_a_new_time_zone_moves_a_business_hours_update_to_the_clients_morning(rep, utc_client):
    case = planned(rep, utc_client)
    services.cadence_set(user=rep, case=case, minutes=60, channel="phone", business_hours_only=True,
                         agreed_channel="phone", agreed_text="Fine, office hours only from now on")
    today = timezone.now().astimezone(UTC).date()
    tuesday = today + dt.timedelta(days=7 + (1 - today.weekday()) % 7)
    old = due_at(case, dt.datetime.combine(tuesday, dt.time(10, 0), tzinfo=UTC))  # 05:00 or 06:00 in New York

    update(rep, utc_client, case, time_zone="America/New_York")

    new = pending_update(case)
    assert new.replaces == old
    new_york = zoneinfo.ZoneInfo("America/New_York")
    # an hour into the business day: the hour before 09:00 is outside business hours (promises.allowed_due)
    assert new.due_at == dt.datetime.combine(tuesday, dt.time(10, 0), tzinfo=new_york)


def test_resolved_cases_of_the_client_are_not_touched(rep, utc_client):
    case = planned(rep, utc_client)
    old = due_at(case, day_after_tomorrow(23, 0))
    type(case).objects.filter(pk=case.pk).update(step=Step.RESOLVED)
    other = open_case(rep, utc_client)

    update(rep, utc_client, other, quiet_hours_start=QUIET[0], quiet_hours_end=QUIET[1])

    old.refresh_from_db()
    assert old.status == PromiseStatus.PENDING


# --- The case page -------------------------------------------------------------------------------
def url(case):
    return reverse("cases:client_details", args=[case.reference])


def form_data(client, **changes):
    """The form as the case page draws it for `client` (with the digest of what it shows), then changed."""
    client.refresh_from_db()
    data = {k: ("" if v is None else v) for k, v in details(client, **changes).items()}
    data = {k: (v.strftime("%H:%M") if isinstance(v, dt.time) else v) for k, v in data.items()}
    return {**data, "details_shown": details_digest(client)}


def test_the_case_page_shows_the_card_with_the_clients_current_values(rep_client, rep, utc_client):
    utc_client.quiet_hours_start, utc_client.quiet_hours_end = QUIET
    utc_client.save()
    case = open_case(rep, utc_client)
    page = reverse("cases:case_detail", args=[case.reference])

    html = rep_client.get(page, {"open": "client_details"}).content.decode()  # the card's form, opened

    assert 'id="blk-client"' in html and "Client details" in html
    assert 'name="name" value="Ada Lovelace"' in html and 'name="quiet_hours_start" value="22:00"' in html
    assert '<option value="UTC" selected>' in html
    assert "quiet 22:00–07:00 their time" in html  # in the header too


def test_the_owner_saves_the_details_with_a_plain_post(rep_client, rep, utc_client):
    case = open_case(rep, utc_client)

    response = rep_client.post(url(case), form_data(utc_client, time_zone="Asia/Tokyo", quiet_hours_start="21:00",
                                                    quiet_hours_end="08:00"), follow=True)

    assert response.redirect_chain[0][0].endswith("#blk-client")
    html = response.content.decode()
    assert "Client details saved." in html and "quiet 21:00–08:00 their time" in html
    utc_client.refresh_from_db()
    assert (utc_client.time_zone, utc_client.quiet_hours_start) == ("Asia/Tokyo", dt.time(21, 0))


def test_the_owner_saves_the_details_with_htmx_and_gets_the_card_and_header(rep_client, rep, utc_client):
    case = planned(rep, utc_client)
    old = due_at(case, day_after_tomorrow(22, 30))

    response = rep_client.post(url(case), {**form_data(utc_client, quiet_hours_start="22:00", quiet_hours_end="07:00"),
                                           **AGREED}, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<section id="blk-client" class="card"')
    for region in ("case-header", "case-promises", "case-timeline", "messages"):
        assert f'id="{region}"' in html
    assert "quiet 22:00–07:00 their time" in html and "Client details saved." in html
    assert pending_update(case).replaces == old


@override_settings(REPS_SEE_OWN_CASES_ONLY=True)
def test_another_rep_gets_404_and_the_client_is_unchanged(client, other_rep, rep, utc_client):
    case = open_case(rep, utc_client)
    client.force_login(other_rep)

    response = client.post(url(case), form_data(utc_client, name="Mallory"))

    assert response.status_code == 404
    utc_client.refresh_from_db()
    assert utc_client.name == "Ada Lovelace"


def test_an_item_holder_who_sees_the_case_gets_403(client, other_rep, rep, utc_client):
    case = advance_to(open_case(rep, utc_client), Step.PLAN, rep)
    services.action_item_create(user=rep, case=case, description="Check DNS", assignee=other_rep,
                                due_at=timezone.now() + dt.timedelta(hours=2))
    client.force_login(other_rep)

    response = client.post(url(case), form_data(utc_client, name="Mallory"))

    assert response.status_code == 403
    utc_client.refresh_from_db()
    assert utc_client.name == "Ada Lovelace"


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_an_invalid_time_zone_comes_back_422_with_the_error_and_the_typed_values(rep_client, rep, utc_client,
                                                                                    headers):
    case = open_case(rep, utc_client)

    response = rep_client.post(url(case), form_data(utc_client, name="Ada King", phone="+44 7700 900123",
                                                    time_zone="Mars/Olympus_Mons", quiet_hours_start="21:30",
                                                    quiet_hours_end="07:15"), headers=headers)

    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="id_client_details_time_zone_error"' in html
    assert response.context["forms"]["client_details"].errors["time_zone"]
    for typed in ('value="Ada King"', 'value="+44 7700 900123"', 'value="21:30"', 'value="07:15"'):
        assert typed in html
    utc_client.refresh_from_db()
    assert (utc_client.name, utc_client.time_zone) == ("Ada Lovelace", "UTC")


def test_half_quiet_hours_are_refused_beside_the_end_field(rep_client, rep, utc_client):
    case = open_case(rep, utc_client)

    response = rep_client.post(url(case), form_data(utc_client, quiet_hours_start="22:00"), headers=HTMX)

    assert response.status_code == 422
    assert response.context["forms"]["client_details"].errors["quiet_hours_end"] == [
        "Quiet hours need both a start and an end."]
    assert 'id="id_client_details_quiet_hours_end_error"' in response.content.decode()


def test_quiet_hours_that_move_a_promised_update_need_the_clients_agreement(rep_client, rep, utc_client):
    case = planned(rep, utc_client)
    old = due_at(case, day_after_tomorrow(22, 30))

    response = rep_client.post(url(case), form_data(utc_client, quiet_hours_start="22:00", quiet_hours_end="07:00"))

    assert response.status_code == 422
    assert "move a promised deadline. Say how the client agreed" in response.content.decode()
    assert pending_update(case) == old
    utc_client.refresh_from_db()
    assert utc_client.quiet_hours_start is None


# --- a form drawn before someone else changed the details (found by an audit) -----------------------------
def test_a_form_drawn_before_a_supervisors_correction_does_not_undo_it(rep_client, rep, supervisor, utc_client):
    """The rep's old tab, sent to add a phone number, put back the address a supervisor had just corrected."""
    utc_client.email, phone = "ada@typo.example", utc_client.phone
    utc_client.save()
    case = open_case(rep, utc_client)
    drawn = form_data(utc_client, phone="+44 20 7946 0999")  # the page as the rep opened it, a phone typed in
    services.client_update(user=supervisor, client=utc_client, case=case,
                           **details(utc_client, email="ada@lovelace.example"))

    response = rep_client.post(url(case), drawn)

    html = response.content.decode()
    assert response.status_code == 422
    assert "Since this page was opened someone changed the client" in html and "ada@lovelace.example" in html
    assert 'value="+44 20 7946 0999"' in html  # what was typed is kept
    utc_client.refresh_from_db()
    assert (utc_client.email, utc_client.phone) == ("ada@lovelace.example", phone)
    fresh = re.search(r'name="details_shown" value="([0-9a-f]+)"', html)[1]  # drawn again: as things are now
    again = {**drawn, "email": "ada@lovelace.example", "details_shown": fresh}
    assert rep_client.post(url(case), again).status_code == 302
    utc_client.refresh_from_db()
    assert (utc_client.email, utc_client.phone) == ("ada@lovelace.example", "+44 20 7946 0999")


def test_the_service_refuses_details_drawn_before_a_change_under_the_clients_lock(rep, supervisor, utc_client):
    case = open_case(rep, utc_client)
    drawn = details_digest(utc_client)
    services.client_update(user=supervisor, client=utc_client, case=case, **details(utc_client, name="Ada King"))

    with pytest.raises(CaseRuleError, match="Since this page was opened"):
        services.client_update(user=rep, client=utc_client, case=case, details_shown=drawn,
                               **details(utc_client, name="Ada Lovelace", phone="+44 20 7946 0000"))
