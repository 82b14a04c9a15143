"""The client's own rating is not erased by a change of their address and back (found by an audit): whoever
may change the client's contact details (the owner on the case page, a teammate on a case they just opened
for the client) changed the address to another spelling and back; the first change set the client's 1 out
of 5 aside for good, and past CLIENT_LINK_RESOLVED_DAYS nobody asked again, so the team page lost it.

A case's standing rating is the latest that came through the client's address now (cases.client_word
.standing_choice, kept by cases.services.client_word.survey_answers_set_aside): the client's rating counts
again whenever the address it came through is theirs again, however long after the call; the client is asked
at each new address meanwhile (test_rating_by_current_address). A rep's rating through their own address
counts only while that address is on file as the client's (test_survey_answer_follows_address)."""
import datetime as dt

import pytest

from cases.client_word import client_word, current_survey
from cases.metrics import window as make_window
from cases.metrics.satisfaction import satisfaction_figure
from cases.models import CaseEvent, ClientMessageKind, ClientSurvey
from cases.services.client_word import COUNTS_AGAIN, SET_ASIDE
from tests.cases.helpers import open_case
from tests.cases.test_links_after_address_fix import RIGHT, _emailed_token, _rate, _set_email
from tests.cases.test_rating_by_current_address import _call_and_rate  # resolved, called, rated through RIGHT

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2025, 7, 1, 9, 0, tzinfo=dt.UTC)  # where `frozen` stops the clock
OTHER_SPELLING = "dennis.h@hale-online.example"
PRIVATE = "dana.at.home@example.net"


def _figure(days=30):
    f = satisfaction_figure(make_window(days))
    return f.count, f.average


def _invitations(case):
    return case.client_messages.filter(kind=ClientMessageKind.FOLLOW_UP).count()


@pytest.fixture
def rated_one(frozen, rep, dennis):
    """Dennis's own 1 out of 5, through the address he had when the case was opened."""
    dennis.email = RIGHT
    dennis.save()
    case = _call_and_rate(rep, open_case(rep, dennis), frozen, 1)
    assert _figure(7) == (1, 1.0)
    return case


def test_the_owner_changing_the_address_and_back_leaves_the_clients_rating_counting(rated_one, rep, frozen):
    case = rated_one
    frozen.shift(dt.timedelta(days=15))  # past CLIENT_LINK_RESOLVED_DAYS of the call
    invitations = _invitations(case)

    _set_email(rep, case, OTHER_SPELLING)
    _set_email(rep, case, RIGHT)

    assert current_survey(case).score == 1
    assert _figure() == (1, 1.0)  # the team page
    assert client_word(case).survey_score == 1  # his page
    assert ClientSurvey.objects.filter(case=case).count() == 1
    assert _invitations(case) == invitations + 1  # asked at the other spelling while it was on file, not again
    assert case.client_messages.filter(kind=ClientMessageKind.FOLLOW_UP, to_email=OTHER_SPELLING).count() == 1
    assert CaseEvent.objects.filter(case=case, verb=SET_ASIDE).count() == 1  # the record says both
    assert CaseEvent.objects.filter(case=case, verb=COUNTS_AGAIN, note__contains=RIGHT).count() == 1


def test_a_teammate_with_a_fresh_case_for_the_client_cannot_erase_it(rated_one, other_rep, dennis, frozen):
    frozen.shift(dt.timedelta(days=15))
    mine = open_case(other_rep, dennis)

    _set_email(other_rep, mine, OTHER_SPELLING)
    _set_email(other_rep, mine, RIGHT)

    assert current_survey(rated_one).score == 1
    assert _figure() == (1, 1.0)


def test_back_within_the_days_he_is_asked_the_client_is_not_asked_again_for_the_rating_that_counts(
        rated_one, rep, frozen):
    case = rated_one
    _set_email(rep, case, OTHER_SPELLING)
    _emailed_token(OTHER_SPELLING)  # he is asked again there; that link stops when the address goes back
    invitations = _invitations(case)

    _set_email(rep, case, RIGHT)

    assert _figure() == (1, 1.0)
    assert _invitations(case) == invitations


def test_a_rating_given_through_the_detour_is_set_aside_and_the_clients_counts_again(rated_one, rep, frozen):
    """The detour's address gets the invitation and rates 5 through it; once the client's address is back,
    the 5 is set aside and the client's 1 counts. The detour put back brings its 5 back while it is on file
    (the accepted limitation: seen on the client's record), and the client's address brings his 1 back."""
    case = rated_one
    _set_email(rep, case, PRIVATE)
    assert _figure() == (0, None)  # while the client's address is not on file, his rating does not count
    assert _rate(_emailed_token(PRIVATE), 5).status_code == 302
    frozen.shift(dt.timedelta(seconds=1))

    _set_email(rep, case, RIGHT)

    assert _figure() == (1, 1.0)
    assert client_word(case).survey_score == 1
    answers = ClientSurvey.objects.filter(case=case).values_list("score", "set_aside_at")
    assert sorted((score, aside is None) for score, aside in answers) == [(1, True), (5, False)]
    _set_email(rep, case, PRIVATE)
    assert _figure() == (1, 5.0)
    _set_email(rep, case, RIGHT)
    assert _figure() == (1, 1.0)


def test_a_client_without_an_address_at_opening_keeps_the_rating_through_the_first_one_recorded(
        frozen, rep, dennis):
    dennis.email = ""
    dennis.save()
    case = open_case(rep, dennis)
    _set_email(rep, case, RIGHT)
    case = _call_and_rate(rep, case, frozen, 2)
    frozen.shift(dt.timedelta(days=15))

    _set_email(rep, case, OTHER_SPELLING)
    _set_email(rep, case, RIGHT)

    assert current_survey(case).score == 2 and _figure() == (1, 2.0)
