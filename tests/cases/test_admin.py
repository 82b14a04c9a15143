import pytest
from django.urls import reverse

from tests.cases.helpers import open_case
from tests.factories import ClientFactory, SupervisorFactory, UserFactory


@pytest.fixture
def admin_client_logged(client):
    admin_user = SupervisorFactory(is_staff=True, is_superuser=True)  # the flag alone is no role in the app
    client.force_login(admin_user)
    return client, admin_user


@pytest.mark.django_db
def test_every_case_model_is_registered_in_the_admin(admin_client_logged):
    client, _ = admin_client_logged
    for name in ["case", "client", "concern", "acknowledgement", "recommitment", "fact", "actionitem",
                 "statusupdate", "delivery", "promise", "escalation", "escalationnote", "handoff", "caseevent"]:
        response = client.get(reverse(f"admin:cases_{name}_changelist"))

        assert response.status_code == 200, name


@pytest.mark.django_db
def test_admin_does_not_offer_editing_a_case(admin_client_logged):
    client, admin_user = admin_client_logged
    case = open_case(admin_user, ClientFactory())

    response = client.post(reverse("admin:cases_case_change", args=[case.pk]), {"summary": "changed"})

    case.refresh_from_db()
    assert case.summary != "changed"
    assert response.status_code in (200, 403)


@pytest.mark.django_db
def test_client_details_cannot_be_edited_in_the_admin_around_the_service(admin_client_logged):
    from tests.factories import ClientFactory as Factory

    client, _ = admin_client_logged
    dennis = Factory(time_zone="UTC")

    client.post(reverse("admin:cases_client_change", args=[dennis.pk]), {"name": "x", "time_zone": "Asia/Tokyo"})

    dennis.refresh_from_db()
    assert dennis.time_zone == "UTC"


@pytest.mark.django_db
@pytest.mark.parametrize("changelist, query", [
    ("admin:cases_actionitem_changelist", {"due_at__year": "99999"}),
    # Found by an audit: the outbox's and the inbound mail's lists (their own admins) answered 500.
    ("admin:notifications_outboxmessage_changelist", {"created_at__year": "9999"}),
    ("admin:notifications_outboxmessage_changelist",
     {"created_at__year": "9999", "created_at__month": "12", "created_at__day": "31"}),
    ("admin:mailin_inboundmessage_changelist", {"received_at__year": "99999999999999999999"}),
])
def test_a_hand_typed_admin_filter_the_database_cannot_take_is_refused_not_a_500(admin_client_logged, changelist,
                                                                                   query):
    client, _ = admin_client_logged
    client.raise_request_exception = False

    response = client.get(reverse(changelist), query)

    assert response.status_code == 302 and response["Location"].endswith("?e=1")


@pytest.mark.django_db
@pytest.mark.parametrize("zone, boss_is_self, refused", [
    ("localtime", False, True), ("US/Eastern", False, True), ("Etc/GMT+5", False, True),
    ("Europe/London", True, True), ("Europe/London", False, False), ("UTC", False, False),
])
def test_a_staff_profile_edited_in_the_admin_follows_the_apps_rules(admin_client_logged, zone, boss_is_self, refused):
    from django.contrib.auth.models import Group

    from cases.models import StaffProfile
    from cases.roles import ensure_roles

    client, _ = admin_client_logged
    ensure_roles()
    fran, sam = UserFactory(), UserFactory()
    sam.groups.add(Group.objects.get(name="supervisor"))
    profile, _ = StaffProfile.objects.get_or_create(user=fran)

    response = client.post(reverse("admin:cases_staffprofile_change", args=[profile.pk]),
                           {"user": fran.pk, "supervisor": (fran if boss_is_self else sam).pk, "time_zone": zone})

    profile.refresh_from_db()
    assert (response.status_code == 200) == refused
    assert (profile.time_zone == zone) != refused


@pytest.mark.django_db
def test_a_profile_naming_someone_who_lost_the_role_still_saves_its_other_fields(admin_client_logged):
    from cases.models import StaffProfile

    client, _ = admin_client_logged
    fran, former = UserFactory(), UserFactory()  # `former` holds no supervisor role (any more)
    profile, _ = StaffProfile.objects.get_or_create(user=fran)
    StaffProfile.objects.filter(pk=profile.pk).update(supervisor=former)

    response = client.post(reverse("admin:cases_staffprofile_change", args=[profile.pk]),
                           {"user": fran.pk, "supervisor": former.pk, "time_zone": "Europe/Paris"})

    profile.refresh_from_db()
    assert response.status_code == 302 and profile.time_zone == "Europe/Paris"
