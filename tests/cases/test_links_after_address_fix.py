"""Status links and the emails that carry them, found by a review:

- A closed case's resolved page (where the client rates us) that an email took to an address since
  corrected stops opening, as an open case's live link does, and the client gets a fresh one at their
  address when their rating is still owed (cases.services.client_details.mail_to_old_address_taken_back): else a
  stranger at a mistyped address, or a rep who put their own address in for the call, rates the case.
- An email held for the client's quiet hours and then overtaken by a new link leaves with the new link,
  once (cases.services.client_messages.client_messages_relink_held, called by status_link_issue)."""
import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client as Visitor
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import CaseEvent, ClientMessageKind, ClientMessageStatus, ClientSurvey, Step
from cases.services.client_messages import client_message_send
from cases.status_links import LinkRevoked, LinkState, read_link
from notifications.models import OutboxStatus
from notifications.sweeps.outbox import sweep_outbox
from tests.cases.client_word_support import DennisBrowser
from tests.cases.helpers import advance_to, open_case
from tests.cases.test_client_messages import UTC, at, deliver_at, emailed_case, row_of, send
from tests.cases.test_client_messages_withdrawn import _gave_up

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2025, 7, 1, 9, 0, tzinfo=dt.UTC)  # where `frozen` stops the clock
TYPO = "dennis@hale-onlien.example"  # a stranger's mailbox
RIGHT = "dennis@hale-online.example"
CALLED = "Dennis says everything still works fine"


def _set_email(user, case, email):
    client = case.client
    client.refresh_from_db()
    fields = ("name", "organisation", "phone", "time_zone", "quiet_hours_start", "quiet_hours_end")
    return services.client_update(user=user, client=client, case=case, email=email,
                                  **{f: getattr(client, f) for f in fields})


def _emailed_token(address):
    """The outbox sends what is due; the status token in the latest email to `address`."""
    sweep_outbox(timezone.now())
    body = [m for m in mail.outbox if address in m.to][-1].body
    return re.search(r"/status/([^/\s]+)/", body).group(1)


def _opens(token):
    return Visitor().get(reverse("client_status", kwargs={"token": token})).status_code


def _rate(token, score):
    return Visitor().post(reverse("client_status_survey", kwargs={"token": token}), {"score": score})


def _resolve(rep, case, frozen, *, follow_up_in):
    """Deliver (the follow-up call `follow_up_in` days from now), then resolve two days later."""
    services.delivery_record(user=rep, case=case, verified_with_client=True, client_satisfied=True,
                             prevention_note="Upgrades now run with a tested rollback",
                             follow_up_on=timezone.localdate(timezone=case.client.tz) + dt.timedelta(days=follow_up_in))
    frozen.shift(dt.timedelta(days=2))
    return services.case_transition(user=rep, case=case, name="complete_deliver")


@pytest.fixture
def typo_delivering(frozen, rep, dennis):
    dennis.email = TYPO
    dennis.save()
    return advance_to(open_case(rep, dennis), Step.DELIVER, rep)


@pytest.fixture
def invited_at_typo(typo_delivering, rep, frozen):
    """Resolved on day 2 with no link live; the follow-up call logged on day 5 emails the survey link to TYPO."""
    case = _resolve(rep, typo_delivering, frozen, follow_up_in=5)
    frozen.shift(dt.timedelta(days=3))
    services.follow_up_log(user=rep, case=case, note=CALLED)
    stranger = _emailed_token(TYPO)
    assert _opens(stranger) == 200
    return case, stranger


# --- the survey link of a closed case ----------------------------------------------------------------
def test_the_survey_link_emailed_to_a_mistyped_address_stops_working_when_it_is_corrected(invited_at_typo, rep):
    case, stranger = invited_at_typo

    _set_email(rep, case, RIGHT)

    assert _opens(stranger) == 410
    assert CaseEvent.objects.filter(case=case, verb="client status link revoked", note__contains=TYPO).exists()


def test_the_stranger_cannot_rate_the_case_after_the_correction(invited_at_typo, rep):
    case, stranger = invited_at_typo
    _set_email(rep, case, RIGHT)

    response = _rate(stranger, 1)

    assert response.status_code == 410
    assert not ClientSurvey.objects.filter(case=case).exists()


def test_the_client_gets_a_fresh_survey_link_at_the_corrected_address_and_rates(invited_at_typo, rep):
    case, stranger = invited_at_typo
    _set_email(rep, case, RIGHT)

    dennis = DennisBrowser(_emailed_token(RIGHT))

    assert dennis.token != stranger
    assert 'name="score"' in dennis.open().content.decode()
    dennis.rate(5)
    assert ClientSurvey.objects.get(case=case).score == 5


def test_a_rep_who_put_their_own_address_in_for_the_call_cannot_rate_once_it_is_put_back(
        typo_delivering, rep, frozen):
    case = typo_delivering
    _set_email(rep, case, RIGHT)
    case = _resolve(rep, case, frozen, follow_up_in=5)
    frozen.shift(dt.timedelta(days=3))
    _set_email(rep, case, "dana.at.home@example.net")
    services.follow_up_log(user=rep, case=case, note=CALLED)
    reps_token = _emailed_token("dana.at.home@example.net")

    _set_email(rep, case, RIGHT)

    assert _rate(reps_token, 5).status_code == 410
    assert not ClientSurvey.objects.filter(case=case).exists()
    assert _opens(_emailed_token(RIGHT)) == 200  # the client's own invitation opens


def test_an_address_put_back_after_a_detour_leaves_the_client_a_link_that_opens(typo_delivering, rep, frozen):
    """The client's invitation went out, then a detour through another address revoked it (the old address
    may have been a stranger's): putting the client's back sends them one whose link opens."""
    case = typo_delivering
    _set_email(rep, case, RIGHT)
    case = _resolve(rep, case, frozen, follow_up_in=5)
    frozen.shift(dt.timedelta(days=3))
    services.follow_up_log(user=rep, case=case, note=CALLED)
    _emailed_token(RIGHT)
    _set_email(rep, case, "someone.else@example.net")
    _emailed_token("someone.else@example.net")

    _set_email(rep, case, RIGHT)

    assert _opens(_emailed_token(RIGHT)) == 200


# --- the live link that became the resolved page ------------------------------------------------------
@pytest.fixture
def linked_at_typo(typo_delivering, rep):
    """While open, an email took the live link to TYPO; then the case was resolved (that link now shows
    the resolved page)."""
    case = typo_delivering
    client_message_send(user=rep, case=case, kind=ClientMessageKind.DELIVERY,
                        text="The new server is live: is everything working for you again?")
    stranger = _emailed_token(TYPO)
    assert read_link(stranger).state == LinkState.LIVE
    return case, stranger


def test_a_live_link_emailed_to_the_old_address_stays_dead_once_the_case_is_resolved(linked_at_typo, rep, frozen):
    case, stranger = linked_at_typo
    case = _resolve(rep, case, frozen, follow_up_in=5)
    assert read_link(stranger).state == LinkState.FINAL

    _set_email(rep, case, RIGHT)
    frozen.shift(dt.timedelta(days=3))
    services.follow_up_log(user=rep, case=case, note=CALLED)

    with pytest.raises(LinkRevoked):
        read_link(stranger)
    assert _rate(stranger, 1).status_code == 410
    assert _opens(_emailed_token(RIGHT)) == 200  # the invitation went to the corrected address


def test_the_resolved_page_of_a_late_call_does_not_open_again_for_the_old_address(linked_at_typo, rep, frozen):
    """The resolved page's window had passed when the address was corrected; the late follow-up call opens
    a new one, never the link the stranger holds."""
    case, stranger = linked_at_typo
    case = _resolve(rep, case, frozen, follow_up_in=30)
    frozen.shift(dt.timedelta(days=23))
    _set_email(rep, case, RIGHT)
    frozen.shift(dt.timedelta(days=5))

    services.follow_up_log(user=rep, case=case, note=CALLED)

    with pytest.raises(LinkRevoked):
        read_link(stranger)
    assert _opens(_emailed_token(RIGHT)) == 200


# --- an email held for the quiet hours, then a new link -----------------------------------------------
EVENING = dt.datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
THREE_AM = dt.datetime(2026, 3, 3, 3, 0, tzinfo=UTC)
SEVEN_AM = dt.datetime(2026, 3, 3, 7, 0, tzinfo=UTC)  # the end of the client's quiet hours


def held_at_three(rep, dennis):
    """An update emailed at 03:00 to a client asleep until 07:00 (held): the case and the message."""
    dennis.email, dennis.time_zone = RIGHT, "UTC"
    dennis.quiet_hours_start, dennis.quiet_hours_end = dt.time(22), dt.time(7)
    dennis.save()
    case = emailed_case(rep, dennis, when=EVENING, cadence=12 * 60)
    return case, send(rep, case, THREE_AM)


@pytest.fixture
def held_then_reissued(rep, dennis):
    """An update emailed at 03:00, held until 07:00; at 03:10 the rep makes a new link (to read it out)."""
    case, message = held_at_three(rep, dennis)
    with at(THREE_AM + dt.timedelta(minutes=10)):
        issued = services.status_link_issue(user=rep, case=case)
    return case, message, issued


def _to_client():
    return [m for m in mail.outbox if RIGHT in m.to]


def test_an_email_held_for_the_quiet_hours_leaves_with_the_link_issued_after_it(held_then_reissued):
    _, _, issued = held_then_reissued

    with at(SEVEN_AM + dt.timedelta(minutes=1)):
        token = _emailed_token(RIGHT)
        assert _opens(token) == 200
    assert token == issued.path.split("/")[2]


def test_the_held_email_leaves_once_and_the_one_taken_back_is_recorded_as_withdrawn(held_then_reissued):
    case, message, _ = held_then_reissued
    update = message.status_update

    deliver_at(SEVEN_AM + dt.timedelta(minutes=1))

    assert len(_to_client()) == 1
    message.refresh_from_db()
    assert message.status == ClientMessageStatus.WITHDRAWN and row_of(message).status == OutboxStatus.WITHDRAWN
    assert CaseEvent.objects.filter(case=case, verb="message to the client withdrawn",
                                    data__client_message=message.pk).exists()
    again = case.client_messages.get(status=ClientMessageStatus.SENT)
    assert (again.body, again.to_email, again.status_update) == (message.body, message.to_email, update)


def test_the_email_queued_again_still_waits_for_the_end_of_the_quiet_hours(held_then_reissued):
    case, message, _ = held_then_reissued

    deliver_at(SEVEN_AM - dt.timedelta(minutes=1))

    assert not _to_client()
    again = case.client_messages.get(status=ClientMessageStatus.QUEUED)
    assert again.send_after == SEVEN_AM and row_of(again).next_attempt_at == SEVEN_AM


def test_an_email_that_gave_up_is_withdrawn_by_a_new_link_not_revived_with_the_dead_one(rep, dennis):
    case, message = held_at_three(rep, dennis)
    _gave_up(message, SEVEN_AM)

    with at(SEVEN_AM + dt.timedelta(minutes=30)):
        services.status_link_issue(user=rep, case=case)

    message.refresh_from_db()
    assert message.status == ClientMessageStatus.WITHDRAWN and row_of(message).status == OutboxStatus.WITHDRAWN
    assert not case.client_messages.filter(status=ClientMessageStatus.QUEUED).exists()
