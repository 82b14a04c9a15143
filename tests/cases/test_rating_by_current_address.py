"""The standing rating of a case is the latest one that came through the address the client has now (found by
an audit of the opening-address rule): a rating through another address is set aside while that address is
not on file and counts again when it is, whatever happened in between, so no sequence of address changes
erases the client's word for good (a typo corrected during the case, then a round trip; a rep who made the
case's opening address their own). A set-aside always asks the client again at the new address, however
long after the follow-up call, through a link that opens, once per address (services.delivery._survey_owed
counts from the latest set-aside). A rating is written under the case's lock only through the invitation's
link that is still live, with the address that invitation went to (two tabs: a rating posted as the address
was put back was stored as the client's)."""
import datetime as dt

import pytest

from cases import services
from cases.client_word import client_word, current_survey
from cases.errors import CaseRuleError
from cases.metrics import window as make_window
from cases.metrics.satisfaction import satisfaction_figure
from cases.models import CaseEvent, Client, ClientMessageKind, ClientSurvey, Step
from cases.services.client_word import COUNTS_AGAIN, SET_ASIDE, client_survey_answer
from cases.status_links import read_link
from tests.cases.helpers import advance_to, open_case
from tests.cases.test_links_after_address_fix import (
    CALLED, RIGHT, TYPO, _emailed_token, _opens, _rate, _resolve, _set_email,
)

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2025, 7, 1, 9, 0, tzinfo=dt.UTC)  # where `frozen` stops the clock
OTHER_SPELLING = "dennis.h@hale-online.example"
PLUS = "dennis.hale@hale-shop.example"  # another mailbox of his (a +tag of RIGHT is RIGHT's own: same_address)
TAGGED = "dennis+shop@hale-online.example"
PRIVATE = "dana.at.home@example.net"  # the rep's own mailbox (not a user's address)


def _figure(days=90):
    f = satisfaction_figure(make_window(days))
    return f.count, f.average


def _invitations(case, address=None):
    sent = case.client_messages.filter(kind=ClientMessageKind.FOLLOW_UP)
    return (sent if address is None else sent.filter(to_email=address)).count()


def _call(rep, case, frozen):
    """Delivered and resolved, then the follow-up call logged on its day: the client is invited to rate us."""
    case = _resolve(rep, advance_to(case, Step.DELIVER, rep), frozen, follow_up_in=5)
    frozen.shift(dt.timedelta(days=3))
    services.follow_up_log(user=rep, case=case, note=CALLED)
    return case


def _call_and_rate(rep, case, frozen, score, address=RIGHT):
    case = _call(rep, case, frozen)
    assert _rate(_emailed_token(address), score).status_code == 302
    frozen.shift(dt.timedelta(seconds=1))
    return case


@pytest.fixture
def rated_one(frozen, rep, dennis):
    """Dennis's own 1 out of 5, through his address RIGHT."""
    dennis.email = RIGHT
    dennis.save()
    case = _call_and_rate(rep, open_case(rep, dennis), frozen, 1)
    assert _figure() == (1, 1.0)
    return case


def test_a_typo_corrected_during_the_case_then_a_round_trip_leaves_the_clients_rating_counting(frozen, rep, dennis):
    dennis.email = TYPO
    dennis.save()
    case = open_case(rep, dennis)
    _set_email(rep, case, RIGHT)  # the typo corrected while the case is worked
    case = _call_and_rate(rep, case, frozen, 1)
    frozen.shift(dt.timedelta(days=15))  # past CLIENT_LINK_RESOLVED_DAYS

    _set_email(rep, case, OTHER_SPELLING)
    _set_email(rep, case, RIGHT)

    assert current_survey(case).score == 1
    assert _figure() == (1, 1.0)
    assert client_word(case).survey_score == 1
    assert CaseEvent.objects.filter(case=case, verb=COUNTS_AGAIN, note__contains=RIGHT).count() == 1


def test_a_rep_who_made_the_opening_address_their_own_cannot_erase_the_clients_rating(frozen, rep, dennis):
    """The rep's 5 through their own mailbox counts only while that mailbox is on file as the client's (seen on
    the client's record); the client's 1 through his address counts whenever his address is back."""
    dennis.email = RIGHT
    dennis.save()
    earlier = open_case(rep, dennis)
    _set_email(rep, earlier, PRIVATE)  # just before opening the new case
    case = open_case(rep, dennis)
    _set_email(rep, case, RIGHT)  # back at once
    case = _call_and_rate(rep, case, frozen, 1)
    _set_email(rep, case, PRIVATE)
    assert _rate(_emailed_token(PRIVATE), 5).status_code == 302
    frozen.shift(dt.timedelta(days=15))

    _set_email(rep, case, RIGHT)
    assert _figure() == (1, 1.0)
    assert client_word(case).survey_score == 1
    _set_email(rep, case, PRIVATE)
    assert _figure() == (1, 5.0)  # the accepted limitation: the rep's mailbox left on file as the client's
    _set_email(rep, case, RIGHT)
    assert _figure() == (1, 1.0)
    assert ClientSurvey.objects.filter(case=case).count() == 2


def test_the_clients_latest_word_through_each_address_follows_the_address(rated_one, rep, frozen):
    case = rated_one
    _set_email(rep, case, OTHER_SPELLING)  # his new address, at his request: he is asked there
    assert _rate(_emailed_token(OTHER_SPELLING), 4).status_code == 302
    frozen.shift(dt.timedelta(seconds=1))
    assert _figure() == (1, 4.0)

    _set_email(rep, case, RIGHT)
    assert _figure() == (1, 1.0)
    _set_email(rep, case, OTHER_SPELLING)  # his latest word comes back with his latest address
    assert _figure() == (1, 4.0)
    assert CaseEvent.objects.filter(case=case, verb=COUNTS_AGAIN, note__contains=OTHER_SPELLING).count() == 1


def test_a_change_past_the_days_asks_him_at_the_new_address_through_a_link_that_opens(rated_one, rep, frozen):
    case = rated_one
    frozen.shift(dt.timedelta(days=15))

    _set_email(rep, case, PLUS)

    assert _figure() == (0, None)
    assert _invitations(case, PLUS) == 1
    frozen.shift(dt.timedelta(days=13))  # the page shows for the days from this invitation, not from the call
    token = _emailed_token(PLUS)
    assert _opens(token) == 200 and client_word(case).survey_open
    assert _rate(token, 4).status_code == 302
    frozen.shift(dt.timedelta(seconds=1))
    assert _figure() == (1, 4.0)
    assert CaseEvent.objects.filter(case=case, verb=SET_ASIDE, note__contains=RIGHT).count() == 1


def test_he_is_asked_once_at_an_address(rated_one, rep, frozen):
    case = rated_one
    frozen.shift(dt.timedelta(days=15))
    _set_email(rep, case, PLUS)
    frozen.shift(dt.timedelta(hours=1))

    _set_email(rep, case, " " + PLUS.upper())  # the same address written otherwise

    assert _invitations(case, PLUS) + _invitations(case, " " + PLUS.upper()) == 1
    assert _invitations(case) == 2  # the call's, and the one to PLUS
    assert CaseEvent.objects.filter(case=case, verb=SET_ASIDE).count() == 1


def test_a_later_change_with_the_rating_still_aside_asks_him_at_the_next_address(rated_one, rep, frozen):
    case = rated_one
    frozen.shift(dt.timedelta(days=15))
    _set_email(rep, case, OTHER_SPELLING)  # asked there; nobody answers
    frozen.shift(dt.timedelta(days=20))

    _set_email(rep, case, PLUS)

    assert _invitations(case, PLUS) == 1
    assert _rate(_emailed_token(PLUS), 3).status_code == 302
    frozen.shift(dt.timedelta(seconds=1))
    assert _figure() == (1, 3.0)


@pytest.fixture
def invited_at_private(frozen, rep, dennis):
    """The call logged, the rep's own mailbox put in, and the invitation that went there: (case, its link)."""
    dennis.email = RIGHT
    dennis.save()
    case = _call(rep, open_case(rep, dennis), frozen)
    _set_email(rep, case, PRIVATE)
    return case, read_link(_emailed_token(PRIVATE))


def test_a_rating_through_a_link_replaced_before_it_is_written_is_refused(invited_at_private, rep, frozen):
    """Two tabs: the page opened the link to PRIVATE (the view's check), and the client's address was put back
    before the rating was written."""
    case, link = invited_at_private
    _set_email(rep, case, RIGHT)

    with pytest.raises(CaseRuleError):
        client_survey_answer(case=link.case, version=link.version, score=5)

    assert not ClientSurvey.objects.filter(case=case).exists()
    assert _rate(_emailed_token(RIGHT), 2).status_code == 302  # the client is asked, and his word counts
    frozen.shift(dt.timedelta(seconds=1))
    assert _figure() == (1, 2.0)


def test_a_rating_keeps_the_address_its_invitation_went_to(invited_at_private, rep, frozen):
    """The client's row says RIGHT at the moment of writing (written under it, as a save in another tab does):
    the rating came through PRIVATE, and is not the client's word."""
    case, link = invited_at_private
    Client.objects.filter(pk=case.client_id).update(email=RIGHT)

    survey, recorded = client_survey_answer(case=link.case, version=link.version, score=5)

    assert recorded and survey.address == PRIVATE and survey.set_aside_at is not None
    frozen.shift(dt.timedelta(seconds=1))
    assert _figure() == (0, None) and client_word(case).survey_score is None


def test_his_address_spelt_with_a_tag_is_his_mailbox_and_his_rating_keeps_counting(rated_one, rep, frozen):
    """Found by an audit: rewriting his address as dennis+shop@ (his own mailbox) set his 1 aside."""
    frozen.shift(dt.timedelta(days=15))
    before = _invitations(rated_one)

    _set_email(rep, rated_one, TAGGED)

    assert _figure() == (1, 1.0) and _invitations(rated_one) == before
