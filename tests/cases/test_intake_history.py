"""Picking an existing client at intake shows their open and recent cases ("third complaint in 60
days"): with htmx from a small partial endpoint, without JavaScript after a refused post."""
import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from cases.models import Mood, Step
from cases.selectors_clients import ordinal
from tests.cases.views_support import HTMX
from tests.factories import CaseFactory, RepFactory, UserFactory

DAY = dt.timedelta(days=1)


def history_of(client_record):
    return reverse("cases:client_history", args=[client_record.pk])


def _opened(client_record, days_ago, *, owner=None, step=Step.IDENTIFY, summary="Invoices sent twice"):
    case = CaseFactory(client=client_record, owner=owner or RepFactory(), summary=summary,
                       opened_at=timezone.now() - days_ago * DAY)
    type(case).objects.filter(pk=case.pk).update(step=step)  # the FSM field is protected
    return case


def test_a_client_with_two_earlier_cases_in_60_days_is_on_their_third_complaint(rep_client, dennis):
    first = _opened(dennis, 40, step=Step.RESOLVED, summary="Refund never arrived")
    second = _opened(dennis, 10, step=Step.PLAN, summary="Website down again")
    _opened(dennis, 90, step=Step.RESOLVED, summary="An old billing question")

    html = rep_client.get(history_of(dennis), headers=HTMX).content.decode()

    assert "third complaint in 60 days" in html.lower()
    assert first.reference in html and "Refund never arrived" in html
    assert second.reference in html and "Website down again" in html and "Plan the action" in html
    assert second.owner.username in html or second.owner.get_full_name() in html
    assert "An old billing question" not in html


def test_an_open_case_older_than_the_window_is_listed_but_not_counted(rep_client, dennis):
    old_open = _opened(dennis, 120, step=Step.MANAGE_ANXIETY, summary="Still waiting on the parts")

    html = rep_client.get(history_of(dennis)).content.decode()

    assert "first complaint in 60 days" in html.lower()
    assert old_open.reference in html


def test_the_client_select_asks_for_the_history_with_htmx_on_change(rep_client, dennis):
    _opened(dennis, 5)

    form_html = rep_client.get(reverse("cases:case_new")).content.decode()
    picked = rep_client.get(reverse("cases:client_history_picked"), {"client": dennis.pk}, headers=HTMX)

    assert f'hx-get="{reverse("cases:client_history_picked")}"' in form_html
    assert 'id="client-history"' in form_html
    assert "second complaint in 60 days" in picked.content.decode().lower()


@pytest.mark.parametrize("value", ["", "abc", "999999", "99999999999999999999"])
def test_nothing_picked_or_a_forged_client_gives_an_empty_history(rep_client, value):
    response = rep_client.get(reverse("cases:client_history_picked"), {"client": value}, headers=HTMX)

    assert response.status_code == 200
    assert "complaint in" not in response.content.decode()


def test_without_javascript_a_refused_post_shows_the_chosen_clients_history(rep_client, dennis):
    earlier = _opened(dennis, 3, summary="Email bounced all week")

    response = rep_client.post(reverse("cases:case_new"), {"client": dennis.pk, "summary": "",
                                                            "temperature": Mood.ANXIOUS})

    html = response.content.decode()
    assert response.status_code == 422
    assert "second complaint in 60 days" in html.lower()
    assert earlier.reference in html


@override_settings(REPS_SEE_OWN_CASES_ONLY=True)
def test_a_restricted_rep_sees_only_their_own_cases_in_the_history(client, rep, other_rep, dennis):
    theirs, mine = _opened(dennis, 3, owner=rep), _opened(dennis, 4, owner=other_rep)
    client.force_login(other_rep)

    html = client.get(history_of(dennis)).content.decode()

    assert mine.reference in html and theirs.reference not in html


def test_only_people_who_log_cases_may_ask_for_a_history(client, dennis):
    client.force_login(UserFactory())  # no role: not a rep, not a supervisor

    assert client.get(history_of(dennis)).status_code == 403


@pytest.mark.parametrize("n, word", [(1, "first"), (2, "second"), (3, "third"), (4, "4th"), (5, "5th"),
                                     (11, "11th"), (12, "12th"), (21, "21st"), (22, "22nd"), (23, "23rd")])
def test_complaints_are_counted_in_words_then_in_figures(n, word):
    assert ordinal(n) == word


@pytest.mark.django_db
def test_a_critical_by_date_typed_alone_is_refused_beside_the_description_not_dropped(rep_client, dennis):
    from django.urls import reverse

    from cases.models import Case, Mood

    data = {"client": dennis.pk, "summary": "Website and email down", "temperature": Mood.ANXIOUS,
            "impact_deadline": "2027-01-10T10:00"}

    response = rep_client.post(reverse("cases:case_new"), data)

    assert response.status_code == 422
    assert response.context["form"].errors["description"] == ["Describe the concern before saving it."]
    assert 'value="2027-01-10T10:00"' in response.content.decode()  # what was typed is kept
    assert not Case.objects.exists()


def test_a_case_the_client_s_email_opened_is_offered_to_claim_instead_of_a_new_case(rep_client, rep, dennis):
    """The client emailed, then called: the history says the email's case waits for an owner and links to it, in
    a new tab where it is claimed, so what the rep typed on the intake form stays (found by a red team: a claim
    button posting the intake form dropped it, and a claim lost to a teammate led to the inbox)."""
    from cases.services.client_mail import case_open_from_mail

    dennis.email = "dennis@shop.example"
    dennis.save()
    emailed = case_open_from_mail(sender="dennis@shop.example", sender_name="Dennis", subject="Shop is down",
                                  text="Nothing loads since this morning.")

    html = rep_client.get(history_of(dennis), headers=HTMX).content.decode()

    page = reverse("cases:case_detail", args=[emailed.reference])
    assert "nobody owns it yet" in html and f'href="{page}#client-mail" target="_blank"' in html
    assert f"Claim {emailed.reference} instead" in html and "formaction" not in html
    assert 'id="client-mail"' in rep_client.get(page).content.decode()  # the claim is there
