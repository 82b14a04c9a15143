"""The admin's lists stay bounded at scale: a constant number of queries per page however many rows, one
COUNT of a search's matches (not the whole table again), and filters over the values the code knows rather
than a SELECT DISTINCT over a ledger's free-text column. Found by an audit."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import services
from cases.models import CaseEvent, EscalationReason
from cases.workflow import Transition
from notifications.models import OutboxMessage
from tests.cases.helpers import open_case
from tests.factories import ClientFactory, StaffProfileFactory, SupervisorFactory

pytestmark = pytest.mark.django_db

# The lists whose rows follow a nullable relation (Django joins only the non-null ones by itself), and the
# outbox, whose rows are each read against their case (notifications.admin._may_read).
LISTS = ["admin:cases_caseevent_changelist", "admin:cases_escalation_changelist", "admin:cases_staffprofile_changelist",
         "admin:notifications_outboxmessage_changelist"]
LEDGERS = ["admin:cases_caseevent_changelist", "admin:cases_escalation_changelist", "admin:cases_promise_changelist",
           "admin:cases_case_changelist", "admin:notifications_outboxmessage_changelist"]


@pytest.fixture
def admin_client(client):
    client.force_login(SupervisorFactory(is_staff=True, is_superuser=True))
    return client


def _queries(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse(url), params or {}).status_code == 200
    return [query["sql"] for query in ctx.captured_queries]


def _escalated_cases(n):
    """Cases of reps with a supervisor each, escalated: events with an actor, escalations raised by someone,
    a promise, an outbox email."""
    for _ in range(n):
        rep = StaffProfileFactory().user
        case = open_case(rep, ClientFactory())
        services.escalation_raise(user=rep, case=case, reason=EscalationReason.NO_PLAN,
                                  note="The host will not say when the server is back")


@pytest.mark.parametrize("url", LISTS)
def test_a_list_costs_the_same_queries_for_two_cases_as_for_twelve(admin_client, url):
    _escalated_cases(2)
    few = len(_queries(admin_client, url))
    _escalated_cases(10)

    many = len(_queries(admin_client, url))

    assert few == many


@pytest.mark.parametrize("url", LEDGERS)
def test_a_searched_ledger_counts_its_matches_only(admin_client, url):
    _escalated_cases(2)

    queries = _queries(admin_client, url, {"q": "zzz-not-there"})

    counts = [sql for sql in queries if "COUNT(" in sql.upper()]
    assert len(counts) == 1, counts


@pytest.mark.parametrize("url, column", [("admin:cases_caseevent_changelist", "verb"),
                                         ("admin:notifications_outboxmessage_changelist", "kind")])
def test_a_list_filter_reads_no_distinct_values_of_a_free_text_column(admin_client, url, column):
    _escalated_cases(2)

    queries = _queries(admin_client, url)

    assert not [sql for sql in queries if "DISTINCT" in sql.upper() and f'"{column}"' in sql]


def test_the_timeline_filter_offers_every_step_change_and_filters_by_it(admin_client):
    _escalated_cases(1)
    rep = StaffProfileFactory().user
    case = open_case(rep, ClientFactory())
    services.case_transition(user=rep, case=case, name=Transition.COMPLETE_IDENTIFY.method)
    url = "admin:cases_caseevent_changelist"

    page = admin_client.get(reverse(url)).content.decode()
    shown = admin_client.get(reverse(url), {"step_change": Transition.COMPLETE_IDENTIFY.method}).context["cl"]
    others = admin_client.get(reverse(url), {"step_change": "other"}).context["cl"]

    assert all(t.label in page for t in Transition)
    assert [event.verb for event in shown.result_list] == [Transition.COMPLETE_IDENTIFY.label]
    assert others.result_count == CaseEvent.objects.count() - 1


def test_the_outbox_filter_offers_the_kinds_of_the_email_templates_and_filters_by_them(admin_client):
    _escalated_cases(1)
    url = "admin:notifications_outboxmessage_changelist"

    page = admin_client.get(reverse(url)).content.decode()
    shown = admin_client.get(reverse(url), {"kind": "escalation_raised"}).context["cl"]

    assert "?kind=escalation_raised" in page and "?kind=update_reminder" in page
    assert shown.result_count == OutboxMessage.objects.filter(kind="escalation_raised").count() > 0
