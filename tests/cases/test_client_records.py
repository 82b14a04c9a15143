"""Clients are shared between cases (RECIPE "Team visibility"): the time zone and quiet hours (they move
deadlines) are for a supervisor or a rep who owns every open case of the client; contact details for
anyone working one of their cases; on a closed case only contact details. Every change is recorded on
each open case of the client and told to the other owners by email. Quiet hours must leave some time
when an update may fall due."""
import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse

from cases import services
from cases.errors import CaseRuleError
from cases.models import Case, CaseEvent, PromiseKind, PromiseStatus, Step
from cases.services.client_details import details_digest
from notifications.models import OutboxMessage
from tests.cases.helpers import advance_to, open_case
from tests.factories import ClientFactory

FIELDS = ("name", "organisation", "email", "phone", "time_zone", "quiet_hours_start", "quiet_hours_end")


def update(user, client, case=None, **changes):
    client.refresh_from_db()
    return services.client_update(user=user, client=client, case=case,
                                  **{**{f: getattr(client, f) for f in FIELDS}, **changes})


def force_closed(case, supervisor):
    return services.case_transition(user=supervisor, case=case, name="force_close", reason="Duplicate of C-000001")


def business_hours_only(case):
    Case.objects.filter(pk=case.pk).update(cadence_business_hours_only=True)


@pytest.fixture
def ada(db):
    return ClientFactory(name="Ada Lovelace", organisation="Engines Ltd", email="ada@engines.example",
                         time_zone="UTC")


# --- Time zone and quiet hours: a supervisor, or a rep who owns every open case -----------------
def test_a_rep_who_does_not_own_every_open_case_cannot_change_the_time_zone(rep, other_rep, ada):
    mine = open_case(rep, ada)
    open_case(other_rep, ada)

    with pytest.raises(CaseRuleError) as refused:
        update(rep, ada, mine, time_zone="Asia/Tokyo")

    assert refused.value.field == "time_zone"
    assert "owns every open case of Ada Lovelace" in refused.value.message
    ada.refresh_from_db()
    assert ada.time_zone == "UTC"
    assert not CaseEvent.objects.filter(verb="client details updated").exists()


def test_a_rep_who_does_not_own_every_open_case_cannot_change_the_quiet_hours(rep, other_rep, ada):
    mine = open_case(rep, ada)
    open_case(other_rep, ada)

    with pytest.raises(CaseRuleError) as refused:
        update(rep, ada, mine, quiet_hours_start=dt.time(21), quiet_hours_end=dt.time(8))

    assert refused.value.field == "quiet_hours_start"
    ada.refresh_from_db()
    assert ada.quiet_hours_start is None


def test_a_rep_who_owns_every_open_case_may_change_the_schedule(rep, other_rep, supervisor, ada):
    mine = open_case(rep, ada)
    open_case(rep, ada)
    force_closed(open_case(other_rep, ada), supervisor)  # a closed case of someone else does not count

    update(rep, ada, mine, time_zone="Asia/Tokyo", quiet_hours_start=dt.time(21), quiet_hours_end=dt.time(8))

    ada.refresh_from_db()
    assert (ada.time_zone, ada.quiet_hours_start, ada.quiet_hours_end) == ("Asia/Tokyo", dt.time(21), dt.time(8))


def test_a_rep_may_not_move_a_teammates_follow_up_call_by_changing_the_schedule(rep, other_rep, ada):
    mine = open_case(rep, ada)
    theirs = advance_to(open_case(other_rep, ada), Step.RESOLVED, other_rep)
    follow_up = theirs.promises.get(kind=PromiseKind.FOLLOW_UP, status=PromiseStatus.PENDING)

    with pytest.raises(CaseRuleError) as refused:
        update(rep, ada, mine, quiet_hours_start=dt.time(16), quiet_hours_end=dt.time(8),
               agreed_channel="phone", agreed_text="Ada said those hours suit her")

    assert "owns every open case of Ada Lovelace" in refused.value.message
    follow_up.refresh_from_db()
    assert follow_up.status == PromiseStatus.PENDING
    ada.refresh_from_db()
    assert ada.quiet_hours_start is None


def test_a_supervisor_may_change_the_schedule_of_a_client_whose_cases_several_reps_own(
        supervisor, rep, other_rep, ada):
    open_case(rep, ada)
    theirs = open_case(other_rep, ada)

    update(supervisor, ada, theirs, time_zone="America/New_York")

    ada.refresh_from_db()
    assert ada.time_zone == "America/New_York"


# --- Contact details: anyone working one of the client's cases ---------------------------------
def test_a_rep_working_one_case_may_change_the_contact_details(rep, other_rep, ada):
    mine = open_case(rep, ada)
    open_case(other_rep, ada)

    update(rep, ada, mine, name="Ada King", organisation="Analytical Engines", email="ada@king.example",
           phone="+44 1 2345")

    ada.refresh_from_db()
    assert (ada.name, ada.organisation, ada.email, ada.phone) == (
        "Ada King", "Analytical Engines", "ada@king.example", "+44 1 2345")


def test_a_rep_working_no_case_of_the_client_cannot_change_the_contact_details(rep, other_rep, ada):
    open_case(rep, ada)

    with pytest.raises(CaseRuleError) as refused:
        update(other_rep, ada, email="mallory@example.com")

    assert refused.value.field == "email"
    assert "Only someone working a case of Ada Lovelace" in refused.value.message
    ada.refresh_from_db()
    assert ada.email == "ada@engines.example"


# --- Closed means closed: only contact details on a resolved case ------------------------------
def test_on_a_resolved_case_the_contact_details_may_change(rep, supervisor, ada):
    case = force_closed(open_case(rep, ada), supervisor)

    update(rep, ada, case, phone="+44 1 2345")

    ada.refresh_from_db()
    assert ada.phone == "+44 1 2345"


def test_the_owner_of_a_closed_case_leaves_the_contact_details_to_a_teammate_working_the_client(
        rep, other_rep, supervisor, ada):
    """Found by an audit: a rep whose case of Ada was closed long ago changed the address Ada's open case, a
    teammate's, writes to (taking back its waiting emails, revoking its status link)."""
    old = force_closed(open_case(rep, ada), supervisor)
    open_case(other_rep, ada)

    with pytest.raises(CaseRuleError, match="Only someone working a case of Ada Lovelace") as refused:
        update(rep, ada, old, email="ada.l@engines.example")

    update(other_rep, ada, email="ada.l@engines.example")  # the teammate working her case may
    ada.refresh_from_db()
    assert refused.value.field == "email" and ada.email == "ada.l@engines.example"


def test_the_owner_of_a_resolved_case_owing_its_call_may_change_the_contact_details_beside_a_teammate(
        rep, other_rep, ada):
    resolved = advance_to(open_case(rep, ada), Step.RESOLVED, rep)
    assert resolved.promises.filter(kind=PromiseKind.FOLLOW_UP, status=PromiseStatus.PENDING).exists()
    open_case(other_rep, ada)

    update(rep, ada, resolved, phone="+44 1 2345")

    ada.refresh_from_db()
    assert ada.phone == "+44 1 2345"


@pytest.mark.parametrize("changes, field", [
    ({"time_zone": "Asia/Tokyo"}, "time_zone"),
    ({"quiet_hours_start": dt.time(21), "quiet_hours_end": dt.time(8)}, "quiet_hours_start"),
])
def test_on_a_resolved_case_the_schedule_may_not_change_even_for_a_supervisor(rep, supervisor, ada, changes, field):
    case = force_closed(open_case(rep, ada), supervisor)

    with pytest.raises(CaseRuleError) as refused:
        update(supervisor, ada, case, **changes)

    assert refused.value.field == field
    assert f"{case.reference} is closed" in refused.value.message
    ada.refresh_from_db()
    assert (ada.time_zone, ada.quiet_hours_start) == ("UTC", None)


# --- Recorded on each open case, told to the other owners ---------------------------------------
def test_the_change_is_recorded_on_each_open_case_naming_who_changed_what(rep, other_rep, supervisor, ada):
    mine, theirs = open_case(rep, ada), open_case(other_rep, ada)
    closed = force_closed(open_case(other_rep, ada), supervisor)

    update(supervisor, ada, mine, phone="+44 1 2345", quiet_hours_start=dt.time(21), quiet_hours_end=dt.time(8))

    for case in (mine, theirs):
        event = case.events.get(verb="client details updated")
        assert event.actor == supervisor
        assert event.note.startswith(f"{supervisor.get_full_name() or supervisor.username} changed the client's")
        assert "phone +44 20 7946 0000 → +44 1 2345" in event.note
        assert "quiet hours none → 21:00–08:00" in event.note
        assert event.data["changed"]["phone"] == ["+44 20 7946 0000", "+44 1 2345"]
    assert not closed.events.filter(verb="client details updated").exists()


def test_a_change_made_from_a_resolved_case_is_recorded_there_and_on_the_open_ones(rep, supervisor, ada):
    closed = force_closed(open_case(rep, ada), supervisor)
    still_open = open_case(rep, ada)

    update(rep, ada, closed, email="ada@king.example")

    assert closed.events.filter(verb="client details updated").count() == 1
    assert still_open.events.filter(verb="client details updated").count() == 1


def test_the_owners_of_the_other_cases_are_told_by_email_once_each(rep, other_rep, ada):
    mine = open_case(rep, ada)
    first, second = open_case(other_rep, ada), open_case(other_rep, ada)

    update(rep, ada, mine, email="ada@king.example")

    message = OutboxMessage.objects.get(kind="client_details_changed")
    assert message.to == [other_rep.email]
    assert first.reference in message.subject and second.reference in message.subject
    assert "Email: ada@engines.example -> ada@king.example" in message.body_text
    assert first.reference in message.body_html and second.reference in message.body_html
    assert not OutboxMessage.objects.filter(kind="client_details_changed", to=[rep.email]).exists()


def test_the_editor_is_not_told_about_their_own_change(rep, ada):
    mine = open_case(rep, ada)

    update(rep, ada, mine, phone="+44 1 2345")

    assert not OutboxMessage.objects.filter(kind="client_details_changed").exists()


# --- Quiet hours must leave time for an update ---------------------------------------------------
@override_settings(BUSINESS_HOURS_START=9, BUSINESS_HOURS_END=17)
def test_quiet_hours_covering_the_business_day_are_refused_for_a_business_hours_cadence(rep, ada):
    case = open_case(rep, ada)
    business_hours_only(case)

    with pytest.raises(CaseRuleError) as refused:
        update(rep, ada, case, quiet_hours_start=dt.time(8), quiet_hours_end=dt.time(18))

    assert refused.value.field == "quiet_hours_start"
    assert "These quiet hours cover the whole business day, so no update could ever fall due" in refused.value.message
    assert case.reference in refused.value.message
    ada.refresh_from_db()
    assert ada.quiet_hours_start is None


@override_settings(BUSINESS_HOURS_START=9, BUSINESS_HOURS_END=17)
def test_the_same_quiet_hours_are_accepted_when_no_open_case_keeps_to_business_hours(rep, supervisor, ada):
    case = open_case(rep, ada)
    closed = force_closed(open_case(rep, ada), supervisor)
    business_hours_only(closed)

    update(rep, ada, case, quiet_hours_start=dt.time(8), quiet_hours_end=dt.time(18))

    ada.refresh_from_db()
    assert (ada.quiet_hours_start, ada.quiet_hours_end) == (dt.time(8), dt.time(18))


def test_quiet_hours_that_end_when_they_start_are_refused_not_stored_as_none(rep, ada):
    case = open_case(rep, ada)
    business_hours_only(case)
    before = (ada.quiet_hours_start, ada.quiet_hours_end)

    with pytest.raises(CaseRuleError) as refused:
        update(rep, ada, case, quiet_hours_start=dt.time(9), quiet_hours_end=dt.time(9))

    assert refused.value.field == "quiet_hours_end" and "leave both empty for none" in refused.value.message
    ada.refresh_from_db()
    assert (ada.quiet_hours_start, ada.quiet_hours_end) == before


# --- The case page's client form -----------------------------------------------------------------
def form_data(client, **changes):
    """The form as the case page draws it for `client` (with the digest of what it shows), then changed."""
    client.refresh_from_db()
    values = {**{f: getattr(client, f) for f in FIELDS}, **changes}
    data = {k: ("" if v is None else v.strftime("%H:%M") if isinstance(v, dt.time) else v) for k, v in values.items()}
    return {**data, "details_shown": details_digest(client)}


def post(http, case, client, **changes):
    return http.post(reverse("cases:client_details", args=[case.reference]), form_data(client, **changes),
                     headers={"HX-Request": "true"})


def test_the_page_refuses_a_time_zone_change_from_a_rep_who_shares_the_client(rep_client, rep, other_rep, ada):
    mine = open_case(rep, ada)
    open_case(other_rep, ada)

    response = post(rep_client, mine, ada, time_zone="Asia/Tokyo")

    assert response.status_code == 422
    assert "owns every open case" in response.context["forms"]["client_details"].errors["time_zone"][0]
    assert 'id="id_client_details_time_zone_error"' in response.content.decode()
    ada.refresh_from_db()
    assert ada.time_zone == "UTC"


def test_the_page_saves_contact_details_from_a_rep_who_shares_the_client(rep_client, rep, other_rep, ada):
    mine = open_case(rep, ada)
    open_case(other_rep, ada)

    response = post(rep_client, mine, ada, phone="+44 1 2345")

    assert response.status_code == 200 and "Client details saved." in response.content.decode()
    ada.refresh_from_db()
    assert ada.phone == "+44 1 2345"


@override_settings(BUSINESS_HOURS_START=9, BUSINESS_HOURS_END=17)
def test_the_page_shows_quiet_hours_over_the_business_day_refused_beside_their_start(rep_client, rep, ada):
    case = open_case(rep, ada)
    business_hours_only(case)

    response = post(rep_client, case, ada, quiet_hours_start="07:00", quiet_hours_end="19:00")

    assert response.status_code == 422
    assert "cover the whole business day" in response.context["forms"]["client_details"].errors[
        "quiet_hours_start"][0]
    ada.refresh_from_db()
    assert ada.quiet_hours_start is None


def test_the_page_of_a_resolved_case_refuses_new_quiet_hours(client, supervisor, rep, ada):
    case = force_closed(open_case(rep, ada), supervisor)
    client.force_login(supervisor)

    response = post(client, case, ada, quiet_hours_start="21:00", quiet_hours_end="08:00")

    assert response.status_code == 422
    assert "is closed" in response.context["forms"]["client_details"].errors["quiet_hours_start"][0]
    ada.refresh_from_db()
    assert ada.quiet_hours_start is None
