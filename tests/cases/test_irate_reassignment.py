"""A change of owner re-applies the irate rule (RECIPE "Ownership"): while the client is irate, the new
owner's supervisor becomes co-owner, by a supervisor's reassignment or an accepted handoff."""
import pytest

from cases import services
from cases.models import Mood
from tests.cases.helpers import open_case
from tests.factories import StaffProfileFactory, SupervisorFactory


@pytest.fixture
def second_supervisor(db):
    return SupervisorFactory()


@pytest.fixture
def rep_of_second(second_supervisor):
    """A rep in the second supervisor's team."""
    return StaffProfileFactory(supervisor=second_supervisor).user


@pytest.fixture
def irate_case(rep, dennis):
    return open_case(rep, dennis, temperature=Mood.IRATE)


def reassign(supervisor, case, to_user):
    return services.case_reassign(user=supervisor, case=case, to_user=to_user, reason="Covers the evening shift",
                                  client_informed=True)


def test_an_irate_case_starts_co_owned_by_the_owners_supervisor(irate_case, supervisor):
    assert irate_case.co_owner == supervisor


def test_a_reassignment_makes_the_new_owners_supervisor_the_co_owner(irate_case, supervisor, second_supervisor,
                                                                      rep_of_second):
    reassign(supervisor, irate_case, rep_of_second)

    irate_case.refresh_from_db()
    assert irate_case.owner == rep_of_second and irate_case.co_owner == second_supervisor
    event = irate_case.events.get(verb="co-owner changed")
    assert event.actor == supervisor
    assert event.data == {"from": supervisor.pk, "to": second_supervisor.pk}


def test_an_accepted_handoff_makes_the_new_owners_supervisor_the_co_owner(irate_case, rep, second_supervisor,
                                                                          rep_of_second):
    handoff = services.handoff_request(user=rep, case=irate_case, to_user=rep_of_second, reason="Going on leave")

    services.handoff_accept(user=rep_of_second, handoff=handoff, client_informed=True)

    irate_case.refresh_from_db()
    assert irate_case.co_owner == second_supervisor
    assert irate_case.events.get(verb="co-owner changed").actor == rep_of_second


def test_a_new_owner_with_the_same_supervisor_keeps_the_co_owner(irate_case, supervisor, other_rep):
    reassign(supervisor, irate_case, other_rep)

    irate_case.refresh_from_db()
    assert irate_case.co_owner == supervisor
    assert not irate_case.events.filter(verb__startswith="co-owner").exclude(verb="co-owner added").exists()


def test_a_calm_case_gets_no_co_owner_when_reassigned(rep, dennis, supervisor, rep_of_second):
    case = open_case(rep, dennis, temperature=Mood.CALM)

    reassign(supervisor, case, rep_of_second)

    case.refresh_from_db()
    assert case.co_owner is None


def test_an_irate_case_without_a_co_owner_gets_the_new_owners_supervisor(irate_case, supervisor, second_supervisor,
                                                                         rep_of_second):
    type(irate_case).objects.filter(pk=irate_case.pk).update(co_owner=None)

    reassign(supervisor, irate_case, rep_of_second)

    irate_case.refresh_from_db()
    assert irate_case.co_owner == second_supervisor


def test_when_the_co_owning_supervisor_takes_the_case_another_supervisor_co_owns_it(irate_case, supervisor,
                                                                                    second_supervisor):
    reassign(supervisor, irate_case, supervisor)

    irate_case.refresh_from_db()
    assert irate_case.owner == supervisor and irate_case.co_owner == second_supervisor


def test_a_profile_naming_someone_who_lost_the_supervisor_role_falls_back_to_a_supervisor(supervisor, dennis):
    from django.contrib.auth.models import Group

    from cases.selectors import supervisor_emails_for_many

    demoted = SupervisorFactory(email="demoted@team.example")
    demoted.groups.remove(Group.objects.get(name="supervisor"))
    demoted.groups.add(Group.objects.get(name="rep"))
    rep = StaffProfileFactory(supervisor=demoted).user

    case = open_case(rep, dennis, temperature=Mood.IRATE)

    assert case.co_owner == supervisor  # a supervisor, not the rep named on the profile
    assert supervisor_emails_for_many([rep])[rep.pk] == [supervisor.email]
