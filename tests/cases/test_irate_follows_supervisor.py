"""A rep's supervisor changed in the admin: the rep's open cases with an irate client are co-owned by the new
supervisor (services.irate_cases_follow_supervisor, the irate rule as on a change of hands). Found by an audit:
the old supervisor stayed co-owner of them, and the new one never learnt of the rep's irate clients."""
import pytest
from django.urls import reverse

from cases.models import Mood, StaffProfile, Step
from cases import services
from tests.cases.helpers import advance_to, open_case
from tests.factories import ClientFactory, StaffProfileFactory, SupervisorFactory

pytestmark = pytest.mark.django_db


def _change_supervisor(client, rep, to):
    admin_user = SupervisorFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    profile = StaffProfile.objects.get(user=rep)
    response = client.post(reverse("admin:cases_staffprofile_change", args=[profile.pk]),
                           {"user": rep.pk, "supervisor": to.pk, "time_zone": profile.time_zone or "UTC"})
    assert response.status_code == 302, response.content.decode()[:2000]
    return admin_user


def test_the_rep_s_irate_cases_pass_to_the_new_supervisor_and_the_timeline_says_so(client, rep, supervisor, dennis):
    irate = open_case(rep, dennis, temperature=Mood.IRATE)
    calm = open_case(rep, ClientFactory(name="Ann Lee"), temperature=Mood.CALM)
    closed = open_case(rep, ClientFactory(name="Omar Said"), temperature=Mood.IRATE)
    type(closed).objects.filter(pk=closed.pk).update(step=Step.RESOLVED)
    assert irate.co_owner == supervisor and closed.co_owner == supervisor
    newcomer = SupervisorFactory()

    _change_supervisor(client, rep, newcomer)

    irate.refresh_from_db()
    calm.refresh_from_db()
    closed.refresh_from_db()
    assert irate.co_owner == newcomer and calm.co_owner is None
    assert closed.co_owner == supervisor  # a closed case is left as it was closed
    changed = irate.events.get(verb="co-owner changed")
    assert newcomer.get_full_name() in changed.note or newcomer.username in changed.note


def test_a_rep_given_a_supervisor_for_the_first_time_gets_one_on_their_irate_cases(client, dennis):
    rep = StaffProfileFactory(supervisor=None).user
    irate = open_case(rep, dennis, temperature=Mood.IRATE)
    assert irate.co_owner is None
    boss = SupervisorFactory()

    _change_supervisor(client, rep, boss)

    irate.refresh_from_db()
    assert irate.co_owner == boss and irate.events.filter(verb="co-owner added").exists()


def test_a_profile_added_or_deleted_in_the_admin_moves_the_co_owner_too(client, dennis):
    """Found by a red team: only a changed profile moved it. Without a profile the rep's supervisor is the first
    active one (selectors.supervisor_for)."""
    fallback = SupervisorFactory()
    rep = StaffProfileFactory(supervisor=None).user
    StaffProfile.objects.filter(user=rep).delete()
    irate = open_case(rep, dennis, temperature=Mood.IRATE)
    assert irate.co_owner == fallback
    boss = SupervisorFactory()
    admin_user = SupervisorFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)

    added = client.post(reverse("admin:cases_staffprofile_add"), {"user": rep.pk, "supervisor": boss.pk,
                                                                  "time_zone": "UTC"})
    irate.refresh_from_db()
    assert added.status_code == 302 and irate.co_owner == boss

    profile = StaffProfile.objects.get(user=rep)
    deleted = client.post(reverse("admin:cases_staffprofile_delete", args=[profile.pk]), {"post": "yes"})
    irate.refresh_from_db()
    assert deleted.status_code == 302 and irate.co_owner == fallback


def test_an_irate_case_reopened_after_the_supervisor_changed_is_co_owned_by_the_new_one(client, rep, supervisor,
                                                                                        dennis):
    case = advance_to(open_case(rep, dennis, temperature=Mood.IRATE), Step.RESOLVED, rep)
    assert case.co_owner == supervisor
    newcomer = SupervisorFactory()
    _change_supervisor(client, rep, newcomer)  # the resolved case is left as it was closed

    case = services.case_reopen(user=rep, case=type(case).objects.get(pk=case.pk), reason="The shop is down again")

    case.refresh_from_db()
    assert case.co_owner == newcomer and case.events.filter(verb="co-owner changed").exists()
