"""The promise ledger's rules posted through the case page's real forms, each checked in the database
afterwards: closed means closed. A resolved or force-closed case refuses every forged post and nothing
about it changes; a resolved case still takes the follow-up call, the client's contact details and
reopen."""
import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from cases import services
from cases.models import (
    ActionItem, Case, CaseEvent, Client, Concern, Delivery, Escalation, Fact, Handoff, Promise, PromiseKind,
    PromiseStatus, StatusUpdate, Step,
)
from cases.services.client_details import details_digest
from cases.views.actions import ACTIONS
from notifications.models import OutboxMessage
from tests.cases.helpers import advance_to
from tests.cases.ledger_web_support import case_page_posts, signed_in_as
from tests.cases.views_support import in_step, url


# --- Closed means closed -----------------------------------------------------------------------------
def _snapshot(case):
    """Everything a post could change about the case."""
    rows = lambda model, **f: list(model.objects.filter(**f).order_by("pk").values())  # noqa: E731
    return {
        "case": rows(Case, pk=case.pk), "client": rows(Client, pk=case.client_id),
        "watchers": sorted(case.watchers.values_list("pk", flat=True)),
        "promises": rows(Promise, case=case), "items": rows(ActionItem, case=case),
        "concerns": rows(Concern, case=case), "facts": rows(Fact, case=case),
        "acks": list(case.acknowledgements.values()), "recommits": list(case.recommitments.values()),
        "updates": rows(StatusUpdate, case=case), "deliveries": rows(Delivery, case=case),
        "escalations": rows(Escalation, case=case), "handoffs": rows(Handoff, case=case),
        "events": rows(CaseEvent, case=case), "outbox": rows(OutboxMessage, case=case),
    }


ALLOWED_ON_A_CLOSED_CASE = {"followup", "move:reopen", "transition:reopen"}
# A resolved case's follow-up call still to make goes with the case to another owner (one who is leaving
# hands it on: cases.services.staff); nothing else about the case changes with it.
ALLOWED_ON_A_RESOLVED_CASE = ALLOWED_ON_A_CLOSED_CASE | {"reassign"}


def _closed_case(rep, other_rep, supervisor, dennis, *, how):
    case = in_step(rep, dennis, Step.PLAN)
    services.action_item_create(user=rep, case=case, description="Check the DNS records", assignee=other_rep,
                                due_at=timezone.now() + dt.timedelta(hours=2))
    services.handoff_request(user=rep, case=case, to_user=other_rep, reason="I am on leave next week")
    if how == "resolved":
        return advance_to(case, Step.RESOLVED, rep)
    case = advance_to(case, Step.MANAGE_ANXIETY, rep)
    return services.case_force_close(user=supervisor, case=case, reason="The client withdrew the complaint")


@pytest.mark.parametrize("how", ["resolved", "force_closed"])
def test_every_forged_post_on_a_closed_case_is_refused_and_changes_nothing(rep, other_rep, supervisor, dennis, how):
    case = _closed_case(rep, other_rep, supervisor, dennis, how=how)
    posts = case_page_posts(case, rep, other_rep, supervisor)
    assert {action for _, (action, *_rest) in posts} == set(ACTIONS)
    clients = {u.pk: signed_in_as(u) for u in (rep, other_rep, supervisor)}
    problems = []

    allowed = ALLOWED_ON_A_RESOLVED_CASE if how == "resolved" else ALLOWED_ON_A_CLOSED_CASE
    for label, (action, pk, user, data) in posts:
        if label in allowed:
            continue
        before = _snapshot(case)
        response = clients[user.pk].post(url(action, case, pk), data)
        after = _snapshot(case)
        changed = sorted(k for k in before if before[k] != after[k])
        if response.status_code not in (403, 404, 422) or changed:
            problems.append((label, response.status_code, changed))

    assert Case.objects.get(pk=case.pk).step == Step.RESOLVED
    assert problems == []


def test_a_resolved_case_still_takes_the_follow_up_the_contact_details_and_reopen(rep_client, rep, other_rep,
                                                                                 supervisor, dennis):
    case = _closed_case(rep, other_rep, supervisor, dennis, how="resolved")
    follow_up_day = dt.datetime.combine(case.deliveries.get().follow_up_on, dt.time(10), tzinfo=dennis.tz)
    contact = {"name": dennis.name, "organisation": dennis.organisation, "email": dennis.email,
               "phone": "+44 20 7946 0999", "time_zone": dennis.time_zone, "quiet_hours_start": "",
               "quiet_hours_end": "", "details_shown": details_digest(dennis)}  # as the page draws it

    with time_machine.travel(follow_up_day, tick=False):
        followup = rep_client.post(url("followup", case), {"note": "Called, all is working fine now"})
        details = rep_client.post(url("client_details", case), contact)
        reopen = rep_client.post(url("move", case), {"name": "reopen", "reason": "The problem came back today"})

    dennis.refresh_from_db()
    assert (followup.status_code, details.status_code, reopen.status_code) == (302, 302, 302)
    assert case.promises.get(kind=PromiseKind.FOLLOW_UP).status == PromiseStatus.KEPT
    assert dennis.phone == "+44 20 7946 0999"
    assert Case.objects.get(pk=case.pk).step == Step.PLAN
