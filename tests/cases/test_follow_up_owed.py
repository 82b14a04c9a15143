"""The follow-up call owed on a resolution is one rule (services.delivery.follow_up_waiting), read when the
call is logged and when a follow-up message is written to the client: none on a case closed by override,
none once the call is logged, and a call broken in an earlier cycle of a reopened case is not this one's."""
import datetime as dt

import pytest
import time_machine

from cases import services
from cases.errors import CaseRuleError
from cases.models import ClientMessage, ClientMessageKind, PromiseKind, PromiseStatus, Step
from cases.services.client_messages import client_message_send
from notifications.sweeps import sweep_broken_promises
from tests.cases.helpers import advance_to, open_case
from tests.notifications.conftest import T0

pytestmark = pytest.mark.django_db
NOTE = "Client says the mail has worked all week"
TEXT = "Checking in as promised: is the mail still working well for your team this week?"


def at(moment):
    return time_machine.travel(moment, tick=False)


def _resolved(rep, dennis):
    with at(T0):
        case = advance_to(open_case(rep, dennis), Step.RESOLVED, rep)
    return case, case.promises.get(kind=PromiseKind.FOLLOW_UP, status=PromiseStatus.PENDING)


def _send_follow_up(rep, case):
    return client_message_send(user=rep, case=case, kind=ClientMessageKind.FOLLOW_UP, text=TEXT)


def test_a_follow_up_message_goes_while_the_call_is_owed_and_not_once_it_is_logged(rep, dennis):
    case, follow_up = _resolved(rep, dennis)

    with at(follow_up.due_at - dt.timedelta(hours=2)):
        _send_follow_up(rep, case)
        services.follow_up_log(user=rep, case=case, note=NOTE)
        sent = ClientMessage.objects.filter(case=case, kind=ClientMessageKind.FOLLOW_UP).count()
        with pytest.raises(CaseRuleError, match="no follow-up call waiting"):
            _send_follow_up(rep, case)

    assert ClientMessage.objects.filter(case=case, kind=ClientMessageKind.FOLLOW_UP).count() == sent


def test_no_follow_up_message_and_no_follow_up_call_on_a_case_closed_by_override(rep, supervisor, dennis):
    case, follow_up = _resolved(rep, dennis)
    with at(follow_up.due_at + dt.timedelta(hours=1)):
        sweep_broken_promises()  # the call was missed: broken, not made good
    with at(follow_up.due_at + dt.timedelta(days=1)):
        case = services.case_reopen(user=rep, case=case, reason="The client called back: mail down again")
        case = services.case_force_close(user=supervisor, case=case, reason="The client moved to another provider")

        with pytest.raises(CaseRuleError, match="no follow-up call waiting"):
            _send_follow_up(rep, case)
        with pytest.raises(CaseRuleError, match="no follow-up call waiting"):
            services.follow_up_log(user=rep, case=case, note=NOTE)

    follow_up.refresh_from_db()
    assert follow_up.status == PromiseStatus.BROKEN and follow_up.kept_at is None
    assert not ClientMessage.objects.filter(case=case, kind=ClientMessageKind.FOLLOW_UP).exists()
