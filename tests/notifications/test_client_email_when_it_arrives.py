"""A client email says what holds when it reaches them, not when it was queued (found by an audit of the
outbound emails): held for their quiet hours, its status link still works on arrival
(client_messages.LINK_MARGIN) and its "until" names the day; a plan does not offer a range that will have
passed (status_links.estimate_shown); and the follow-up reminder names the day of resolution as the client's."""
import datetime as dt

import pytest
from django.core import mail
from django.test import Client as HttpClient

from cases import services
from cases.errors import CaseRuleError
from cases.models import Step
from cases.services.client_messages import client_message_send
from cases.services.status_links import status_link_issue
from notifications.models import OutboxMessage
from notifications.sweeps import sweep_broken_promises, sweep_follow_ups, sweep_outbox
from tests.cases.helpers import advance_to, open_case
from tests.factories import ClientFactory
from tests.notifications.conftest import HOUR, MIN, T0, at, planned_case

pytestmark = pytest.mark.django_db
ACK = "I hear how much the outage has cost your shop this week, thank you for telling us."


def _lucy():
    return ClientFactory(name="Lucy Grey", time_zone="Europe/London", email="lucy@example.org",
                         quiet_hours_start=dt.time(22), quiet_hours_end=dt.time(7))


def _status_url(body):
    line = next(line for line in body.splitlines() if "/status/" in line).strip()
    return line[line.index("/status/"):]


def test_an_email_held_overnight_carries_a_link_that_still_works_when_it_arrives(rep):
    lucy = _lucy()
    with at(dt.datetime(2026, 3, 2, 23, 0, tzinfo=dt.UTC)):
        case = advance_to(open_case(rep, lucy), Step.GATHER, rep)
        status_link_issue(user=rep, case=case)  # the link runs out at 23:00 two weeks on
    with at(dt.datetime(2026, 3, 16, 22, 30, tzinfo=dt.UTC)):  # 30 minutes of it left, in her quiet hours
        case.refresh_from_db()
        client_message_send(user=rep, case=case, kind="acknowledgement", text=ACK)
    with at(dt.datetime(2026, 3, 17, 7, 1, tzinfo=dt.UTC)):
        sweep_outbox()
    body = next(m for m in mail.outbox if "lucy@example.org" in m.to).body

    with at(dt.datetime(2026, 3, 17, 7, 5, tzinfo=dt.UTC)):
        page = HttpClient().get(_status_url(body))

    assert page.status_code == 200
    assert "the link works until" in body and "Mar" in body.split("the link works until", 1)[1].split(")")[0]


def test_a_plan_whose_estimate_was_missed_is_refused_until_a_new_one_is_agreed(rep, dennis):
    dennis.email = "dennis@hale.example"
    dennis.save()
    case = planned_case(rep, dennis, eta_latest=4 * HOUR, item_due=8 * HOUR)
    with at(T0 + 5 * HOUR):
        sweep_broken_promises()

    with at(T0 + 5 * HOUR + MIN), pytest.raises(CaseRuleError, match="agree a new estimate"):
        client_message_send(user=rep, case=case, kind="plan",
                            text="Here is where we are with the plan for restoring your mail server.")

    assert not OutboxMessage.objects.filter(kind="client_message").exists()


def test_a_plan_that_would_arrive_after_the_estimate_is_refused(rep):
    lucy = _lucy()
    start = dt.datetime(2026, 3, 2, 21, 0, tzinfo=dt.UTC)
    case = planned_case(rep, lucy, at_time=start, eta_latest=3 * HOUR, item_due=2 * HOUR)

    with at(start + 90 * MIN), pytest.raises(CaseRuleError, match="held for their quiet hours until"):
        client_message_send(user=rep, case=case, kind="plan",
                            text="We are restoring your mail server from last night's backup right now.")


def test_the_follow_up_reminder_names_the_day_of_resolution_as_the_clients(rep):
    aiko = ClientFactory(name="Aiko Sato", time_zone="Asia/Tokyo", phone="+81 3 0000 0000")
    with at(dt.datetime(2026, 3, 2, 16, 0, tzinfo=dt.UTC)):  # 01:00 on Tue 3 Mar in Tokyo
        case = advance_to(open_case(rep, aiko), Step.DELIVER, rep)
        services.delivery_record(user=rep, case=case, verified_with_client=True, client_satisfied=True,
                                 prevention_note="Upgrades now run with a tested rollback",
                                 follow_up_on=dt.date(2026, 3, 10), step_shown=case.stay_mark)
        case.refresh_from_db()
        services.case_transition(user=rep, case=case, name="complete_deliver")
    with at(dt.datetime(2026, 3, 10, 0, 30, tzinfo=dt.UTC)):  # 09:30 on the call's day in Tokyo
        sweep_follow_ups()

    body = OutboxMessage.objects.get(kind="follow_up_reminder").body_text
    assert "03 Mar 2026" in body and "02 Mar 2026" not in body


PLAN = "We are restoring your mail server from last night's backup; here is the plan we agreed."


def _plan_held_overnight(rep, eta_hours):
    lucy = _lucy()
    start = dt.datetime(2026, 3, 2, 21, 0, tzinfo=dt.UTC)
    case = planned_case(rep, lucy, at_time=start, eta_latest=eta_hours * HOUR, item_due=20 * HOUR,
                        cadence_minutes=24 * 60)
    with at(start + 2 * HOUR):  # 23:00, her quiet hours: held until 07:00
        client_message_send(user=rep, case=case, kind="plan", text=PLAN)
    return case, start


def test_a_new_link_or_a_revoke_while_a_plan_waits_queues_it_again_with_the_link(rep):
    """Found by a red team: the relink read the plan's range as before, and "Make a status link" or "Revoke"
    answered 500 while a plan waited for the client's quiet hours."""
    from cases.models import ClientMessage
    from cases.services.status_links import status_link_revoke

    case, start = _plan_held_overnight(rep, eta_hours=30)
    with at(start + 2 * HOUR + 5 * MIN):
        case.refresh_from_db()
        status_link_issue(user=rep, case=case)
    with at(start + 2 * HOUR + 6 * MIN):
        case.refresh_from_db()
        status_link_revoke(user=rep, case=case)

    assert ClientMessage.objects.filter(case=case, kind="plan", status="queued").count() == 1


def test_a_plan_whose_estimate_will_have_passed_when_it_leaves_is_withdrawn_by_a_new_link(rep):
    from cases.models import ClientMessage

    case, start = _plan_held_overnight(rep, eta_hours=30)
    # The range brought forward to end at 06:00, before she may be written to (stands in for a renegotiation).
    type(case).objects.filter(pk=case.pk).update(eta_earliest=start + 8 * HOUR, eta_latest=start + 9 * HOUR)
    with at(start + 2 * HOUR + 5 * MIN):
        case.refresh_from_db()
        status_link_issue(user=rep, case=case)

    assert not ClientMessage.objects.filter(case=case, kind="plan", status="queued").exists()
    assert case.events.filter(note__contains="agree a new estimate with the client, then send the plan again").exists()


def test_new_quiet_hours_that_hold_an_email_past_its_links_margin_give_it_a_new_link(rep, supervisor):
    """Found by a red team: the client's new quiet hours moved a waiting email later without checking its link
    again. Held now until 20:00, it would have a link running out at 12:00 the next day: a new one is issued
    and the email queued again with it."""
    from cases.models import ClientMessage

    lucy = _lucy()
    with at(dt.datetime(2026, 3, 4, 12, 0, tzinfo=dt.UTC)):  # the link runs out at 12:00 on Wed 18 Mar
        case = advance_to(open_case(rep, lucy), Step.GATHER, rep)
        status_link_issue(user=rep, case=case)
    with at(dt.datetime(2026, 3, 16, 23, 0, tzinfo=dt.UTC)):  # held until 07:00 Tue: a day and more to run then
        case.refresh_from_db()
        client_message_send(user=rep, case=case, kind="acknowledgement", text=ACK)
        version = type(case).objects.get(pk=case.pk).status_link_version
    with at(dt.datetime(2026, 3, 16, 23, 30, tzinfo=dt.UTC)):
        lucy.refresh_from_db()
        services.client_update(user=supervisor, client=lucy, name=lucy.name, organisation=lucy.organisation,
                               email=lucy.email, phone=lucy.phone, time_zone=lucy.time_zone,
                               quiet_hours_start=dt.time(22), quiet_hours_end=dt.time(20))
    with at(dt.datetime(2026, 3, 17, 20, 1, tzinfo=dt.UTC)):
        sweep_outbox()

    case.refresh_from_db()
    assert case.status_link_version > version
    assert ClientMessage.objects.filter(case=case, status="sent").count() == 1
    body = next(m for m in mail.outbox if "lucy@example.org" in m.to).body
    assert "Mar" in body.split("the link works until", 1)[1].split(")")[0]
    with at(dt.datetime(2026, 3, 18, 13, 0, tzinfo=dt.UTC)):  # after the old link's end
        assert HttpClient().get(_status_url(body)).status_code == 200
