"""The client's rating is their word only while it came through their own address (found by an audit): a rep
put a private address in for the follow-up call, rated the case 5 from the invitation that went there, and
put the client's address back; the rating stayed and the team page counted it. An answer given through the
invitation sent to an address stops counting once the client's address changes away from it (kept for the
record, on the timeline), and the survey is owed again at the new address (cases.services.client_word,
survey_answers_set_aside). Every reader reads the standing answer only (cases.client_word.standing_surveys):
the team page's figure, the client's page, whether the survey is still owed."""
import datetime as dt

import pytest
from django.core import mail

from cases import services
from cases.client_word import client_word
from cases.metrics import window as make_window
from cases.metrics.satisfaction import satisfaction_figure
from cases.models import CaseEvent, ClientMessageKind, ClientSurvey, Step
from cases.services.client_word import SET_ASIDE
from tests.cases.helpers import advance_to, open_case
from tests.cases.test_links_after_address_fix import CALLED, RIGHT, _emailed_token, _opens, _rate, _resolve, _set_email

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2025, 7, 1, 9, 0, tzinfo=dt.UTC)  # where `frozen` stops the clock
PRIVATE = "dana.at.home@example.net"


def _figure():
    return satisfaction_figure(make_window(7))


@pytest.fixture
def called(frozen, rep, dennis):
    """Resolved on day 2, the follow-up call due on day 5 and not logged yet; the client's address is RIGHT."""
    dennis.email = RIGHT
    dennis.save()
    case = _resolve(rep, advance_to(open_case(rep, dennis), Step.DELIVER, rep), frozen, follow_up_in=5)
    frozen.shift(dt.timedelta(days=3))
    return case


@pytest.fixture
def rated_by_the_rep(called, rep, frozen):
    """The rep puts their own address in for the call and rates the case 5 from the invitation sent there."""
    case = called
    _set_email(rep, case, PRIVATE)
    services.follow_up_log(user=rep, case=case, note=CALLED)
    assert _rate(_emailed_token(PRIVATE), 5).status_code in (200, 302, 303)
    frozen.shift(dt.timedelta(seconds=1))
    assert (_figure().count, _figure().average) == (1, 5.0)
    return case


def test_a_rating_through_the_reps_own_address_stops_counting_when_the_clients_is_put_back(rated_by_the_rep, rep,
                                                                                             frozen):
    case = rated_by_the_rep

    _set_email(rep, case, RIGHT)
    frozen.shift(dt.timedelta(seconds=1))

    assert (_figure().count, _figure().average) == (0, None)
    survey = ClientSurvey.objects.get(case=case)  # kept for the record, marked
    assert survey.score == 5 and survey.set_aside_at is not None
    assert CaseEvent.objects.filter(case=case, verb=SET_ASIDE, note__contains=PRIVATE).exists()


def test_the_client_is_asked_again_at_their_address_and_their_rating_counts(rated_by_the_rep, rep, frozen):
    case = rated_by_the_rep
    _set_email(rep, case, RIGHT)

    invitations = case.client_messages.filter(kind=ClientMessageKind.FOLLOW_UP, to_email=RIGHT)
    assert invitations.count() == 1  # one, not one per path that owes it
    token = _emailed_token(RIGHT)
    assert _opens(token) == 200
    word = client_word(case)
    assert word.survey_open and word.survey_score is None  # the page asks him; it does not say "you rated 5"
    assert _rate(token, 2).status_code == 302
    frozen.shift(dt.timedelta(seconds=1))

    assert (_figure().count, _figure().average) == (1, 2.0)
    assert client_word(case).survey_score == 2
    answers = ClientSurvey.objects.filter(case=case).values_list("score", "set_aside_at")
    assert sorted((score, aside is None) for score, aside in answers) == [(2, True), (5, False)]


def test_the_reps_rating_counts_only_while_their_address_is_on_file_as_the_clients(rated_by_the_rep, rep, frozen):
    """The standing rating is the latest through the address on file: the rep's mailbox put in again brings
    its 5 back while it stays there (the accepted limitation: it shows on the client's record and timeline);
    the client's address put back sets it aside again, and the client's own rating is the one that counts."""
    case = rated_by_the_rep
    _set_email(rep, case, RIGHT)
    assert _rate(_emailed_token(RIGHT), 2).status_code == 302
    _set_email(rep, case, PRIVATE)
    frozen.shift(dt.timedelta(seconds=1))
    assert (_figure().count, _figure().average) == (1, 5.0)

    _set_email(rep, case, RIGHT)
    frozen.shift(dt.timedelta(seconds=1))

    assert (_figure().count, _figure().average) == (1, 2.0)
    assert client_word(case).survey_score == 2


def test_the_same_address_written_differently_leaves_the_clients_rating_standing(called, rep, frozen):
    case = called
    services.follow_up_log(user=rep, case=case, note=CALLED)
    assert _rate(_emailed_token(RIGHT), 4).status_code == 302
    sent = len(mail.outbox)

    _set_email(rep, case, "  " + RIGHT.upper() + " ")
    frozen.shift(dt.timedelta(seconds=1))

    assert (_figure().count, _figure().average) == (1, 4.0)
    assert ClientSurvey.objects.get(case=case).set_aside_at is None
    assert not CaseEvent.objects.filter(case=case, verb=SET_ASIDE).exists()
    assert case.client_messages.filter(kind=ClientMessageKind.FOLLOW_UP).count() == 1 and len(mail.outbox) == sent


def test_a_blanked_address_sets_the_rating_aside_and_the_invitation_waits_for_an_address(rated_by_the_rep, rep,
                                                                                           frozen):
    case = rated_by_the_rep

    _set_email(rep, case, "")
    frozen.shift(dt.timedelta(seconds=1))

    assert _figure().count == 0
    _set_email(rep, case, RIGHT)
    assert _rate(_emailed_token(RIGHT), 3).status_code == 302
    frozen.shift(dt.timedelta(seconds=1))
    assert (_figure().count, _figure().average) == (1, 3.0)


def test_an_invitation_whose_link_stopped_is_not_taken_for_a_live_one_at_the_clients_address(called, rep, frozen):
    """A, B, A: the call's invitation went to the client's address; the rep put their own in (a new invitation
    went there, stopping the first one's link), rated, and put the client's back: the client is asked again,
    though an invitation to their address went out after the call."""
    case = called
    services.follow_up_log(user=rep, case=case, note=CALLED)
    first = _emailed_token(RIGHT)
    frozen.shift(dt.timedelta(minutes=1))
    _set_email(rep, case, PRIVATE)
    assert _rate(_emailed_token(PRIVATE), 5).status_code in (200, 302, 303)
    frozen.shift(dt.timedelta(minutes=1))

    _set_email(rep, case, RIGHT)

    assert case.client_messages.filter(kind=ClientMessageKind.FOLLOW_UP, to_email=RIGHT).count() == 2
    token = _emailed_token(RIGHT)
    assert token != first and _opens(first) != 200 and _opens(token) == 200
