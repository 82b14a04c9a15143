"""`field__any` (cases/lookups.py): membership in a set given as one value, the same rows as `__in`."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Case
from tests.cases.helpers import open_case
from tests.factories import ClientFactory


@pytest.fixture
def three(rep):
    client = ClientFactory()
    return [open_case(rep, client) for _ in range(3)]


@pytest.mark.django_db
@pytest.mark.parametrize("container", [set, list, tuple, frozenset])
def test_ids_match_what_in_matches(three, container):
    wanted = container(case.pk for case in three[:2])

    found = set(Case.objects.filter(pk__any=wanted).values_list("pk", flat=True))

    assert found == set(Case.objects.filter(pk__in=list(wanted)).values_list("pk", flat=True)) == set(wanted)


@pytest.mark.django_db
def test_text_values_match_too(three):
    wanted = {three[0].reference, three[2].reference, "C-NOPE"}

    assert set(Case.objects.filter(reference__any=wanted).values_list("reference", flat=True)) == wanted - {"C-NOPE"}


@pytest.mark.django_db
def test_an_empty_set_matches_nothing_and_none_is_ignored(three):
    assert not Case.objects.filter(pk__any=set()).exists()
    assert list(Case.objects.filter(pk__any={None, three[1].pk}).values_list("pk", flat=True)) == [three[1].pk]


@pytest.mark.django_db
def test_many_ids_are_one_parameter_on_postgresql(three):
    wanted = {three[0].pk, *range(10**6, 10**6 + 700)}

    with CaptureQueriesContext(connection) as queries:
        found = list(Case.objects.filter(pk__any=wanted).values_list("pk", flat=True))

    assert found == [three[0].pk]
    assert connection.vendor != "postgresql" or "= ANY(" in queries[0]["sql"]
