"""Two people on one case at the same moment, each on a real PostgreSQL connection of its own
(threads released together by a barrier), each holding the case as they loaded it before the other
wrote: nothing either of them wrote is lost, the ledger stays consistent, and a handoff accepted
twice changes the owner once. tests/cases/test_concurrency.py covers two completions of one step."""
from functools import partial

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from cases import services
from cases.errors import CaseRuleError
from cases.services.common import display_name
from cases.models import Case, CaseEvent, Channel, Handoff, HandoffStatus, Mood, PromiseKind, PromiseStatus, Step
from tests.cases.helpers import advance_to, open_case, plan_ready, race
from tests.factories import ClientFactory, StaffProfileFactory, SupervisorFactory

pytestmark = pytest.mark.django_db(transaction=True)
OWNER_CHANGES = ["handoff accepted", "reassigned"]


def _race(*calls):
    """Run each callable in its own thread (its own connection), released together; [(kind, value)]."""
    return race(calls, timeout=60)


@pytest.fixture
def people(db):
    supervisor = SupervisorFactory()
    owner = StaffProfileFactory(supervisor=supervisor).user
    teammate = StaffProfileFactory(supervisor=supervisor).user
    return owner, supervisor, teammate


def _stale(case):
    return Case.objects.get(pk=case.pk)


def test_two_people_changing_different_things_at_once_keep_both(people):
    owner, supervisor, _ = people
    case = advance_to(open_case(owner, ClientFactory()), Step.GATHER, owner)
    mine, theirs = _stale(case), _stale(case)

    results = _race(
        lambda: services.case_set_root_problem(user=owner, case=mine, root_problem="The upgrade broke the mail server"),
        lambda: services.case_set_temperature(user=supervisor, case=theirs, temperature=Mood.UPSET),
    )

    assert [kind for kind, _ in results] == ["ok", "ok"]
    fresh = _stale(case)
    assert fresh.root_problem == "The upgrade broke the mail server" and fresh.temperature == Mood.UPSET


def test_two_updates_logged_at_once_are_both_kept_and_one_next_promise_opens(people):
    owner, supervisor, _ = people
    case = advance_to(open_case(owner, ClientFactory()), Step.MANAGE_ANXIETY, owner)
    texts = ["Mail is back for the office, the shop follows within two hours",
             "The host restored the backup, orders flow again within the hour"]

    def log(user, text):
        return services.status_update_log(user=user, case=_stale(case), summary=text, channel=Channel.PHONE,
                                          client_mood=Mood.CALM)

    results = _race(partial(log, owner, texts[0]), partial(log, supervisor, texts[1]))

    assert [kind for kind, _ in results] == ["ok", "ok"]
    assert sorted(case.status_updates.values_list("summary", flat=True)) == sorted(texts)
    pending = case.promises.filter(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING)
    assert pending.count() == 1


def test_an_advance_and_an_update_at_the_same_moment_both_land(people):
    owner, supervisor, _ = people
    case = plan_ready(advance_to(open_case(owner, ClientFactory()), Step.PLAN, owner), owner)

    results = _race(
        lambda: services.case_transition(user=owner, case=_stale(case), name="complete_plan"),
        lambda: services.status_update_log(user=supervisor, case=_stale(case), channel=Channel.EMAIL,
                                           summary="We expect the fix between one and five hours from now",
                                           client_mood=Mood.ANXIOUS),
    )

    assert [kind for kind, _ in results] == ["ok", "ok"]
    fresh = _stale(case)
    assert fresh.step == Step.MANAGE_ANXIETY and fresh.status_updates.count() == 1
    assert fresh.promises.filter(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING).count() == 1


def test_two_different_step_changes_at_once_leave_a_timeline_that_matches_the_case(people):
    owner, supervisor, _ = people
    case = open_case(owner, ClientFactory())

    results = _race(
        lambda: services.case_transition(user=owner, case=_stale(case), name="complete_identify"),
        lambda: services.case_transition(user=supervisor, case=_stale(case), name="force_close",
                                         reason="The client closed their business today"),
    )

    applied = [value for kind, value in results if kind == "ok"]
    refused = [value for kind, value in results if kind == "error"]
    assert all(isinstance(exc, CaseRuleError) for exc in refused)
    moves = list(CaseEvent.objects.filter(case=case, data__has_key="transition").order_by("created_at", "pk"))
    assert len(moves) == len(applied) >= 1
    assert moves[-1].to_step == _stale(case).step == Step.RESOLVED
    assert all(a.to_step == b.from_step for a, b in zip(moves, moves[1:]))


def test_two_edits_of_one_concern_at_once_leave_one_whole_version(people):
    owner, supervisor, _ = people
    case = open_case(owner, ClientFactory())
    concern = case.concerns.get()
    versions = [
        {"description": "The shop's checkout fails for every card", "impact": "No sales since Monday morning",
         "feeling": "Angry"},
        {"description": "Email bounces for the whole office", "impact": "Suppliers cannot reach them at all",
         "feeling": "Worried"},
    ]

    def edit(user, version):
        return services.concern_update(user=user, concern=type(concern).objects.get(pk=concern.pk), **version)

    _race(partial(edit, owner, versions[0]), partial(edit, supervisor, versions[1]))

    concern.refresh_from_db()
    assert {"description": concern.description, "impact": concern.impact, "feeling": concern.feeling} in versions


def test_a_handoff_accepted_twice_at_once_changes_the_owner_once(people):
    owner, _, teammate = people
    case = open_case(owner, ClientFactory())
    handoff = services.handoff_request(user=owner, case=case, to_user=teammate, reason="Tam knows this host well")
    url = reverse("cases:handoff_accept", args=[case.reference, handoff.pk])

    def accept():
        http = HttpClient()
        http.force_login(teammate)
        return http.post(url, {"client_informed": "on"}).status_code

    results = _race(accept, accept)

    assert sorted(value for _, value in results) == [302, 422]
    fresh = _stale(case)
    assert fresh.owner == teammate and list(fresh.watchers.all()) == [owner]
    assert CaseEvent.objects.filter(case=case, verb="handoff accepted").count() == 1
    assert Handoff.objects.get(pk=handoff.pk).status == HandoffStatus.ACCEPTED


def test_a_handoff_accepted_while_a_supervisor_reassigns_ends_with_one_owner_and_a_true_timeline(people):
    owner, supervisor, teammate = people
    other = StaffProfileFactory(supervisor=supervisor).user
    case = open_case(owner, ClientFactory())
    handoff = services.handoff_request(user=owner, case=case, to_user=teammate, reason="Tam knows this host well")

    results = _race(
        lambda: services.handoff_accept(user=teammate, handoff=Handoff.objects.get(pk=handoff.pk),
                                        client_informed=True),
        lambda: services.case_reassign(user=supervisor, case=_stale(case), to_user=other,
                                       reason="Olu is on call tonight", client_informed=True),
    )

    assert "ok" in [kind for kind, _ in results]
    fresh = _stale(case)
    last_owner_change = CaseEvent.objects.filter(case=case, verb__in=OWNER_CHANGES).order_by("created_at", "pk").last()
    assert fresh.owner in (teammate, other) and last_owner_change is not None
    assert display_name(fresh.owner) in last_owner_change.note
