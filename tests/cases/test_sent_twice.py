"""A form sent twice is saved once (cases/once.py): a double click without JavaScript, the browser's resend
or a network retry carries the same one-time token the page drew, and the second copy saves nothing
(the page says it was saved already); a refused form keeps its token free, so the corrected one goes
through. For the case page's forms (one POST view behind them all), an email to the client, a new case
and the supervisor's escalation note."""
import re

import pytest
from django.urls import reverse

from cases.models import ActionItem, Case, ClientMessage, Concern, Escalation, EscalationNote, Step
from notifications.models import OutboxMessage
from tests.cases.helpers import advance_to, open_case
from tests.cases.ledger_web_support import signed_in_as
from tests.cases.views_support import local, url

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r'name="once" value="([0-9a-f]{32})"')


def _token(http, path):
    """A one-time token of a form on the page at `path`, as the browser would send it."""
    return TOKEN.search(http.get(path).content.decode()).group(1)


def _twice(http, path, data):
    return [http.post(path, data), http.post(path, data)]


@pytest.mark.parametrize("action, data, count", [
    ("concern_add", {"description": "The shop is down again this morning", "impact": "No orders since six",
                     "feeling": "Furious"}, lambda c: Concern.objects.filter(case=c).count()),
    ("escalate", {"reason": "other", "note": "I need a second opinion on this refund"},
     lambda c: Escalation.objects.filter(case=c).count()),
    ("item_add", {"description": "Renew the certificate on the mail host", "kind": "fix"},
     lambda c: ActionItem.objects.filter(case=c).count()),
])
def test_a_case_page_form_sent_twice_saves_once(action, data, count, rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.PLAN, rep)
    http = signed_in_as(rep)
    before = count(case)
    posted = {**data, "once": _token(http, url("case_detail", case))}
    if action == "item_add":
        posted.update(assignee=rep.pk, due_at=local(__import__("datetime").timedelta(hours=5)))

    first, second = _twice(http, url(action, case), posted)

    assert first.status_code == 302 and second.status_code == 302
    assert count(case) == before + 1
    assert "saved already" in http.get(url("case_detail", case)).content.decode()


def test_a_refused_form_keeps_its_token_free_for_the_corrected_one(rep, dennis):
    case = open_case(rep, dennis)
    http = signed_in_as(rep)
    token = _token(http, url("case_detail", case))

    refused = http.post(url("concern_add", case), {"description": "ok", "impact": "", "once": token})
    corrected = http.post(url("concern_add", case), {"description": "The shop is down again this morning",
                                                     "impact": "No orders since six", "once": token})

    assert refused.status_code == 422 and corrected.status_code == 302
    assert Concern.objects.filter(case=case).count() == 2


def test_an_email_to_the_client_sent_twice_is_queued_once(rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.PLAN, rep)
    http = signed_in_as(rep)
    path = reverse("cases:client_message_send", args=[case.reference])
    data = {"kind": "update", "text": "We have reissued the invoice; you will have it by 5pm on Friday.",
            "client_mood": "calm", "send_anyway": "on", "once": _token(http, url("case_detail", case))}

    _twice(http, path, data)

    assert ClientMessage.objects.filter(case=case).count() == 1
    assert OutboxMessage.objects.filter(case=case, from_email__gt="").count() == 1


def test_a_new_case_sent_twice_is_logged_once(rep, dennis):
    http = signed_in_as(rep)
    data = {"client": dennis.pk, "summary": "Client billed twice for the March order", "temperature": "upset",
            "description": "Billed twice for one order", "impact": "Cash flow this month",
            "once": _token(http, reverse("cases:case_new"))}

    first, second = _twice(http, reverse("cases:case_new"), data)

    assert first.status_code == 302 and second.status_code == 302
    assert Case.objects.filter(client=dennis).count() == 1


def test_a_supervisors_escalation_note_sent_twice_is_added_once(rep, supervisor, dennis):
    from cases import services

    case = open_case(rep, dennis)
    services.escalation_raise(user=rep, case=case, reason="other", note="Need a hand with this client")
    http = signed_in_as(supervisor)
    page = reverse("supervisor:case_escalations", args=[case.reference])
    shown = [e.pk for e in case.escalations.all()]
    data = {"text": "Called the client back, refund approved", "shown": shown, "once": _token(http, page)}

    _twice(http, reverse("supervisor:case_note", args=[case.reference]), data)

    assert EscalationNote.objects.filter(escalation__case=case).count() == 1


def test_a_mood_reading_sent_twice_is_recorded_once(rep, dennis):
    from cases.models import CaseEvent

    case = open_case(rep, dennis)
    http = signed_in_as(rep)
    readings = CaseEvent.objects.filter(case=case, verb="temperature recorded")
    before = readings.count()

    _twice(http, url("temperature", case), {"temperature": "calm", "note": "",
                                            "once": _token(http, url("case_detail", case))})

    assert readings.count() == before + 1


def test_the_pages_holding_these_forms_are_not_kept_by_the_browser(rep, supervisor, dennis):
    """Back, or a restored tab, fetches the page again with fresh tokens instead of re-showing a form
    already sent (whose second sending would then be dropped as a copy)."""
    from cases import services

    case = open_case(rep, dennis)
    services.escalation_raise(user=rep, case=case, reason="other", note="Need a hand with this client")
    pages = [(rep, url("case_detail", case)), (rep, reverse("cases:case_new")),
             (supervisor, reverse("supervisor:case_escalations", args=[case.reference]))]

    for user, path in pages:
        assert "no-store" in signed_in_as(user).get(path)["Cache-Control"], path
