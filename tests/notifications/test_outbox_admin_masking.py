"""The outbox admin shows an email's subject and recipients only to whoever may open its case, as its body
(notifications.admin._may_read): the subject names the client and the case, "to" holds the client's address.
An operator who may not open the case still sees the row (to retry it) and finds it by its case reference,
but neither reads those words nor finds the row by them. Found by an audit."""
import itertools

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from notifications.admin import HIDDEN
from notifications.models import OutboxMessage, OutboxStatus
from tests.cases.helpers import open_case
from tests.factories import ClientFactory, StaffProfileFactory, UserFactory
from tests.notifications.test_retry_undone_update import MIN, T0, _retry, gave_up, row_of  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

LIST = "admin:notifications_outboxmessage_changelist"
SUBJECT_NAME, ADDRESS = "Quigley", "sid.quigley@clientmail.example"
_KEYS = itertools.count(1)


def _outbox_viewer(user):
    user.is_staff = True
    user.save()
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="notifications", codename__in=["view_outboxmessage", "change_outboxmessage"]))
    return user


@pytest.fixture
def operator(db):
    """Staff with the outbox only (as seed_demo's `ops`): not a rep, not a supervisor."""
    return _outbox_viewer(UserFactory(username="ops"))


def _email(case, subject=f"Update on your case, Sid {SUBJECT_NAME}", to=ADDRESS):
    return OutboxMessage.objects.create(
        key=f"client-message:{next(_KEYS)}", kind="client_message", to=[to],
        subject=subject, body_text="Your mail is being restored.", case=case, status=OutboxStatus.FAILED,
        attempts=8, last_error="SMTP outage")


@pytest.fixture
def sids_email(db):
    rep = StaffProfileFactory().user
    return _email(open_case(rep, ClientFactory(name=f"Sid {SUBJECT_NAME}")))


def _page(client, user, url, **params):
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200
    return response


def test_the_list_hides_the_subject_and_recipients_of_an_email_whose_case_the_operator_may_not_open(
        client, operator, sids_email):
    page = _page(client, operator, reverse(LIST)).content.decode()

    assert HIDDEN in page and "SMTP outage" in page  # the row is there, to retry
    assert SUBJECT_NAME not in page and ADDRESS not in page and sids_email.case.reference not in page


def test_the_row_page_hides_its_subject_and_recipients_as_its_body(client, operator, sids_email):
    page = _page(client, operator, reverse("admin:notifications_outboxmessage_change",
                                           args=[sids_email.pk])).content.decode()

    assert SUBJECT_NAME not in page and ADDRESS not in page
    assert sids_email.case.summary not in page  # the case is named by its reference only


def test_the_row_history_does_not_name_the_recipients(client, operator, sids_email):
    page = _page(client, operator, reverse("admin:notifications_outboxmessage_history",
                                           args=[sids_email.pk])).content.decode()

    assert ADDRESS not in page and f"email #{sids_email.pk}" in page


def test_the_operator_does_not_find_the_email_by_the_clients_name_or_address(client, operator, sids_email):
    by_name = _page(client, operator, reverse(LIST), q=SUBJECT_NAME).context["cl"]
    by_address = _page(client, operator, reverse(LIST), q=ADDRESS).context["cl"]

    assert by_name.result_count == 0 and by_address.result_count == 0


def test_the_operator_finds_the_email_by_its_case_reference_and_reads_it_masked(client, operator, sids_email):
    found = _page(client, operator, reverse(LIST), q=sids_email.case.reference)

    assert list(found.context["cl"].result_list) == [sids_email]
    assert HIDDEN in found.content.decode() and SUBJECT_NAME not in found.content.decode()


def test_the_subject_search_finds_the_emails_of_no_case_and_not_those_of_cases_they_may_not_open(
        client, operator, sids_email):
    email = _email(None, subject="Update on the sweeps, weekly digest", to="team@example.com")

    found = _page(client, operator, reverse(LIST), q="Update")

    assert list(found.context["cl"].result_list) == [email]
    assert "Update on the sweeps, weekly digest" in found.content.decode()


def test_a_rep_restricted_to_their_cases_reads_and_finds_their_own_emails_only(client, settings, sids_email):
    settings.REPS_SEE_OWN_CASES_ONLY = True
    me = StaffProfileFactory().user
    mine = _email(open_case(me, ClientFactory(name="Vera Quigley")), subject="Update on your case, Vera Quigley",
                  to="vera@clientmail.example")
    _outbox_viewer(me)

    found = _page(client, me, reverse(LIST), q=SUBJECT_NAME)

    assert list(found.context["cl"].result_list) == [mine]
    page = _page(client, me, reverse(LIST)).content.decode()
    assert "Vera Quigley" in page and "vera@clientmail.example" in page
    assert f"Sid {SUBJECT_NAME}" not in page and ADDRESS not in page


def test_the_search_that_finds_an_email_for_a_supervisor_finds_nothing_for_the_operator(
        client, operator, sids_email):
    from tests.factories import SupervisorFactory

    boss = _outbox_viewer(SupervisorFactory())

    for_boss = _page(client, boss, reverse(LIST), q=SUBJECT_NAME)
    for_operator = _page(client, operator, reverse(LIST), q=SUBJECT_NAME)

    assert list(for_boss.context["cl"].result_list) == [sids_email]
    assert f"Sid {SUBJECT_NAME}" in for_boss.content.decode() and ADDRESS in for_boss.content.decode()
    assert list(for_operator.context["cl"].result_list) == []


def test_retry_now_names_a_withdrawn_email_by_its_number_not_its_subject(client, operator, gave_up):  # noqa: F811
    _, message, _ = gave_up
    row = row_of(message)
    client.force_login(operator)

    said = _retry(client, [row], T0 + 55 * MIN)

    refusal = next(m for m in said if f"#{row.pk}" in m)
    assert HIDDEN in refusal and row.subject not in refusal
