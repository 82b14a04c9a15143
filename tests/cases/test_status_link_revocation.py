"""Client status links are revocable: a new link, any change of owner, closing the case (after a short
"resolved" page) and a revoke by the owner or a supervisor each stop every earlier link; a revoked link
shows a page that names nothing of the case. The page shows the line the rep wrote for the client,
never the update's internal text."""
import datetime as dt

import pytest
from django.test import Client as Visitor
from django.test import override_settings
from django.urls import reverse

from cases import services
from cases.errors import CaseRuleError
from cases.models import CaseEvent, Channel, Mood, Step
from cases.permissions import can_manage_status_link
from cases.status_links import make_token
from tests.cases.helpers import advance_to, open_case
from tests.factories import ClientFactory, StaffProfileFactory, SupervisorFactory

NOW = dt.datetime(2025, 6, 30, 13, 0, tzinfo=dt.UTC)
INTERNAL = "INTERNAL-NOTE told him the host botched the upgrade again"
CLIENT_LINE = "Your email works again; the website follows by noon."
REVOKED = "This link is no longer valid"


@pytest.fixture
def zeb(db):
    return ClientFactory(name="Zebediah Quill", time_zone="Europe/London")


@pytest.fixture
def working_case(frozen, dana, zeb):
    case = advance_to(open_case(dana, zeb), Step.MANAGE_ANXIETY, dana)
    services.status_update_log(user=dana, case=case, summary=INTERNAL, client_line=CLIENT_LINE,
                               channel=Channel.PHONE, client_mood=Mood.CALM)
    case.refresh_from_db()
    return case


@pytest.fixture
def visitor():
    return Visitor()


def issue(user, case):
    return services.status_link_issue(user=user, case=case).path


def revoke_url(case):
    return reverse("supervisor:status_link_revoke", args=[case.reference])


def events(case, verb):
    return list(CaseEvent.objects.filter(case=case, verb=verb))


def link_fields(case):
    case.refresh_from_db()
    return (case.status_link_version, case.status_link_issued_at, case.status_link_final_version,
            case.status_link_final_until)


def reassign(supervisor, case, to_user):
    return services.case_reassign(user=supervisor, case=case, to_user=to_user, reason="Covers the evening shift",
                                  client_informed=True)


def resolve(case, user):
    case.refresh_from_db()
    return advance_to(case, Step.RESOLVED, user)


# --- what revokes a link --------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_new_link_revokes_the_old_one(visitor, working_case, dana):
    old = issue(dana, working_case)

    new = issue(dana, working_case)

    assert visitor.get(old).status_code == 410
    assert visitor.get(new).status_code == 200
    assert "The earlier link no longer works." in events(working_case, "client status link issued")[-1].note


@pytest.mark.django_db
def test_a_link_made_before_links_were_versioned_stops_working_when_a_new_one_is_made(visitor, working_case, dana):
    legacy = reverse("client_status", kwargs={"token": make_token(working_case)})  # version 0, never issued

    issue(dana, working_case)

    assert visitor.get(legacy).status_code == 410


@pytest.mark.django_db
def test_a_supervisors_reassignment_revokes_the_link(visitor, working_case, dana, other_rep, supervisor):
    link = issue(dana, working_case)

    reassign(supervisor, working_case, other_rep)

    assert visitor.get(link).status_code == 410
    assert events(working_case, "client status link revoked")[0].note.startswith("The case changed hands.")


@pytest.mark.django_db
def test_reassigning_an_irate_case_revokes_the_link(visitor, working_case, dana, other_rep, supervisor):
    services.case_set_temperature(user=dana, case=working_case, temperature=Mood.IRATE)
    link = issue(dana, working_case)

    reassign(supervisor, working_case, other_rep)

    assert visitor.get(link).status_code == 410


@pytest.mark.django_db
def test_an_accepted_handoff_revokes_the_link(visitor, working_case, dana, other_rep):
    link = issue(dana, working_case)
    handoff = services.handoff_request(user=dana, case=working_case, to_user=other_rep, reason="Going on leave")

    services.handoff_accept(user=other_rep, handoff=handoff, client_informed=True)

    assert visitor.get(link).status_code == 410


@pytest.mark.django_db
def test_a_teammates_request_for_the_case_once_accepted_revokes_the_link(visitor, working_case, dana, other_rep):
    link = issue(dana, working_case)
    handoff = services.case_ask_for(user=other_rep, case=working_case, reason="I know this host well")

    services.handoff_accept(user=dana, handoff=handoff, client_informed=True)

    assert visitor.get(link).status_code == 410


@pytest.mark.django_db
def test_a_handoff_only_requested_keeps_the_link(visitor, working_case, dana, other_rep):
    link = issue(dana, working_case)

    services.handoff_request(user=dana, case=working_case, to_user=other_rep, reason="Going on leave")

    assert visitor.get(link).status_code == 200


@pytest.mark.django_db
def test_a_supervisor_becoming_co_owner_keeps_the_link(visitor, working_case, dana):
    link = issue(dana, working_case)

    services.case_set_temperature(user=dana, case=working_case, temperature=Mood.IRATE)

    working_case.refresh_from_db()
    assert working_case.co_owner_id is not None
    assert visitor.get(link).status_code == 200


@pytest.mark.django_db
def test_the_new_owner_can_give_the_client_a_new_link(visitor, working_case, dana, other_rep, supervisor):
    issue(dana, working_case)
    reassign(supervisor, working_case, other_rep)

    link = issue(other_rep, working_case)

    assert visitor.get(link).status_code == 200


# --- closing: a short "resolved" page, then refused --------------------------------------------------
@pytest.mark.django_db
@override_settings(CLIENT_LINK_RESOLVED_DAYS=3, CLIENT_LINK_MAX_AGE_DAYS=14)
def test_resolving_keeps_a_resolved_page_for_the_grace_period_then_refuses(visitor, frozen, working_case, dana):
    link = issue(dana, working_case)
    resolve(working_case, dana)

    frozen.shift(dt.timedelta(days=3) - dt.timedelta(minutes=1))
    within = visitor.get(link)
    frozen.shift(dt.timedelta(minutes=2))
    after = visitor.get(link)

    assert within.status_code == 200 and "It has been resolved" in within.content.decode()
    assert after.status_code == 410 and REVOKED in after.content.decode()


@pytest.mark.django_db
@override_settings(CLIENT_LINK_RESOLVED_DAYS=3)
def test_a_supervisors_force_close_keeps_a_resolved_page_then_refuses(visitor, frozen, working_case, dana,
                                                                      supervisor):
    link = issue(dana, working_case)

    services.case_transition(user=supervisor, case=working_case, name="force_close", reason="Client went quiet")

    # Found by a review: the override's page said "It has been resolved", as a confirmed fix's does.
    page = visitor.get(link).content.decode()
    assert "We closed this case on" in page and "without a confirmed fix" in page
    assert "resolved" not in page.lower() and "Client went quiet" not in page
    frozen.shift(dt.timedelta(days=3, minutes=1))
    assert visitor.get(link).status_code == 410


@pytest.mark.django_db
def test_the_resolved_page_shows_only_that_it_is_resolved(visitor, working_case, dana):
    link = issue(dana, working_case)
    resolve(working_case, dana)

    page = visitor.get(link).content.decode()

    assert "It has been resolved (Mon 30 Jun 2025, 14:00)" in page  # the client's time (London, BST)
    shown = [text for text in ("Dana", CLIENT_LINE, "Resolved.", "Between", "Next update", "Zebediah", "Site and email")
             if text in page]
    assert shown == []


@pytest.mark.django_db
def test_closing_is_noted_on_the_timeline_when_the_client_had_a_link(working_case, dana):
    issue(dana, working_case)

    resolve(working_case, dana)

    (event,) = events(working_case, "client status link revoked")
    assert "shows only that the case is resolved" in event.note


@pytest.mark.django_db
def test_reopening_does_not_bring_the_old_link_back(visitor, working_case, dana, supervisor):
    link = issue(dana, working_case)
    case = resolve(working_case, dana)

    services.case_transition(user=supervisor, case=case, name="reopen", reason="The site fell over again")

    assert visitor.get(link).status_code == 410


@pytest.mark.django_db
def test_a_closed_case_gets_no_new_link(working_case, dana):
    case = resolve(working_case, dana)

    with pytest.raises(CaseRuleError, match="is closed"):
        services.status_link_issue(user=dana, case=case)


@pytest.mark.django_db
def test_the_issue_page_says_a_closed_case_gets_no_new_link(client, working_case, dana):
    resolve(working_case, dana)
    client.force_login(dana)

    response = client.post(reverse("supervisor:status_link", args=[working_case.reference]))

    assert response.status_code == 422 and "link" not in response.context
    assert "is closed" in response.content.decode()
    assert events(working_case, "client status link issued") == []


# --- revoking by hand -------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_owner_revokes_the_link_from_the_case_page(client, visitor, working_case, dana):
    link = issue(dana, working_case)
    client.force_login(dana)

    response = client.post(revoke_url(working_case))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("cases:case_detail", args=[working_case.reference]))
    assert visitor.get(link).status_code == 410
    (event,) = events(working_case, "client status link revoked")
    assert event.actor == dana and "Revoked by hand." in event.note


@pytest.mark.django_db
def test_a_supervisor_revokes_the_link(client, visitor, working_case, dana, supervisor):
    link = issue(dana, working_case)
    client.force_login(supervisor)

    client.post(revoke_url(working_case))

    assert visitor.get(link).status_code == 410
    assert events(working_case, "client status link revoked")[0].actor == supervisor


@pytest.mark.django_db
def test_a_supervisor_revokes_the_resolved_page_of_a_closed_case(client, visitor, working_case, dana, supervisor):
    link = issue(dana, working_case)
    resolve(working_case, dana)
    client.force_login(supervisor)

    client.post(revoke_url(working_case))

    assert visitor.get(link).status_code == 410


@pytest.mark.django_db
def test_a_teammate_rep_may_not_manage_the_link(working_case, other_rep, dana, supervisor):
    assert can_manage_status_link(dana, working_case)
    assert can_manage_status_link(supervisor, working_case)
    assert not can_manage_status_link(other_rep, working_case)


@pytest.mark.django_db
def test_a_forged_revoke_by_a_teammate_holding_an_item_is_refused_and_changes_nothing(client, visitor, working_case,
                                                                                      dana, other_rep):
    services.action_item_create(user=dana, case=working_case, description="Check the DNS records for the shop",
                                assignee=other_rep, due_at=NOW + dt.timedelta(hours=2))
    link = issue(dana, working_case)
    before = link_fields(working_case)
    client.force_login(other_rep)

    response = client.post(revoke_url(working_case))

    assert response.status_code == 403
    assert link_fields(working_case) == before
    assert visitor.get(link).status_code == 200
    assert events(working_case, "client status link revoked") == []


@pytest.mark.django_db
def test_the_revoke_service_refuses_a_teammate_too(working_case, dana, other_rep):
    issue(dana, working_case)
    before = link_fields(working_case)

    with pytest.raises(CaseRuleError):
        services.status_link_revoke(user=other_rep, case=working_case)

    assert link_fields(working_case) == before


@pytest.mark.django_db
@override_settings(REPS_SEE_OWN_CASES_ONLY=True)
def test_a_rep_who_may_not_see_the_case_gets_404(client, working_case, dana):
    issue(dana, working_case)
    outsider = StaffProfileFactory().user
    client.force_login(outsider)

    assert client.post(revoke_url(working_case)).status_code == 404


@pytest.mark.django_db
def test_an_anonymous_revoke_is_sent_to_log_in_and_changes_nothing(client, working_case, dana):
    issue(dana, working_case)
    before = link_fields(working_case)

    response = client.post(revoke_url(working_case))

    assert response.status_code == 401 and "/login/?next=" in response.content.decode()
    assert link_fields(working_case) == before


@pytest.mark.django_db
def test_revoking_takes_a_post_not_a_get(client, working_case, dana):
    issue(dana, working_case)
    client.force_login(dana)

    assert client.get(revoke_url(working_case)).status_code == 405
    assert link_fields(working_case)[1] is not None  # still issued


@pytest.mark.django_db
def test_the_admin_action_revokes_through_the_same_service(client, visitor, working_case, dana):
    link = issue(dana, working_case)
    client.force_login(SupervisorFactory(is_staff=True, is_superuser=True))  # the flag alone is no role

    client.post(reverse("admin:cases_case_changelist"),
                {"action": "action_revoke_status_link", "_selected_action": [working_case.pk]})

    assert visitor.get(link).status_code == 410
    assert len(events(working_case, "client status link revoked")) == 1


# --- what a revoked link shows --------------------------------------------------------------------
@pytest.mark.django_db
@override_settings(CLIENT_LINK_TEAM_NAME="the Acme help desk")
def test_a_revoked_link_says_whom_to_ask_and_leaks_nothing(visitor, working_case, dana):
    link = issue(dana, working_case)
    issue(dana, working_case)

    response = visitor.get(link)

    page = response.content.decode()
    assert response.status_code == 410
    assert REVOKED in page and "ask the Acme help desk for a new one" in page
    leaked = [text for text in ("Zebediah", "Quill", working_case.reference, "Dana", "We are working on the fix",
                                CLIENT_LINE, "Between", "Site and email", INTERNAL) if text in page]
    assert leaked == []
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
@override_settings(CLIENT_LINK_MAX_AGE_DAYS=14)
def test_a_revoked_link_that_has_also_expired_names_nobody(visitor, frozen, working_case, dana):
    link = issue(dana, working_case)
    issue(dana, working_case)
    frozen.shift(dt.timedelta(days=15))

    page = visitor.get(link).content.decode()

    assert REVOKED in page and "Dana" not in page and working_case.reference not in page


# --- the client's line, never the internal text -------------------------------------------------------
@pytest.mark.django_db
def test_the_page_shows_the_client_line_and_never_the_internal_update(client, visitor, working_case, dana):
    link = issue(dana, working_case)
    client.force_login(dana)
    client.post(reverse("cases:update", args=[working_case.reference]),
                {"text": "INTERNAL-SECOND host admits the backup was a week old", "channel": "phone",
                 "client_mood": "calm", "client_line": "Everything is back except last week's orders."})

    page = visitor.get(link).content.decode()

    assert "Everything is back except last week&#x27;s orders." in page
    assert "INTERNAL" not in page


@pytest.mark.django_db
def test_an_update_without_a_client_line_shows_only_when_it_was_given(visitor, frozen, working_case, dana):
    link = issue(dana, working_case)
    frozen.shift(dt.timedelta(minutes=20))
    services.status_update_log(user=dana, case=working_case, summary="INTERNAL-THIRD still waiting on the host",
                               channel=Channel.PHONE, client_mood=Mood.CALM)

    page = visitor.get(link).content.decode()

    assert "Mon 30 Jun, 14:20" in page  # London time of the latest update
    assert "INTERNAL" not in page and CLIENT_LINE not in page


@pytest.mark.django_db
def test_the_update_form_asks_what_the_client_will_read(client, working_case, dana):
    client.force_login(dana)

    page = client.get(reverse("cases:case_detail", args=[working_case.reference])).content.decode()

    assert "What the client will read" in page and 'name="client_line"' in page


@pytest.mark.django_db
@pytest.mark.parametrize("line, error", [("ok", "Write at least 3 words"),
                                         ("word " * 70, "Keep it under 280 characters")])
def test_a_client_line_that_is_too_short_or_too_long_is_refused_next_to_the_field(client, working_case, dana, line,
                                                                                  error):
    client.force_login(dana)
    before = working_case.status_updates.count()

    response = client.post(reverse("cases:update", args=[working_case.reference]),
                           {"text": "Host restored the mail server at nine", "channel": "phone",
                            "client_mood": "calm", "client_line": line})

    assert response.status_code == 422
    assert error in " ".join(response.context["forms"]["update"].errors["client_line"])
    assert working_case.status_updates.count() == before


# --- the case page ----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_case_page_offers_the_owner_a_revoke_button_while_a_link_works(client, working_case, dana):
    client.force_login(dana)
    page_url = reverse("cases:case_detail", args=[working_case.reference])
    without = client.get(page_url).content.decode()
    issue(dana, working_case)

    with_link = client.get(page_url).content.decode()

    assert revoke_url(working_case) not in without
    assert revoke_url(working_case) in with_link and "Revoke the client's link" in with_link


@pytest.mark.django_db
def test_the_case_page_offers_a_teammate_no_revoke_button(client, working_case, dana, other_rep):
    issue(dana, working_case)
    client.force_login(other_rep)

    page = client.get(reverse("cases:case_detail", args=[working_case.reference])).content.decode()

    assert revoke_url(working_case) not in page
