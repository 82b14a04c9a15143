"""A case written by an attacker: the same script payload in every free-text field a person can fill
(client, case, each step's records, updates and the client-facing line, escalation notes, handoffs,
contacts, hand-backs, renegotiations, delivery and follow-up, and the staff's own names), built
through the services; then the sweeps run a day later so the reminder and broken-promise emails
are written about it too."""
import datetime as dt
import re

import time_machine
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Channel, EscalationReason, ItemKind, Mood, Step
from cases.workflow import Transition
from notifications.sweeps import SWEEPS
from tests.cases.helpers import advance_to
from tests.factories import StaffProfileFactory, SupervisorFactory

PAYLOAD = ('Three plain words <script>alert(1)</script> "><img src=x onerror=alert(1)> '
           '<a href="javascript:alert(1)">link</a>')
# What must never reach a page or an HTML email as markup.
LIVE_MARKUP = ("<script>alert(1)", "<img src=x onerror", 'href="javascript:', "<a href=\"javascript")
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def _go(case, user, name):
    return services.case_transition(user=user, case=case, name=name)


def build_hostile():
    supervisor = SupervisorFactory(first_name=PAYLOAD[:150])
    staff = lambda: StaffProfileFactory(supervisor=supervisor, user__first_name=PAYLOAD[:150],  # noqa: E731
                                        user__last_name=PAYLOAD[:150]).user
    owner, teammate, other = staff(), staff(), staff()
    client = services.client_create(user=owner, name=PAYLOAD, organisation=PAYLOAD, phone="+44 20 7946 0001",
                                    email="dennis@example.com", time_zone="Europe/London")
    concern = {"description": PAYLOAD, "impact": PAYLOAD + " (impact: orders lost daily)", "feeling": PAYLOAD}
    case = services.case_open(user=owner, client=client, summary=PAYLOAD, temperature=Mood.ANXIOUS, concern=concern)
    case = _go(case, owner, "complete_identify")
    services.acknowledgement_record(user=owner, case=case, text=PAYLOAD + " (acknowledged to the client today)")
    case = _go(case, owner, "complete_acknowledge")
    services.recommitment_record(user=owner, case=case, text=PAYLOAD + " (recommitted by the whole team)")
    case = _go(case, owner, "complete_recommit")
    services.fact_add(user=owner, case=case, question=PAYLOAD, answer=PAYLOAD + " (answered by the client today)")
    services.case_set_root_problem(user=owner, case=case, root_problem=PAYLOAD, expected_resolution=PAYLOAD)
    case = _go(case, owner, "complete_gather")
    now = timezone.now()
    item = services.action_item_create(user=owner, case=case, description=PAYLOAD, kind=ItemKind.FIX,
                                       assignee=teammate, due_at=now + dt.timedelta(hours=2))
    services.cadence_set(user=owner, case=case, minutes=60, channel=Channel.PHONE, note=PAYLOAD)
    services.eta_set(user=owner, case=case, earliest=now + dt.timedelta(hours=1),
                     latest=now + dt.timedelta(hours=6), note=PAYLOAD)
    case = _go(case, owner, "complete_plan")
    update = {"user": owner, "case": case, "summary": PAYLOAD, "channel": Channel.PHONE, "client_mood": Mood.CALM}
    try:
        services.status_update_log(**update, client_line=PAYLOAD)
    except TypeError:  # before the client-facing line exists
        services.status_update_log(**update)
    services.escalation_raise(user=owner, case=case, reason=EscalationReason.OTHER, note=PAYLOAD)
    services.case_escalations_note(user=supervisor, case=case, text=PAYLOAD)
    services.client_contact_log(user=other, case=case, said=PAYLOAD, client_mood=Mood.UPSET, channel=Channel.PHONE)
    services.case_ask_for(user=other, case=case, reason=PAYLOAD)
    services.action_item_hand_back(user=teammate, item=item, note=PAYLOAD)
    promise = case.promises.filter(status="pending", kind="status_update").first()
    services.promise_renegotiate(user=owner, promise=promise, new_due_at=now + dt.timedelta(hours=3),
                                 agreed_channel=Channel.PHONE, agreed_text=PAYLOAD)
    closed = _closed_case(owner, client)
    with time_machine.travel(now + dt.timedelta(days=3), tick=False):
        for sweep in SWEEPS.values():
            sweep()
    case.refresh_from_db()
    return {"owner": owner, "supervisor": supervisor, "teammate": teammate, "case": case, "closed": closed,
            "client": client}


def _closed_case(owner, client):
    case = advance_to(services.case_open(user=owner, client=client, summary=PAYLOAD, temperature=Mood.IRATE,
                                         concern={"description": PAYLOAD, "feeling": PAYLOAD,
                                                  "impact": PAYLOAD + " (impact: orders lost daily)"}),
                      Step.DELIVER, owner)
    services.delivery_record(user=owner, case=case, verified_with_client=True, client_satisfied=True,
                             prevention_note=PAYLOAD, extra_mile=PAYLOAD,
                             follow_up_on=timezone.localdate() + dt.timedelta(days=1))
    case = _go(case, owner, Transition.COMPLETE_DELIVER.method)
    with time_machine.travel(timezone.now() + dt.timedelta(days=2), tick=False):
        services.follow_up_log(user=owner, case=case, note=PAYLOAD)
        return services.case_reopen(user=owner, case=case, reason=PAYLOAD)


def status_page_url(owner, case):
    """Issue the client's link the way the owner does (the button on the status-link page)."""
    http = HttpClient()
    http.force_login(owner)
    page = http.post(reverse("supervisor:status_link", args=[case.reference])).content.decode()
    match = re.search(r"/status/[^/\"'<\s]+/", page)
    assert match, "no status link on the page"
    return match.group(0)


def live_markup(text):
    return [marker for marker in LIVE_MARKUP if marker in text]
