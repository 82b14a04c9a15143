"""What the ledger web tests (test_ledger_web_*.py) share: the client's agreement to a new time, a case's
pending promise of one kind, a test client signed in as someone, the delivery form's data and every post
the case page takes, as a forger would make it."""
import datetime as dt

import time_machine
from django.test import Client as HttpClient
from django.utils import timezone

from cases.models import Channel, PromiseStatus
from cases.services.client_details import details_digest
from cases.workflow import ALL_TRANSITIONS, Transition
from tests.cases.views_support import local, url

AGREED = {"agreed_channel": Channel.PHONE, "agreed_text": "Dennis said that time works for him"}


def pending(case, kind):
    return case.promises.get(kind=kind, status=PromiseStatus.PENDING)


def follow_up_call_on_its_day(http, case, note="Called, all is working fine now"):
    """Post the follow-up call at 10:00 on the follow-up date (the client's day)."""
    morning = dt.datetime.combine(case.deliveries.get().follow_up_on, dt.time(10), tzinfo=case.client.tz)
    with time_machine.travel(morning, tick=False):
        return http.post(url("followup", case), {"note": note})


def signed_in_as(user):
    http = HttpClient()
    http.force_login(user)
    return http


def delivery_data(case, **overrides):
    day = timezone.localdate(timezone=case.client.tz) + dt.timedelta(days=7)
    return {"verified_with_client": "on", "client_satisfied": "on", "expectation_met": "yes",
            "prevention_note": "Upgrades now run with a tested rollback", "client_mood": "delighted",
            "follow_up_on": day.isoformat(), **overrides}


def case_page_posts(case, rep, other_rep, supervisor):
    """(label, (action, pk, user, data)) for every action of the case page, as a forger would post it
    (every transition but reopen for the two step-change actions; the client's time zone for
    client_details, since its contact fields stay editable on a closed case)."""
    concern, fact = case.concerns.first(), case.facts.first()
    item = case.action_items.filter(assignee=other_rep).first() or case.action_items.first()
    promise = case.promises.order_by("-pk").first()
    handoff = case.handoffs.first()
    soon, later = local(dt.timedelta(hours=2)), local(dt.timedelta(hours=5))
    client = case.client
    concern_data = {"description": "The shop is down again this morning", "impact": "No orders since six o'clock",
                    "feeling": "Furious"}
    posts = [
        ("concern_add", None, rep, concern_data),
        ("concern_edit", concern.pk, rep, concern_data),
        ("temperature", None, rep, {"temperature": "calm", "note": ""}),
        ("irate", None, rep, {"flagged": "on", "note": "Shouting on the phone"}),
        ("ack", None, rep, {"text": "I hear how much this outage hurts your business"}),
        ("recommit", None, rep, {"text": "We hold ourselves to keeping your shop online"}),
        ("fact_add", None, rep, {"question": "When did it start again?", "answer": "This morning at nine"}),
        ("fact_answer", fact.pk, rep, {"answer": "It started this morning at nine"}),
        ("root", None, rep, {"root_problem": "The mail server lost its certificate again", "expected_resolution": ""}),
        ("item_add", None, rep, {"description": "Renew the certificate", "kind": "fix", "assignee": rep.pk,
                                 "due_at": soon}),
        ("item_edit", item.pk, rep, {"description": "Renew the certificate", "kind": "fix", "assignee": rep.pk,
                                     "due_at": soon, **AGREED}),
        ("item_hand_back", item.pk, other_rep, {"note": "I have no access to that server"}),
        ("item_hand_back_answer", item.pk, rep, {"accept": "accept"}),
        ("item_done", item.pk, rep, {"note": ""}),
        ("item_cancel", item.pk, rep, {"reason": "The host fixed it themselves"}),
        ("cadence", None, rep, {"every": 2, "unit": "hours", "channel": "phone", **AGREED}),
        ("eta", None, rep, {"eta_earliest": soon, "eta_latest": later, **AGREED}),
        ("update", None, rep, {"text": "The certificate is renewed, all fixed by noon", "channel": "phone",
                               "client_mood": "calm"}),
        ("renegotiate", promise.pk, rep, {"new_due_at": later, **AGREED}),
        ("delivery", None, rep, delivery_data(case)),
        ("followup", None, rep, {"note": "Called, all is working fine now"}),
        ("escalate", None, rep, {"reason": "other", "note": "I need a second opinion on this"}),
        ("handoff_request", None, rep, {"to_user": other_rep.pk, "reason": "I am on leave from tomorrow"}),
        ("handoff_accept", handoff.pk if handoff else 0, other_rep, {"client_informed": "on"}),
        ("handoff_decline", handoff.pk if handoff else 0, rep, {"note": ""}),
        ("client_details", None, rep, {"name": client.name, "organisation": client.organisation,
                                       "email": client.email, "phone": client.phone, "time_zone": "Europe/Paris",
                                       "quiet_hours_start": "", "quiet_hours_end": "",
                                       "details_shown": details_digest(client)}),
        ("reassign", None, supervisor, {"to_user": other_rep.pk, "reason": "Rebalancing the team's cases",
                                        "client_informed": "on"}),
        ("contact_log", None, other_rep, {"said": "He called to say it works again", "client_mood": "calm",
                                          "channel": "phone"}),
        ("ask_for_case", None, other_rep, {"reason": "I know this client and can take it"}),
    ]
    labelled = [(name, (name, pk, user, data)) for name, pk, user, data in posts]
    for action in ("transition", "move"):
        for name in ALL_TRANSITIONS:
            user = supervisor if name == Transition.FORCE_CLOSE.method else rep
            labelled.append((f"{action}:{name}", (action, None, user, {"name": name, "reason": "Client called back"})))
    return labelled
