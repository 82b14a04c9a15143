"""Every page costs a fixed number of queries, however many rows it is about: the same count at 10 rows
as at 200 (My cases, the case page with a short and a long history, search, the client page, all cases
and its CSV, the escalation queue, the team page at 7/30/90 days, the client status page, and the case
page's parts: an earlier step's block, a form, the whole timeline, the older status updates, the
promises' history). Rows are bulk-inserted, so each scenario stays quick; every scenario also checks
that the page saw the rows it grew."""
import datetime as dt

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import (
    ActionItem, Case, CaseEvent, Channel, Concern, Escalation, EscalationReason, Mood, Promise, PromiseKind,
    PromiseStatus, StatusUpdate, Step,
)
from cases.search import search_refresh
from cases.status_links import make_token
from cases.workflow import Transition
from tests.cases.helpers import advance_to, open_case
from tests.cases.views_support import HTMX, page_of
from tests.factories import CaseFactory, ClientFactory, RepFactory

NOW = timezone.now()
HOUR = dt.timedelta(hours=1)


# --- bulk rows -------------------------------------------------------------------------------------
def cases(n, *, owner, client, step=Step.PLAN, **fields):
    built = CaseFactory.build_batch(n, owner=owner, client=client, step=step, **fields)
    return Case.objects.bulk_create(built)


def promises(case_list, *, status=PromiseStatus.PENDING, kind=PromiseKind.STATUS_UPDATE, due=HOUR):
    Promise.objects.bulk_create([
        Promise(case=c, kind=kind, due_at=NOW + due, owner=c.owner, status=status, source=f"Update {i}",
                kept_at=NOW - HOUR if status == PromiseStatus.KEPT else None,
                broken_at=NOW - HOUR if status == PromiseStatus.BROKEN else None)
        for i, c in enumerate(case_list)])


def events(case, n, *, actor, verb="status update given"):
    CaseEvent.objects.bulk_create([
        CaseEvent(case=case, actor=actor, verb=verb, note=f"Told the client about step {i}",
                  created_at=NOW - dt.timedelta(minutes=n - i)) for i in range(n)])


def updates(case, n, *, by):
    StatusUpdate.objects.bulk_create([
        StatusUpdate(case=case, given_at=NOW - dt.timedelta(minutes=n - i), channel=Channel.PHONE,
                     summary=f"The restore is {i} percent done, back within two hours",
                     client_mood=Mood.CALM, created_by=by) for i in range(n)])


def items(case, n, *, assignee, promised=False):
    made = ActionItem.objects.bulk_create([
        ActionItem(case=case, description=f"Check mailbox {i}", assignee=assignee, due_at=NOW + HOUR,
                   created_by=case.owner) for i in range(n)])
    if promised:
        Promise.objects.bulk_create([
            Promise(case=case, kind=PromiseKind.ACTION_ITEM, action_item=item, due_at=item.due_at, owner=assignee,
                    source=item.description) for item in made])


def escalations(case_list, *, by):
    Escalation.objects.bulk_create([
        Escalation(case=c, reason=EscalationReason.OTHER, note="Need a hand", raised_by=by, case_owner=c.owner,
                   created_at=NOW - HOUR) for c in case_list])
    Case.objects.filter(pk__in=[c.pk for c in case_list]).update(open_escalation_count=1, queue_since=NOW - HOUR)


# --- the scenarios: (who signs in, grow(n) adds n rows, url(), check(response, total)) ----------------
class Scenario:
    who = "rep"
    htmx = False

    def __init__(self, world):
        self.world = world

    def grow(self, n):
        raise NotImplementedError

    def url(self):
        raise NotImplementedError

    def check(self, response, total):
        return True


class MyCases(Scenario):
    def grow(self, n):
        promises(cases(n, owner=self.world["rep"], client=self.world["client"], next_promise_due_at=NOW + HOUR))

    def url(self):
        return reverse("cases:my_cases")

    def check(self, response, total):
        return response.context["page"].paginator.count == total


class PlannedCase(Scenario):
    """A case in plan, worked by its owner; `grow` adds items, updates and kept promises."""

    def __init__(self, world):
        super().__init__(world)
        rep = world["rep"]
        self.case = advance_to(open_case(rep, world["client"]), Step.PLAN, rep)

    def grow(self, n):
        rep = self.world["rep"]
        items(self.case, n, assignee=rep)
        updates(self.case, n, by=rep)
        promises([self.case] * n, status=PromiseStatus.KEPT, due=-HOUR)

    def url(self):
        return page_of(self.case)

    def check(self, response, total):
        return len(response.context["item_rows"]) == total


class LongHistory(PlannedCase):
    def grow(self, n):
        events(self.case, n, actor=self.world["rep"])

    def check(self, response, total):
        return response.context["records"]["timeline_more"]


class OlderUpdates(PlannedCase):
    htmx = True

    def url(self):
        return reverse("cases:case_part", args=[self.case.reference, "older_updates"])

    def check(self, response, total):
        return len(response.context["updates"]["older"]) + len(response.context["updates"]["latest"]) == total


class PromiseHistory(PlannedCase):
    htmx = True

    def url(self):
        return reverse("cases:case_part", args=[self.case.reference, "promise_history"])

    def check(self, response, total):
        return len(response.context["promise_groups"]["kept"]) >= total


class WholeTimeline(LongHistory):
    htmx = True

    def url(self):
        return reverse("cases:case_part", args=[self.case.reference, "timeline"])

    def check(self, response, total):
        return len(response.context["records"]["events"]) > total


class EarlierBlock(PlannedCase):
    """The concerns block, drawn with its forms when opened in plan."""
    htmx = True

    def grow(self, n):
        Concern.objects.bulk_create([
            Concern(case=self.case, description=f"Mailbox {i} bounces", impact="No orders", feeling="Worried",
                    created_by=self.world["rep"]) for i in range(n)])

    def url(self):
        return reverse("cases:case_part", args=[self.case.reference, "concerns"])

    def check(self, response, total):
        return len(response.context["concern_rows"]) == total + 1


class RenegotiateForm(PlannedCase):
    """The form to move one pending promise, among many."""
    htmx = True

    def grow(self, n):
        items(self.case, n, assignee=self.world["rep"], promised=True)

    def url(self):
        promise = self.case.promises.filter(status=PromiseStatus.PENDING).order_by("id").first()
        return reverse("cases:case_part", args=[self.case.reference, f"renegotiate:{promise.pk}"])

    def check(self, response, total):
        return len(response.context["pending_rows"]) >= total


class Search(Scenario):
    def __init__(self, world):
        super().__init__(world)
        self.client = ClientFactory(name="Wendy Tanaka", organisation="Tanaka Tea")

    def grow(self, n):
        made = cases(n, owner=self.world["other_rep"], client=self.client)
        search_refresh(Case.objects.filter(pk__in=[c.pk for c in made]))

    def url(self):
        return reverse("cases:search") + "?q=tanaka"

    def check(self, response, total):
        return response.context["page"].paginator.count == total


class ClientPage(Scenario):
    def grow(self, n):
        client, owner = self.world["client"], self.world["other_rep"]
        open_ones = cases(n // 2, owner=owner, client=client)
        past = cases(n - n // 2, owner=owner, client=client, step=Step.RESOLVED, resolved_at=NOW - HOUR)
        promises(open_ones + past, status=PromiseStatus.BROKEN, due=-HOUR)
        for case in open_ones[:1]:
            updates(case, n, by=owner)

    def url(self):
        return reverse("cases:client_detail", args=[self.world["client"].pk])

    def check(self, response, total):
        return response.context["case_count"] == total and response.context["promises"].broken == total


class AllCases(Scenario):
    who = "supervisor"

    def grow(self, n):
        escalations(cases(n, owner=RepFactory(), client=self.world["client"], next_promise_due_at=NOW + HOUR),
                    by=self.world["rep"])

    def url(self):
        return reverse("supervisor:all_cases")

    def check(self, response, total):
        return response.context["page"].paginator.count == total


class AllCasesCsv(AllCases):
    def url(self):
        return reverse("supervisor:all_cases") + "?format=csv"

    def check(self, response, total):
        return response.rows == total + 1  # the header


class Queue(AllCases):
    def url(self):
        return reverse("supervisor:queue")

    def check(self, response, total):
        return response.context["page"].paginator.count == total


class TeamPage(Scenario):
    who = "supervisor"
    days = 30

    def grow(self, n):
        owner = self.world["rep"]
        done = cases(n, owner=owner, client=self.world["client"], step=Step.RESOLVED, opened_at=NOW - 3 * HOUR,
                     delivered_at=NOW - 2 * HOUR, resolved_at=NOW - HOUR, intake_temperature=Mood.UPSET,
                     temperature=Mood.DELIGHTED)
        promises(done, status=PromiseStatus.KEPT, due=-HOUR)
        promises(done, status=PromiseStatus.BROKEN, kind=PromiseKind.ETA, due=-2 * HOUR)
        escalations(done, by=owner)
        CaseEvent.objects.bulk_create([
            CaseEvent(case=c, actor=owner, verb=Transition.COMPLETE_DELIVER.label, from_step=Step.DELIVER,
                      to_step=Step.RESOLVED,
                      created_at=NOW - HOUR, step_seconds=3600.0) for c in done])

    def url(self):
        return reverse("supervisor:dashboard") + f"?days={self.days}"

    def check(self, response, total):
        return response.context["board"].team.resolved == total


class TeamPage7(TeamPage):
    days = 7


class TeamPage90(TeamPage):
    days = 90


class StatusPage(PlannedCase):
    who = None

    def url(self):
        return reverse("client_status", kwargs={"token": make_token(self.case)})

    def check(self, response, total):
        return True  # the client's page shows a summary, not the rows: the count is what is checked


SCENARIOS = {
    "my cases": MyCases, "case page": PlannedCase, "case page, long history": LongHistory,
    "case part: whole timeline": WholeTimeline, "case part: earlier block": EarlierBlock,
    "case part: renegotiate form": RenegotiateForm, "case part: older updates": OlderUpdates,
    "case part: promise history": PromiseHistory, "search": Search, "client page": ClientPage,
    "all cases": AllCases, "all cases CSV": AllCasesCsv, "escalation queue": Queue,
    "team page, 7 days": TeamPage7, "team page, 30 days": TeamPage, "team page, 90 days": TeamPage90,
    "client status page": StatusPage,
}


def _get(client, scenario):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(scenario.url(), headers=HTMX if scenario.htmx else {})
        if isinstance(response, StreamingHttpResponse):
            response.rows = b"".join(response.streaming_content).decode().count("\n")
    assert response.status_code == 200, scenario.url()
    return len(captured), response


@pytest.fixture
def world(rep, other_rep, supervisor):
    return {"rep": rep, "other_rep": other_rep, "supervisor": supervisor,
            "client": ClientFactory(name="Dennis Hale", time_zone="Europe/London")}


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_page_costs_the_same_queries_at_10_rows_as_at_200(client, world, name):
    scenario = SCENARIOS[name](world)
    if scenario.who:
        client.force_login(world[scenario.who])
    scenario.grow(10)
    _get(client, scenario)  # sessions, content types and the like warmed up
    few, small = _get(client, scenario)
    scenario.grow(190)

    many, large = _get(client, scenario)

    assert scenario.check(small, 10) and scenario.check(large, 200)
    assert few == many
