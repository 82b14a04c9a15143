"""Intake: a new client and its case are created together or not at all."""
import pytest

from cases import services
from cases.errors import CaseRuleError
from cases.models import Case, Client, Mood
from tests.factories import UserFactory


@pytest.mark.django_db
def test_intake_with_a_new_client_creates_both(rep):
    case = services.case_intake(user=rep, summary="Site down", temperature=Mood.ANGRY,
                                new_client={"name": "Dennis", "time_zone": "Europe/London"})

    assert case.client.name == "Dennis" and case.owner == rep


@pytest.mark.django_db
def test_intake_refused_after_the_client_was_made_leaves_no_orphan_client(rep):
    with pytest.raises(CaseRuleError) as exc:
        services.case_intake(user=rep, summary="", temperature=Mood.ANGRY, new_client={"name": "Dennis"})

    assert exc.value.field == "summary"
    assert not Client.objects.filter(name="Dennis").exists()


@pytest.mark.django_db
def test_intake_with_a_bad_time_zone_names_the_field(rep):
    with pytest.raises(CaseRuleError) as exc:
        services.case_intake(user=rep, summary="x", temperature=Mood.CALM,
                             new_client={"name": "Dennis", "time_zone": "Mars/Olympus"})

    assert exc.value.field == "time_zone"
    assert Case.objects.count() == 0


@pytest.mark.django_db
def test_intake_needs_a_client(rep):
    with pytest.raises(CaseRuleError) as exc:
        services.case_intake(user=rep, summary="x", temperature=Mood.CALM)

    assert exc.value.field == "client"


@pytest.mark.django_db
def test_a_user_without_a_role_cannot_log_a_case_or_add_a_client():
    nobody = UserFactory()

    with pytest.raises(CaseRuleError, match="Only reps"):
        services.case_intake(user=nobody, summary="x", temperature=Mood.CALM, new_client={"name": "D"})
