"""A case that has run for days keeps its page short: the latest status updates are shown and the older
ones are one click away, as are the promises already settled (cases.views.parts.LISTS). With htmx the
list is fetched as its <details> opens; without JavaScript its link draws the page with it open."""
import datetime as dt
import re

from django.urls import reverse
from django.utils import timezone

from cases.models import Channel, Mood, Promise, PromiseKind, PromiseStatus, StatusUpdate, Step
from cases.views.parts import UPDATES_LATEST
from tests.cases.helpers import advance_to
from tests.cases.views_support import HTMX, page_of

NOW = timezone.now()


def part(case, key):
    return reverse("cases:case_part", args=[case.reference, key])


def give_updates(case, n):
    StatusUpdate.objects.bulk_create([
        StatusUpdate(case=case, given_at=NOW - dt.timedelta(minutes=n - i), channel=Channel.PHONE,
                     summary=f"Progress report number {i:02d}", client_mood=Mood.CALM, created_by=case.owner)
        for i in range(n)])


def settle_promises(case, n):
    Promise.objects.bulk_create([
        Promise(case=case, kind=PromiseKind.STATUS_UPDATE, due_at=NOW - dt.timedelta(hours=n - i),
                owner=case.owner, status=PromiseStatus.KEPT, kept_at=NOW - dt.timedelta(hours=n - i, minutes=5),
                source=f"Kept word number {i:02d}") for i in range(n)])


def reports(html):
    return re.findall(r"Progress report number (\d\d)", html)


def test_the_page_shows_the_latest_updates_and_the_older_ones_when_opened(rep_client, rep, case):
    advance_to(case, Step.MANAGE_ANXIETY, rep)
    give_updates(case, UPDATES_LATEST + 4)

    page = rep_client.get(page_of(case)).content.decode()
    older = rep_client.get(part(case, "older_updates"), headers=HTMX).content.decode()

    assert reports(page) == [f"{i:02d}" for i in range(UPDATES_LATEST + 3, 3, -1)]  # newest first
    assert "4 earlier updates" in page and f'hx-get="{part(case, "older_updates")}"' in page
    assert f'href="{page_of(case)}?open=older_updates#updates-older"' in page
    assert reports(older) == ["03", "02", "01", "00"] and "<html" not in older


def test_without_javascript_the_link_draws_every_update_in_the_page(rep_client, rep, case):
    advance_to(case, Step.MANAGE_ANXIETY, rep)
    give_updates(case, UPDATES_LATEST + 2)

    response = rep_client.get(part(case, "older_updates"))
    page = rep_client.get(response["Location"]).content.decode()

    assert response.status_code == 302 and response["Location"].endswith("?open=older_updates#updates-older")
    assert len(reports(page)) == UPDATES_LATEST + 2
    assert '<details class="updates__older" id="updates-older" open>' in page


def test_an_earlier_steps_updates_block_opens_to_show_its_older_updates(rep_client, rep, case):
    case = advance_to(case, Step.MANAGE_ANXIETY, rep)
    give_updates(case, UPDATES_LATEST + 1)
    advance_to(case, Step.RESOLVED, rep)  # updates are an earlier step's block now

    closed = rep_client.get(page_of(case)).content.decode()
    opened = rep_client.get(page_of(case), {"open": "older_updates"}).content.decode()

    assert '<details class="block block--updates" id="blk-updates">' in closed
    assert '<details class="block block--updates" id="blk-updates" open' in opened
    assert len(reports(opened)) == UPDATES_LATEST + 1


def test_a_few_updates_are_all_shown_with_nothing_to_open(rep_client, rep, case):
    advance_to(case, Step.MANAGE_ANXIETY, rep)
    give_updates(case, 3)

    page = rep_client.get(page_of(case)).content.decode()

    assert reports(page) == ["02", "01", "00"] and "updates-older" not in page


def test_the_settled_promises_are_counted_on_the_page_and_listed_when_opened(rep_client, rep, case):
    settle_promises(case, 12)

    page = rep_client.get(page_of(case)).content.decode()
    history = rep_client.get(part(case, "promise_history"), headers=HTMX).content.decode()
    inline = rep_client.get(page_of(case), {"open": "promise_history"}).content.decode()

    assert "<summary>History (12)</summary>" in page and "Kept word number" not in page
    assert f'hx-get="{part(case, "promise_history")}"' in page
    assert len(re.findall(r"Kept word number \d\d", history)) == 12 and "<html" not in history
    assert '<details class="promises__history" id="promise-history" open>' in inline
    assert len(re.findall(r"Kept word number \d\d", inline)) == 12


def test_a_case_with_no_settled_promise_has_no_history_to_open(rep_client, case):
    assert "promise-history" not in rep_client.get(page_of(case)).content.decode()
