"""What the ledger state machine (test_ledger_properties.py) found, pinned as plain examples: quiet hours
that move the next update need the client's agreement and count as a move, and a case force-closed, reopened and then
delivered is not shown as closed by override."""
import datetime as dt

import pytest

from django.urls import reverse

from cases import services
from cases.errors import CaseRuleError
from cases.models import Case, Promise, PromiseKind, PromiseStatus, Step
from cases.text import word_count
from tests.cases.helpers import advance_to, open_case


def test_quiet_hours_that_move_the_next_update_need_the_clients_agreement_and_count_as_a_move(rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    promise = case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING)
    due_there = promise.due_at.astimezone(dennis.tz).replace(second=0, microsecond=0)
    details = dict(user=rep, client=dennis, case=case, name=dennis.name, organisation=dennis.organisation,
                   email=dennis.email, phone=dennis.phone, time_zone=dennis.time_zone,
                   quiet_hours_start=(due_there - dt.timedelta(hours=1)).time(),
                   quiet_hours_end=(due_there + dt.timedelta(hours=1)).time())

    with pytest.raises(CaseRuleError):
        services.client_update(**details)
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.PENDING
    services.client_update(**details, agreed_channel="phone", agreed_text="Dennis asked us not to call at lunch")

    promise.refresh_from_db()
    successor = Promise.objects.get(replaces=promise)
    assert successor.due_at > promise.due_at  # moved out of the new quiet hours
    assert promise.status == PromiseStatus.RENEGOTIATED and successor.moved_count == promise.moved_count + 1
    assert successor.agreed_channel and word_count(successor.agreed_text) >= 3


def test_a_case_force_closed_reopened_and_then_delivered_is_not_shown_as_an_override(rep_client, rep, supervisor,
                                                                                     dennis):
    case = advance_to(open_case(rep, dennis), Step.GATHER, rep)
    services.case_force_close(user=supervisor, case=case, reason="The client withdrew the complaint")
    services.case_reopen(user=rep, case=case, reason="The client came back with the same problem")

    case = advance_to(Case.objects.get(pk=case.pk), Step.RESOLVED, rep)

    html = rep_client.get(reverse("cases:case_detail", args=[case.reference])).content.decode()
    assert case.closed_by_override is False
    assert "Closed by a supervisor without meeting the gate." not in html
