"""A promise already due when a supervisor closes the case is recorded broken by the close, with its
notices (RECIPE "Promises": the same as the sweep's), but worded for a case the close has just settled:
no "contact the client now", no "open in your queue", no "your item is overdue" for an item the close
cancelled. A missed follow-up on a resolved case (broken by the sweep, not by a close) keeps the usual
wording."""
import datetime as dt

import pytest

from cases import services
from cases.models import Escalation, EscalationStatus, PromiseKind, PromiseStatus, Step
from notifications.models import OutboxMessage
from notifications.sweeps import sweep_broken_promises
from tests.cases.helpers import advance_to, open_case
from tests.notifications.conftest import HOUR, MIN, T0, at, planned_case


@pytest.mark.django_db
def test_promises_broken_by_a_force_close_are_told_as_settled_by_the_close(rep, teammate, supervisor, dennis):
    case = planned_case(rep, dennis, assignee=teammate, item_due=3 * HOUR)

    with at(T0 + 3 * HOUR + 5 * MIN):
        services.case_force_close(user=supervisor, case=case, reason="Client went away and we close it")

    broken = case.promises.filter(status=PromiseStatus.BROKEN)
    assert set(broken.values_list("kind", flat=True)) == {PromiseKind.STATUS_UPDATE, PromiseKind.ACTION_ITEM}
    assert not Escalation.objects.exclude(status=EscalationStatus.RESOLVED).exists()
    assert not OutboxMessage.objects.filter(key__startswith="item-overdue").exists()
    owners = OutboxMessage.objects.filter(kind="promise_broken")
    bosses = OutboxMessage.objects.filter(kind="promise_broken_supervisor")
    assert sorted(m.to[0] for m in owners) == sorted([rep.email, teammate.email])  # each promise's holder
    assert bosses.count() == 2
    for mail in [*owners, *bosses]:
        for body in (mail.body_text, mail.body_html):
            assert f"Contact {dennis.name} now" not in body and "contact the client now" not in body
            assert "open in your queue" not in body
    assert all("nothing left to chase" in m.body_text for m in owners)
    assert all("broke as the case was closed" in m.body_text for m in bosses)


@pytest.mark.django_db
def test_a_follow_up_missed_after_resolving_keeps_the_sweeps_usual_wording(rep, supervisor, dennis):
    with at(T0):
        case = advance_to(open_case(rep, dennis), Step.RESOLVED, rep)
    follow_up = case.promises.get(kind=PromiseKind.FOLLOW_UP)

    with at(follow_up.due_at + dt.timedelta(minutes=1)):
        sweep_broken_promises()

    boss = OutboxMessage.objects.get(kind="promise_broken_supervisor")
    assert "The owner has been told to contact the client now." in boss.body_text
    assert "broke as the case was closed" not in boss.body_text
