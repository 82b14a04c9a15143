"""Whoever left the team or lost the role since the page was drawn (RECIPE "Ownership", "Team visibility"):
a handoff is accepted only onto an active rep or supervisor, checked again when it is accepted, and a
co-owner or owner who is no longer a supervisor or rep no longer works the case
(permissions.may_own_cases, read by can_work_case and the handoff services)."""
import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings

from cases import permissions, services
from cases.errors import CaseRuleError
from cases.models import Case, HandoffStatus, Mood, Step
from tests.cases.helpers import advance_to, open_case
from tests.cases.views_support import url


def fresh(user):
    """The user as the next request reads them (permissions are not cached across requests)."""
    return get_user_model().objects.get(pk=user.pk)


def test_a_request_for_the_case_from_a_teammate_who_has_since_left_cannot_be_accepted(rep, other_rep, dennis):
    case = open_case(rep, dennis)
    asked = services.case_ask_for(user=other_rep, case=case, reason="I know this host's support team well")
    get_user_model().objects.filter(pk=other_rep.pk).update(is_active=False)

    with pytest.raises(CaseRuleError, match="can no longer own cases"):
        services.handoff_accept(user=fresh(rep), handoff=asked, client_informed=True)

    asked.refresh_from_db()
    assert Case.objects.get(pk=case.pk).owner == rep
    assert asked.status == HandoffStatus.REQUESTED  # still there to be declined


def test_a_handoff_offered_to_someone_who_lost_the_rep_role_is_refused_on_the_page(client, rep, other_rep, dennis):
    case = open_case(rep, dennis)
    offered = services.handoff_request(user=rep, case=case, to_user=other_rep, reason="Covers the evening shift")
    other_rep.groups.clear()
    client.force_login(other_rep)

    response = client.post(url("handoff_accept", case, offered.pk), {"client_informed": "on"})

    offered.refresh_from_db()
    assert response.status_code != 302
    assert Case.objects.get(pk=case.pk).owner == rep and offered.status == HandoffStatus.REQUESTED


def test_a_co_owner_no_longer_a_supervisor_no_longer_works_the_irate_case(client, rep, supervisor, dennis):
    case = open_case(rep, dennis, temperature=Mood.IRATE)
    assert case.co_owner == supervisor
    supervisor.groups.clear()
    client.force_login(supervisor)

    calmed = client.post(url("temperature", case), {"temperature": Mood.CALM})
    added = client.post(url("concern_add", case), {"description": "Orders stopped on the shop at noon today",
                                                   "impact": "No sales at all since noon"})

    case.refresh_from_db()
    assert (calmed.status_code, added.status_code) == (404, 404)  # with no role, not even a reader
    assert case.temperature == Mood.IRATE and case.co_owner == supervisor
    assert case.concerns.count() == 1
    with pytest.raises(CaseRuleError, match="not working on"):
        services.case_set_temperature(user=fresh(supervisor), case=case, temperature=Mood.CALM)


def test_an_owner_no_longer_a_rep_no_longer_works_the_case(client, rep, dennis):
    case = open_case(rep, dennis)
    rep.groups.clear()
    client.force_login(rep)

    response = client.post(url("temperature", case), {"temperature": Mood.ANGRY})

    assert response.status_code == 404  # with no role, not even a reader
    assert Case.objects.get(pk=case.pk).temperature != Mood.ANGRY
    with pytest.raises(CaseRuleError, match="not working on"):
        services.case_set_temperature(user=fresh(rep), case=case, temperature=Mood.ANGRY)



def test_an_owner_no_longer_a_rep_keeps_nothing_owning_gives(rep, dennis):
    """One rule (permissions._owns) for every right of the owner: the steps, cancelling an item, the
    client's status link, the client's contact details and schedule."""
    case = advance_to(open_case(rep, dennis), Step.PLAN, rep)
    item = services.action_item_create(user=rep, case=case, description="Restore the mail server from backup")
    rights = (lambda u: permissions.can_work_case(u, case), lambda u: permissions.can_cancel_item(u, item),
              lambda u: permissions.can_manage_status_link(u, case),
              lambda u: permissions.can_edit_client_contact(u, dennis),
              lambda u: permissions.can_edit_client_schedule(u, dennis))
    assert all(right(fresh(rep)) for right in rights)

    rep.groups.clear()

    assert not any(right(fresh(rep)) for right in rights)
    with pytest.raises(CaseRuleError):
        services.status_link_issue(user=fresh(rep), case=case)


@pytest.mark.parametrize("own_cases_only", [False, True])
def test_one_who_lost_the_rep_role_reads_nothing_of_the_team_not_even_cases_they_watch(
        client, rep, other_rep, dennis, settings, own_cases_only):
    """Found by a review: a watcher (an earlier owner) with no role still opened the case, found it in
    search and read the client's page."""
    settings.REPS_SEE_OWN_CASES_ONLY = own_cases_only
    case = open_case(rep, dennis)
    handoff = services.handoff_request(user=rep, case=case, to_user=other_rep, reason="Covers the evening shift")
    services.handoff_accept(user=other_rep, handoff=handoff, client_informed=True)
    assert case.watchers.filter(pk=rep.pk).exists()
    rep.groups.clear()
    client.force_login(rep)

    assert client.get(f"/cases/{case.reference}/").status_code == 404
    assert f'href="/cases/{case.reference}/"' not in client.get(f"/search/?q={case.reference}").content.decode()
    assert not permissions.can_view_case(fresh(rep), case)
    from cases.selectors import visible_cases
    assert not visible_cases(fresh(rep)).exists()


@override_settings(REPS_SEE_OWN_CASES_ONLY=True)
def test_a_demoted_supervisor_finds_no_closed_case_they_co_owned(rep, supervisor, dennis):
    """Found by a review: search and the client page listed a closed case the case page refused (404)."""
    case = open_case(rep, dennis, temperature=Mood.IRATE)
    assert case.co_owner == supervisor
    services.case_force_close(user=supervisor, case=case, reason="The client withdrew the complaint")
    supervisor.groups.set(rep.groups.all())
    demoted = fresh(supervisor)

    from cases.selectors import visible_cases
    assert not permissions.can_view_case(demoted, case)
    assert not visible_cases(demoted).filter(pk=case.pk).exists()


@pytest.mark.parametrize("own_cases_only", [False, True])
def test_my_cases_lists_no_case_its_reader_may_not_open(client, rep, supervisor, dennis, settings, own_cases_only):
    """Found by a review: My cases (and the unread client mail) still listed, with the client's name, a
    closed case a demoted co-owner could not open, and the closed cases of a rep who lost every role."""
    from mailin.selectors import unread_mail_cases

    settings.REPS_SEE_OWN_CASES_ONLY = own_cases_only
    irate = open_case(rep, dennis, temperature=Mood.IRATE)
    assert irate.co_owner == supervisor
    services.case_force_close(user=supervisor, case=irate, reason="The client withdrew the complaint")
    Case.objects.filter(pk=irate.pk).update(client_wrote_at=irate.opened_at)
    supervisor.groups.set(rep.groups.all())
    client.force_login(supervisor)
    assert f"/cases/{irate.reference}/" not in client.get("/?show=all").content.decode()  # not their work now
    assert client.get(f"/cases/{irate.reference}/").status_code == (404 if own_cases_only else 200)

    rep.groups.clear()
    client.force_login(rep)
    page = client.get("/?show=all").content.decode()
    # No row at all (the client's name alone could be the signed-in rep's own, drawn by the factory)
    assert f"/cases/{irate.reference}/" not in page and 'class="case-row' not in page
    assert unread_mail_cases(fresh(rep)) == []


def test_a_reopened_irate_case_gets_a_supervisor_in_place_of_a_demoted_co_owner(rep, supervisor, dennis):
    """Found by a review: the co-owner of a closed irate case, demoted meanwhile, stayed its co-owner when it
    reopened: no supervisor co-owned it, and the client's emails were copied to someone who could not open it."""
    from tests.factories import SupervisorFactory

    case = open_case(rep, dennis, temperature=Mood.IRATE)
    assert case.co_owner == supervisor
    other_supervisor = SupervisorFactory()
    services.case_force_close(user=other_supervisor, case=case, reason="The client withdrew the complaint")
    supervisor.groups.set(rep.groups.all())

    case = services.case_transition(user=rep, case=Case.objects.get(pk=case.pk), name="reopen",
                                    reason="The client called back angrier")

    case.refresh_from_db()
    assert case.is_irate and case.co_owner == other_supervisor
    assert case.events.filter(verb="co-owner removed", note__contains="no longer a supervisor").exists()
