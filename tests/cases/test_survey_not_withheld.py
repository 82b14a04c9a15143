# ruff: noqa: F811 - the tests take the imported fixture `resolved_late` by name
"""The survey stays the client's (found by a padding review): revoking the client's link by hand after the
follow-up call, before they rated us, no longer takes the survey from them (a new invitation goes to their
address), and a client's address cannot be a teammate's (where the rep would get the invitation and rate
the case themselves)."""
import datetime as dt

import pytest
from django.utils import timezone

from cases import services
from cases.errors import CaseRuleError
from cases.models import ClientMessageKind, ClientSurvey, Step
from tests.cases.client_word_support import DennisBrowser, emailed_browser, token_of
from tests.cases.helpers import advance_to, open_case
from tests.cases.test_client_survey import NOW, resolved_late  # noqa: F401 - its clock and fixture (day 30)
from tests.cases.test_client_survey_owed import details
from tests.factories import SupervisorFactory

CALL_NOTE = "Dennis is not happy with how long it took"


def invitations(case):
    return case.client_messages.filter(kind=ClientMessageKind.FOLLOW_UP).order_by("pk")


@pytest.mark.django_db
def test_a_link_revoked_before_the_client_rated_sends_the_survey_again(resolved_late, rep, dennis):
    case, _ = resolved_late
    services.follow_up_log(user=rep, case=case, note=CALL_NOTE)
    first = invitations(case).get()
    assert emailed_browser(first).open().status_code == 200

    services.status_link_revoke(user=rep, case=case)

    assert emailed_browser(first).open().status_code == 410  # the link that may have reached the wrong hands
    again = invitations(case).last()
    assert again.pk != first.pk and again.to_email == dennis.email
    assert case.events.filter(verb="survey sent again").exists()
    browser = emailed_browser(again)
    assert browser.open().status_code == 200
    assert browser.rate(2).status_code == 302
    assert ClientSurvey.objects.get(case=case).score == 2

    services.status_link_revoke(user=rep, case=case)  # rated: nothing is owed any more
    assert invitations(case).count() == 2


@pytest.mark.django_db
def test_a_revoke_before_the_call_sends_nothing(resolved_late, rep):
    case, _ = resolved_late
    services.status_link_revoke(user=rep, case=case)
    assert not invitations(case).exists()


@pytest.mark.django_db
def test_the_invitations_link_opens_nothing_once_the_case_is_reopened(resolved_late, rep):
    """Found by a review: the final page opened for the invitation after a revoke by hand took the live
    version's number, so after a reopen the emailed link opened the whole case page (and could have
    answered "It works" at the next delivery)."""
    case, _ = resolved_late
    services.status_link_revoke(user=rep, case=case)
    services.follow_up_log(user=rep, case=case, note=CALL_NOTE)
    emailed = emailed_browser(invitations(case).get())
    assert emailed.open().status_code == 200

    services.case_reopen(user=rep, case=case, reason="Mail stopped again this morning")

    assert emailed.open().status_code == 410


@pytest.mark.django_db
def test_a_link_expired_before_the_case_closed_stays_expired(rep, dennis, frozen, settings):
    """Found by a review: closing made a link that had expired (its page told the client so) show the
    resolved page again, and after the call take the survey; the invitation's own link is the way in."""
    case = advance_to(open_case(rep, dennis), Step.DELIVER, rep)
    old = DennisBrowser(token_of(rep, case))
    old.open()
    services.delivery_record(user=rep, case=case, verified_with_client=True, client_satisfied=True,
                             prevention_note="Upgrades now run with a tested rollback",
                             follow_up_on=timezone.localdate(timezone=dennis.tz) + dt.timedelta(days=40))
    frozen.shift(dt.timedelta(days=settings.CLIENT_LINK_MAX_AGE_DAYS + 1))
    assert old.open().status_code == 410
    case = services.case_transition(user=rep, case=case, name="complete_deliver")

    assert old.open().status_code == 410
    frozen.shift(dt.timedelta(days=40))
    services.follow_up_log(user=rep, case=case, note=CALL_NOTE)
    assert old.open().status_code == 410
    emailed = emailed_browser(invitations(case).get())
    assert emailed.open().status_code == 200 and emailed.rate(4).status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("whose", ["rep", "supervisor"])
def test_a_client_s_address_cannot_be_a_teammate_s(resolved_late, rep, dennis, whose):
    case, _ = resolved_late
    address = (rep.email if whose == "rep" else SupervisorFactory().email).upper()  # in any case
    assert address
    with pytest.raises(CaseRuleError) as refused:
        services.client_update(user=rep, client=dennis, case=case, **details(dennis, address))
    assert refused.value.field == "email"
    with pytest.raises(CaseRuleError) as refused:
        services.client_create(user=rep, name="Dennis Two", email=address)
    assert refused.value.field == "email"
    dennis.refresh_from_db()
    assert dennis.email != address.lower()

    services.follow_up_log(user=rep, case=case, note=CALL_NOTE)
    assert invitations(case).get().to_email == dennis.email  # the client's, never the team's


@pytest.mark.django_db
def test_a_teammate_writing_in_opens_a_case_whose_client_has_no_address_of_theirs(rep):
    from cases.services.client_mail import case_open_from_mail

    case = case_open_from_mail(sender=rep.email.upper(), sender_name="Rep at home", subject="Printer broken",
                               text="The printer on floor two is broken again")

    assert case.client.email == ""
    stranger = case_open_from_mail(sender="priya@shop.example", sender_name="Priya", subject="Checkout broken",
                                   text="Our checkout page fails")
    assert stranger.client.email == "priya@shop.example"
