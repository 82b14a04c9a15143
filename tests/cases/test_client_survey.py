"""After the follow-up call, the client's status page asks one question (how satisfied, 1 to 5, and an
optional comment), through the signed link the invitation emails to the client's address (never the link
the team was shown to pass on), once per case; expired and revoked links refuse it. The team page shows
the window's average, count and distribution beside the mood figures, equal to a recomputation, in one
query whatever the number of answers."""
import datetime as dt
from collections import Counter

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.metrics import window
from cases.metrics.satisfaction import satisfaction_figure
from cases.models import ClientSurvey, Step
from cases.models.client_word import SURVEY_COMMENT
from cases.services.client_word import RATED
from cases.services.common import lock_case
from cases.services.status_links import revoke_status_links
from notifications.models import OutboxMessage
from tests.cases.client_word_support import DennisBrowser, invitation_browser, token_of
from tests.cases.helpers import advance_to, open_case
from tests.factories import CaseFactory, ClientFactory, RepFactory

NOW = DAY0 = dt.datetime(2025, 7, 1, 9, 0, tzinfo=dt.UTC)  # NOW: where `frozen` stops the clock
COMMENT = "Dana kept every promise and called back exactly when she said"


@pytest.fixture
def resolved(frozen, rep, dennis):
    """Dennis's case: his link given at delivery (day 0), resolved on day 2 (the link then shows only that
    it is resolved), the follow-up call due on day 5. Returns (case, Dennis's browser)."""
    case = advance_to(open_case(rep, dennis), Step.DELIVER, rep)
    browser = DennisBrowser(token_of(rep, case))
    browser.open()  # Dennis looked at his page at delivery: his browser keeps the CSRF cookie
    services.delivery_record(user=rep, case=case, verified_with_client=True, client_satisfied=True,
                             prevention_note="Upgrades now run with a tested rollback",
                             follow_up_on=timezone.localdate(timezone=dennis.tz) + dt.timedelta(days=5))
    frozen.shift(dt.timedelta(days=2))
    case = services.case_transition(user=rep, case=case, name="complete_deliver")
    return case, browser


@pytest.fixture
def followed_up(resolved, frozen, rep):
    """As `resolved`, with the follow-up call logged on day 5. Returns (case, Dennis's browser on the link
    the invitation emailed him)."""
    case, _ = resolved
    frozen.shift(dt.timedelta(days=3))
    services.follow_up_log(user=rep, case=case, note="Dennis says everything still works fine")
    return case, invitation_browser(case)


def asks(page):
    return 'name="score"' in page and "How satisfied are you" in page


# --- through the link --------------------------------------------------------------------------------
@pytest.mark.django_db
def test_after_the_follow_up_call_the_page_asks_how_satisfied_the_client_is(followed_up):
    _, dennis = followed_up

    page = dennis.open().content.decode()

    assert asks(page)
    assert page.count('type="radio" name="score"') == 5
    assert f'maxlength="{SURVEY_COMMENT}"' in page


@pytest.mark.django_db
def test_before_the_follow_up_call_the_page_does_not_ask_and_refuses_an_answer(resolved):
    _, dennis = resolved

    page = dennis.open().content.decode()
    response = dennis.rate(5)

    assert not asks(page)
    assert response.status_code == 409
    assert "We ask how satisfied you are after our follow-up call" in response.content.decode()
    assert not ClientSurvey.objects.exists()


@pytest.mark.django_db
def test_the_answer_is_stored_on_the_case_shown_back_and_on_the_timeline(followed_up):
    case, dennis = followed_up
    dennis.open()

    response = dennis.rate(4, COMMENT)

    assert response.status_code == 302 and response["Location"].endswith("#your-rating")
    survey = ClientSurvey.objects.get(case=case)
    assert (survey.score, survey.comment, survey.given_at) == (4, COMMENT, timezone.now())
    page = dennis.open().content.decode()
    assert "You rated how we handled your case 4 out of 5." in page and not asks(page)
    assert case.events.get(verb=RATED).note.startswith("4 out of 5")


@pytest.mark.django_db
def test_a_second_answer_keeps_the_first(followed_up):
    case, dennis = followed_up
    dennis.open()
    dennis.rate(4, COMMENT)

    response = dennis.rate(1, "Changed my mind")

    assert response.status_code == 302
    assert list(ClientSurvey.objects.values_list("score", flat=True)) == [4]
    assert case.events.filter(verb=RATED).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("score", ["", "0", "6", "five"])
def test_a_score_outside_1_to_5_is_refused_next_to_the_question(followed_up, score):
    _, dennis = followed_up
    dennis.open()

    response = dennis.rate(score)

    assert response.status_code == 422
    assert "Choose a number from 1 (not at all) to 5 (completely)." in response.content.decode()
    assert not ClientSurvey.objects.exists()


@pytest.mark.django_db
def test_a_comment_over_the_limit_is_refused_next_to_it(followed_up):
    _, dennis = followed_up
    dennis.open()

    response = dennis.rate(5, "y" * (SURVEY_COMMENT + 1))

    assert response.status_code == 422
    assert f"Keep it under {SURVEY_COMMENT:,} characters" in response.content.decode()
    assert not ClientSurvey.objects.exists()


@pytest.mark.django_db
def test_a_link_past_its_final_window_refuses_the_answer(followed_up, frozen, settings):
    _, dennis = followed_up
    dennis.open()
    logged_at = DAY0 + dt.timedelta(days=5)
    frozen.move_to(logged_at + dt.timedelta(days=settings.CLIENT_LINK_RESOLVED_DAYS, seconds=1))

    response = dennis.rate(5)

    assert response.status_code == 410
    assert not ClientSurvey.objects.exists()


@pytest.mark.django_db
def test_an_expired_link_of_an_open_case_refuses_the_answer(rep, dennis, frozen, settings):
    case = advance_to(open_case(rep, dennis), Step.DELIVER, rep)
    browser = DennisBrowser(token_of(rep, case))
    browser.open()
    frozen.shift(dt.timedelta(days=settings.CLIENT_LINK_MAX_AGE_DAYS, seconds=1))

    response = browser.rate(5)

    assert response.status_code == 410 and "This link has expired" in response.content.decode()
    assert not ClientSurvey.objects.exists()


# --- a late follow-up call: the survey must stay reachable --------------------------------------------
LATE = 30  # days after delivery: long after the link's own age and the resolved page's first window


@pytest.fixture
def resolved_late(frozen, rep, dennis):
    """Dennis's case: his link given at delivery (day 0), resolved on day 2, the follow-up call due on
    day 30. Returns (case, Dennis's browser)."""
    case = advance_to(open_case(rep, dennis), Step.DELIVER, rep)
    browser = DennisBrowser(token_of(rep, case))
    browser.open()
    services.delivery_record(user=rep, case=case, verified_with_client=True, client_satisfied=True,
                             prevention_note="Upgrades now run with a tested rollback",
                             follow_up_on=timezone.localdate(timezone=dennis.tz) + dt.timedelta(days=LATE))
    frozen.shift(dt.timedelta(days=2))
    case = services.case_transition(user=rep, case=case, name="complete_deliver")
    frozen.shift(dt.timedelta(days=LATE - 2))
    return case, browser


@pytest.mark.django_db
def test_a_late_follow_up_opens_a_page_for_the_client_and_he_can_rate(resolved_late, rep, settings):
    case, given_out = resolved_late
    assert given_out.open().status_code == 410  # the resolved page's first window is long over

    services.follow_up_log(user=rep, case=case, note="Dennis says everything still works fine")

    dennis = invitation_browser(case)
    page = dennis.open()
    assert page.status_code == 200 and asks(page.content.decode())
    assert dennis.rate(5, COMMENT).status_code == 302
    assert ClientSurvey.objects.get(case=case).score == 5
    assert given_out.open().status_code == 410


@pytest.mark.django_db
def test_the_link_the_team_gave_out_cannot_rate_even_outside_the_tracker(resolved, frozen, rep):
    """Found by a padding review: the link live at closing is the one the rep was shown to pass on (the
    staff's link page shows it again); opened in a browser not signed in to the tracker it took a 5 out of 5
    as the client's. After the follow-up call it opens nothing: the client rates on the invitation's page."""
    case, given_out = resolved  # a browser signed in to nothing, on the link the rep issued
    frozen.shift(dt.timedelta(days=3))
    services.follow_up_log(user=rep, case=case, note="Dennis says everything still works fine")

    page = given_out.open()
    response = given_out.rate(5)

    assert page.status_code == 410 and not asks(page.content.decode())
    assert response.status_code == 410
    assert not ClientSurvey.objects.exists()
    assert asks(invitation_browser(case).open().content.decode())


@pytest.mark.django_db
def test_before_the_follow_up_call_the_link_given_out_still_shows_the_case_resolved(resolved):
    case, given_out = resolved

    page = given_out.open()

    assert page.status_code == 200 and "It has been resolved" in page.content.decode()
    assert not asks(page.content.decode())


@pytest.mark.django_db
def test_the_link_shows_the_survey_for_the_resolved_days_from_the_follow_up_then_refuses(resolved_late, rep, frozen,
                                                                                         settings):
    case, _ = resolved_late
    services.follow_up_log(user=rep, case=case, note="Dennis says everything still works fine")
    dennis = invitation_browser(case)
    window = dt.timedelta(days=settings.CLIENT_LINK_RESOLVED_DAYS)

    frozen.shift(window - dt.timedelta(minutes=1))
    within = dennis.open()
    frozen.shift(dt.timedelta(minutes=2))
    after = dennis.open()

    assert within.status_code == 200 and asks(within.content.decode())
    assert after.status_code == 410


@pytest.mark.django_db
def test_a_link_revoked_by_hand_stays_revoked_but_the_survey_still_reaches_the_client(resolved_late, rep):
    """The survey is the client's word: a rep who revokes the link after the close (having heard how the
    follow-up call will go) does not keep the client from rating us (found by review)."""
    case, dennis = resolved_late
    services.status_link_revoke(user=rep, case=case)

    services.follow_up_log(user=rep, case=case, note="Dennis is not happy with how long it took")

    assert dennis.open().status_code == 410 and dennis.rate(1).status_code == 410  # the revoked link
    row = OutboxMessage.objects.get(key=case.client_messages.get(kind="follow_up").outbox_key)
    url = next(word for word in row.body_text.split() if "/status/" in word)
    emailed = DennisBrowser(url.rstrip("/").rsplit("/", 1)[1])
    assert asks(emailed.open().content.decode())
    assert emailed.rate(1).status_code == 302 and ClientSurvey.objects.get(case=case).score == 1


@pytest.mark.django_db
def test_logging_the_follow_up_emails_the_client_a_link_that_opens_the_survey(resolved_late, rep, dennis):
    case, _ = resolved_late

    services.follow_up_log(user=rep, case=case, note="Dennis says everything still works fine")

    message = case.client_messages.get()
    assert message.kind == "follow_up" and message.to_email == dennis.email
    row = OutboxMessage.objects.get(key=message.outbox_key)
    assert "rate us from 1 to 5" in row.body_text
    url = next(word for word in row.body_text.split() if "/status/" in word)
    emailed = DennisBrowser(url.rstrip("/").rsplit("/", 1)[1])
    assert asks(emailed.open().content.decode())
    assert emailed.rate(4).status_code == 302 and ClientSurvey.objects.get(case=case).score == 4


@pytest.mark.django_db
def test_the_follow_up_email_waits_for_the_end_of_the_clients_quiet_hours(resolved_late, rep, dennis, frozen):
    """The call itself is never logged inside the quiet hours (delivery.follow_up_log); an invitation owed
    since, queued when the client's address is recorded at night, waits for their morning."""
    from tests.cases.test_client_survey_owed import details

    case, _ = resolved_late
    dennis.quiet_hours_start, dennis.quiet_hours_end = dt.time(22), dt.time(7)
    real, dennis.email = dennis.email, ""
    dennis.save()
    frozen.move_to(dt.datetime(2025, 7, 31, 8, 0, tzinfo=dt.UTC))  # 09:00 in London (BST)
    services.follow_up_log(user=rep, case=case, note="Dennis says everything still works fine")
    frozen.move_to(dt.datetime(2025, 7, 31, 21, 30, tzinfo=dt.UTC))  # 22:30 in London: quiet

    services.client_update(user=rep, client=dennis, case=case, **details(dennis, real))

    message = case.client_messages.get()
    assert message.send_after == dt.datetime(2025, 8, 1, 6, 0, tzinfo=dt.UTC)
    assert OutboxMessage.objects.get(key=message.outbox_key).next_attempt_at == message.send_after


@pytest.mark.django_db
def test_no_email_is_sent_when_the_client_has_no_address_and_the_link_given_out_does_not_rate(resolved_late, rep,
                                                                                              dennis):
    """The survey goes to the client's own address: with none, it waits for one (test_client_survey_owed);
    the link the team gave out never takes the rating."""
    case, given_out = resolved_late
    dennis.email = ""
    dennis.save()

    services.follow_up_log(user=rep, case=case, note="Dennis says everything still works fine")

    assert not case.client_messages.exists()
    assert case.events.filter(verb="survey not sent").exists()
    assert given_out.open().status_code == 410


@pytest.mark.django_db
def test_a_revoked_link_refuses_the_answer(followed_up, rep):
    case, dennis = followed_up
    dennis.open()
    with transaction.atomic():
        revoke_status_links(case=lock_case(case), actor=rep, why="Revoked by hand.", by_hand=True)

    response = dennis.rate(5)

    assert response.status_code == 410 and "This link is no longer valid" in response.content.decode()
    assert not ClientSurvey.objects.exists()


@pytest.mark.django_db
def test_an_open_case_is_not_asked_yet(rep, dennis, frozen):
    case = advance_to(open_case(rep, dennis), Step.DELIVER, rep)
    browser = DennisBrowser(token_of(rep, case))
    browser.open()

    response = browser.rate(5)

    assert response.status_code == 409
    assert not ClientSurvey.objects.exists()


# --- the team page -----------------------------------------------------------------------------------
def _answers(scores_and_days_ago, now):
    """Survey answers on fresh cases of one rep, given `days_ago` before `now`."""
    owner, client = RepFactory(), ClientFactory()
    cases = CaseFactory.create_batch(len(scores_and_days_ago), owner=owner, client=client)
    ClientSurvey.objects.bulk_create(
        ClientSurvey(case=c, score=score, given_at=now - dt.timedelta(days=ago))
        for c, (score, ago) in zip(cases, scores_and_days_ago))


@pytest.mark.django_db
def test_the_team_page_figure_equals_a_recomputation_over_the_window(boss):
    now = timezone.now()
    given = [(5, 1), (4, 3), (4, 10), (2, 29), (1, 31), (5, 45), (3, 0.5)]
    _answers(given, now)
    inside = [score for score, ago in given if ago < 30]

    response = boss.get(reverse("supervisor:dashboard"), {"days": 30})

    figure = response.context["figure"]
    assert figure.count == len(inside)
    assert figure.average == pytest.approx(sum(inside) / len(inside))
    counts = Counter(inside)
    assert [(row.score, row.count) for row in figure.distribution] == [(s, counts[s]) for s in range(1, 6)]
    assert [row.percent for row in figure.distribution] == [round(100 * counts[s] / len(inside)) for s in range(1, 6)]
    page = response.content.decode()
    assert f"Average <strong>{sum(inside) / len(inside):.1f}</strong> out of 5" in page
    assert f"({len(inside)} answers in the window)" in page


@pytest.mark.django_db
def test_the_team_page_says_so_when_nobody_answered_in_the_window(boss):
    _answers([(5, 40)], timezone.now())

    page = boss.get(reverse("supervisor:dashboard"), {"days": 30}).content.decode()

    assert "No client answered the satisfaction question in this window." in page


@pytest.mark.django_db
def test_the_figure_is_one_query_whatever_the_number_of_answers(db, django_assert_num_queries):
    now = timezone.now()
    _answers([(s % 5 + 1, s % 20 + 0.5) for s in range(200)], now)

    with django_assert_num_queries(1):
        figure = satisfaction_figure(window(30, now))

    assert figure.count == 200


@pytest.mark.django_db
def test_the_team_page_makes_as_many_queries_with_10_answers_as_with_200(boss):
    url = reverse("supervisor:dashboard")
    _answers([(s % 5 + 1, s % 20) for s in range(10)], timezone.now())
    boss.get(url)
    with CaptureQueriesContext(connection) as few:
        boss.get(url)
    _answers([(s % 5 + 1, s % 20) for s in range(190)], timezone.now())

    with CaptureQueriesContext(connection) as many:
        response = boss.get(url)

    assert response.context["figure"].count == 200
    assert len(many) == len(few)


@pytest.mark.django_db
def test_a_rep_at_the_email_limit_still_logs_the_follow_up_and_the_survey_invitation_goes(resolved_late, rep, settings):
    """The invitation is the tracker's own email, sent as part of logging the call: it is never charged
    to the rep's limit on emailing other people (cases/throttle.py), so the call is never refused for it."""
    from django.core.cache import cache

    case, _ = resolved_late
    cache.clear()
    settings.NOTIFY_OTHERS_RATES = ["1/m"]
    http = HttpClientForRep(rep)
    other = open_case(rep, ClientFactory())
    escalated = http.post(reverse("cases:escalate", args=[other.reference]),
                          {"reason": "other", "note": "The client wants the director to call him back"})
    assert escalated.status_code == 302 and other.escalations.exists()  # the rep's one email this minute

    response = http.post(reverse("cases:followup", args=[case.reference]),
                         {"note": "Dennis says everything still works fine"})

    assert response.status_code == 302
    assert case.deliveries.get().follow_up_logged_at is not None
    assert case.client_messages.get().kind == "follow_up"


def HttpClientForRep(rep):
    from django.test import Client as HttpClient

    http = HttpClient()
    http.force_login(rep)
    return http
