"""The client page (/clients/<pk>/): contact details, every case of theirs the viewer may see, our
promises to them (kept, broken, the keeping rate, which ones broke) and their mood over time."""
import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import services
from cases.models import Channel, Mood, Promise, PromiseKind, PromiseStatus, Step
from cases.selectors_clients import BROKEN_SHOWN, CASES_PER_PAGE
from cases.services import automation
from tests.cases.helpers import advance_to, open_case
from tests.cases.views_support import page_of
from tests.factories import CaseFactory, ClientFactory, RepFactory

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)
MIN = dt.timedelta(minutes=1)
DAY = dt.timedelta(days=1)


def at(moment):
    return time_machine.travel(moment, tick=False)


def page(client_record):
    return reverse("cases:client_detail", args=[client_record.pk])


def _break_what_is_due(now):
    with at(now):
        for row in automation.broken_promise_candidates(now, 100):
            automation.promise_break_overdue(row, now)


def _case_with_a_kept_and_a_broken_update(rep, client_record):
    """Opened upset; hourly phone updates agreed at T0; one logged in time (the client calm), the next
    missed and broken by the sweep."""
    with at(T0):
        case = advance_to(open_case(rep, client_record, temperature=Mood.UPSET), Step.MANAGE_ANXIETY, rep)
    with at(T0 + 30 * MIN):
        services.status_update_log(user=rep, case=case, channel=Channel.PHONE, client_mood=Mood.CALM,
                                   summary="The mail server is being restored, back within two hours")
    _break_what_is_due(T0 + 150 * MIN)
    return case


def _delivered_case(rep, client_record):
    """Opened anxious a day later, recorded angry, then delivered with the client satisfied."""
    with at(T0 + DAY):
        case = open_case(rep, client_record, temperature=Mood.ANXIOUS)
    with at(T0 + DAY + 5 * MIN):
        services.case_set_temperature(user=rep, case=case, temperature=Mood.ANGRY)
    with at(T0 + DAY + 10 * MIN):
        case = advance_to(case, Step.DELIVER, rep)
        services.delivery_record(user=rep, case=case, verified_with_client=True, client_satisfied=True,
                                 prevention_note="Upgrades now run with a tested rollback first",
                                 follow_up_on=(T0 + 9 * DAY).date(), client_mood=Mood.SATISFIED)
        case.refresh_from_db()
        return services.case_transition(user=rep, case=case, name="complete_deliver")


def _trend_moods(html):
    chips = re.search(r'<ol class="trend__chips">(.*?)</ol>', html, re.S).group(1)
    return re.findall(r"mood--(\w+)", chips)


def test_the_client_page_shows_their_contact_details(rep_client, rep):
    dennis = ClientFactory(name="Dennis Hale", organisation="Hale Internet Ltd", email="dennis@hale.example",
                           phone="+1 212 555 0101", time_zone="America/New_York",
                           quiet_hours_start=dt.time(21, 0), quiet_hours_end=dt.time(7, 0))
    open_case(rep, dennis)

    html = rep_client.get(page(dennis)).content.decode()

    assert "Dennis Hale" in html and "Hale Internet Ltd" in html
    assert 'href="mailto:dennis@hale.example"' in html and 'href="tel:+1 212 555 0101"' in html
    assert "America/New_York" in html and "21:00–07:00 their time" in html


def test_the_client_page_lists_open_and_past_cases_with_step_owner_and_dates(rep_client, rep, dennis):
    open_one = open_case(rep, dennis)
    past_one = _delivered_case(rep, dennis)

    html = rep_client.get(page(dennis)).content.decode()

    open_part, past_part = html.split("Past cases (1)")
    assert "Open cases (1)" in open_part
    assert f'href="{page_of(open_one)}"' in open_part and "Identify the concerns" in open_part
    assert f'href="{page_of(past_one)}"' in past_part
    assert (T0 + DAY).strftime("%-d %b %Y") in past_part  # opened and resolved that day
    assert (rep.get_full_name() or rep.username) in html


def test_kept_and_broken_counts_and_the_keeping_rate_match_the_ledger(rep_client, rep, dennis):
    _case_with_a_kept_and_a_broken_update(rep, dennis)
    _delivered_case(rep, dennis)
    ledger = Promise.objects.filter(case__client=dennis)
    kept, broken = ledger.filter(status=PromiseStatus.KEPT).count(), ledger.filter(status=PromiseStatus.BROKEN).count()

    html = rep_client.get(page(dennis)).content.decode()

    assert kept >= 1 and broken >= 1
    assert f"{kept} kept" in html and f"{broken} broken" in html
    assert f"{round(100 * kept / (kept + broken))}% kept" in html


def test_each_broken_promise_is_listed_with_what_was_promised_when_and_on_which_case(rep_client, rep, dennis):
    case = _case_with_a_kept_and_a_broken_update(rep, dennis)
    broken = Promise.objects.get(case=case, status=PromiseStatus.BROKEN)

    html = rep_client.get(page(dennis)).content.decode()

    listed = html.split("Broken promises (1)")[1]
    assert broken.kind == PromiseKind.STATUS_UPDATE
    assert broken.source in listed and "Status update" in listed
    assert broken.due_at.strftime("%-d %b %Y %H:%M") in listed
    assert case.reference in listed


def test_the_mood_over_time_runs_through_every_recorded_mood_in_order(rep_client, rep, dennis):
    _case_with_a_kept_and_a_broken_update(rep, dennis)
    _delivered_case(rep, dennis)

    html = rep_client.get(page(dennis)).content.decode()

    assert _trend_moods(html) == ["upset", "calm", "anxious", "angry", "satisfied"]


def test_the_case_page_links_the_clients_name_to_their_page(rep_client, case):
    html = rep_client.get(page_of(case)).content.decode()

    assert f'href="{page(case.client)}"' in html


def test_an_unknown_client_is_not_found(rep_client):
    assert rep_client.get("/clients/999999/").status_code == 404
    assert rep_client.get("/clients/99999999999999999999/").status_code == 404


def test_another_rep_sees_the_client_page_by_default(client, rep, other_rep, dennis):
    case = open_case(rep, dennis)
    client.force_login(other_rep)

    response = client.get(page(dennis))

    assert response.status_code == 200
    assert case.reference in response.content.decode()


@override_settings(REPS_SEE_OWN_CASES_ONLY=True)
def test_a_rep_restricted_to_their_own_cases_gets_404_for_a_client_without_one(client, rep, other_rep, dennis):
    open_case(rep, dennis)
    client.force_login(other_rep)

    response = client.get(page(dennis))

    assert response.status_code == 404


@override_settings(REPS_SEE_OWN_CASES_ONLY=True)
def test_a_restricted_rep_sees_only_their_own_cases_of_the_client(client, rep, other_rep, dennis):
    theirs, mine = open_case(rep, dennis), open_case(other_rep, dennis)
    client.force_login(other_rep)

    html = client.get(page(dennis)).content.decode()

    assert mine.reference in html and theirs.reference not in html


def _add_cases(client_record, n):
    for i in range(n):
        case = CaseFactory(client=client_record, owner=RepFactory(), summary=f"Complaint {i}")
        Promise.objects.create(case=case, kind=PromiseKind.STATUS_UPDATE, due_at=T0 - DAY, owner=case.owner,
                               status=PromiseStatus.BROKEN, source=f"Update for complaint {i}")
        Promise.objects.create(case=case, kind=PromiseKind.ETA, due_at=T0 + DAY, owner=case.owner,
                               source=f"Fixed by the latest estimate {i}")


@pytest.mark.django_db
def test_the_client_page_costs_the_same_queries_for_3_cases_as_for_30(rep_client, dennis):
    _add_cases(dennis, 3)
    with CaptureQueriesContext(connection) as few:
        assert rep_client.get(page(dennis)).status_code == 200
    _add_cases(dennis, 27)

    with CaptureQueriesContext(connection) as many:
        html = rep_client.get(page(dennis)).content.decode()

    assert "Open cases (30)" in html and "Broken promises (30)" in html
    assert len(many) == len(few)


@pytest.mark.django_db
def test_a_client_with_many_cases_gets_them_in_pages(rep_client, dennis):
    _add_cases(dennis, CASES_PER_PAGE + 5)

    first = rep_client.get(page(dennis)).content.decode()
    second = rep_client.get(page(dennis), {"open": 2}).content.decode()

    assert f"Open cases ({CASES_PER_PAGE + 5})" in first and "Page 1 of 2" in first
    assert "?open=2&amp;past=1#open-cases" in first
    assert first.count("Complaint ") == CASES_PER_PAGE and second.count("Complaint ") == 5
    assert f"Complaint {CASES_PER_PAGE + 4}<" in first and "Complaint 0<" in second  # newest first


@pytest.mark.django_db
def test_only_the_latest_broken_promises_are_listed_but_all_are_counted(rep_client, dennis):
    _add_cases(dennis, BROKEN_SHOWN + 5)

    html = rep_client.get(page(dennis)).content.decode()

    listed = html.split('class="measures client-broken"')[1].split("</table>")[0]
    assert f"Broken promises ({BROKEN_SHOWN + 5})" in html and listed.count("<tr>") == 1 + BROKEN_SHOWN
    assert "5 earlier broken promises count in the figures above" in html


@pytest.mark.django_db
@pytest.mark.parametrize("param", ["open", "past"])
@pytest.mark.parametrize("number", ["99999999999999999999", str(2**62), "-5", "x"])
def test_a_page_number_of_any_size_shows_a_page(rep_client, dennis, param, number):
    _add_cases(dennis, CASES_PER_PAGE + 5)

    response = rep_client.get(page(dennis), {param: number})

    assert response.status_code == 200 and "Open cases" in response.content.decode()
