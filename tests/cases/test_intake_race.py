"""A case opened at the same moment as something else reads the client's cases (cases.services.common.lock_client,
intake_again.hold_typed_client), on two real database connections. Found by a race audit: the checks read the
cases already committed, so a case still being saved was not among them."""
import pytest

from cases import services
from cases.errors import CaseRuleError
from cases.models import Case, CaseEvent, Client, Mood
from tests.cases.helpers import first_then_second, open_case
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db(transaction=True)

SUMMARY = "Website and email down since the overnight upgrade"
CONCERN = {"description": "Website down for every customer", "impact": "No orders since last night",
           "feeling": "Worried"}


def _intake(user, *, client=None, new_client=None):
    return lambda: services.case_intake(user=user, summary=SUMMARY, temperature=Mood.UPSET, client=client,
                                        new_client=new_client, concern=CONCERN)


def _outcomes(results):
    return [kind for kind, _value in results]


def test_the_same_complaint_submitted_twice_at_once_opens_one_case(rep):
    dennis = ClientFactory(name="Dennis")

    results = first_then_second(_intake(rep, client=dennis), _intake(rep, client=dennis))

    assert _outcomes(results) == ["ok", "error"] and isinstance(results[1][1], CaseRuleError)
    assert results[1][1].field == "summary" and Case.objects.filter(client=dennis).count() == 1


def test_the_same_new_client_submitted_twice_at_once_makes_one_client_and_one_case(rep):
    typed = {"name": "Dennis Hale", "organisation": "Hale Internet Ltd"}

    results = first_then_second(_intake(rep, new_client=typed), _intake(rep, new_client=dict(typed)))

    assert _outcomes(results) == ["ok", "error"] and results[1][1].field == "summary"
    assert Client.objects.count() == 1 and Case.objects.count() == 1


def _zone_change(rep, client, case):
    return lambda: services.client_update(
        user=rep, client=client, name=client.name, organisation=client.organisation, email=client.email,
        phone=client.phone, time_zone="America/New_York", quiet_hours_start=None, quiet_hours_end=None,
        case=Case.objects.get(pk=case.pk))


def test_a_time_zone_change_while_a_teammate_opens_a_case_of_the_client_waits_and_is_refused(rep, other_rep):
    dennis = ClientFactory(name="Dennis", time_zone="UTC")
    mine = open_case(rep, dennis)

    results = first_then_second(lambda: open_case(other_rep, dennis), _zone_change(rep, dennis, mine))

    dennis.refresh_from_db()
    assert _outcomes(results) == ["ok", "error"] and isinstance(results[1][1], CaseRuleError)
    assert dennis.time_zone == "UTC"  # the rep no longer owns every open case of the client


def test_a_case_opened_while_a_time_zone_change_is_saved_comes_after_it(rep, other_rep):
    dennis = ClientFactory(name="Dennis", time_zone="UTC")
    mine = open_case(rep, dennis)

    results = first_then_second(_zone_change(rep, dennis, mine), lambda: open_case(other_rep, dennis))

    theirs = Case.objects.exclude(pk=mine.pk).get(client=dennis)
    changed = CaseEvent.objects.get(case=mine, verb="client details updated")
    assert _outcomes(results) == ["ok", "ok"] and theirs.opened_at > changed.created_at
