"""The case page draws up front only the forms of the blocks its step works; every other form the user
may use is a part, drawn when opened: with htmx from cases:case_part, without JavaScript by the same
page with ?open=<key>. A refused post brings its part back open with the input and the error. The
timeline shows the latest events, the whole of it one click away."""
import re

from django.urls import reverse

from cases.models import CaseEvent, Step
from tests.cases.helpers import advance_to, open_case, plan_ready
from tests.cases.views_support import HTMX, page_of, url


def part(case, key):
    return reverse("cases:case_part", args=[case.reference, key])


def test_the_page_ships_the_escalation_form_only_as_a_link_to_open_it(rep_client, case):
    html = rep_client.get(page_of(case)).content.decode()

    assert "Escalate to a supervisor" in html
    assert f'action="{url("escalate", case)}"' not in html
    assert f'hx-get="{part(case, "escalate")}"' in html
    assert f'href="{page_of(case)}?open=escalate#part-escalate"' in html


def test_without_javascript_the_link_draws_the_form_open_in_the_page(rep_client, case):
    html = rep_client.get(page_of(case), {"open": "escalate"}).content.decode()

    assert '<details id="part-escalate" open>' in html
    assert f'action="{url("escalate", case)}"' in html


def test_with_htmx_opening_it_fetches_just_the_form(rep_client, case):
    response = rep_client.get(part(case, "escalate"), headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert f'action="{url("escalate", case)}"' in html and "<html" not in html


def test_the_part_url_without_htmx_sends_the_browser_to_the_page_with_it_open(rep_client, case):
    response = rep_client.get(part(case, "escalate"))

    assert response.status_code == 302
    assert response.url == f"{page_of(case)}?open=escalate#part-escalate"


def test_a_refused_post_brings_the_part_back_open_with_the_input_and_the_error(rep_client, case):
    response = rep_client.post(url("escalate", case), {"reason": "bogus", "note": "The host will not answer"})

    html = response.content.decode()
    assert response.status_code == 422
    assert '<details id="part-escalate" open>' in html
    assert "The host will not answer" in html and 'id="id_escalate_reason_error"' in html


def test_a_part_the_user_is_not_offered_is_not_found(rep_client, case):
    assert rep_client.get(part(case, "reassign"), headers=HTMX).status_code == 404
    assert rep_client.get(part(case, "no-such-part"), headers=HTMX).status_code == 404


def test_a_supervisor_opens_the_reassign_form(boss, case):
    response = boss.get(part(case, "reassign"), headers=HTMX)

    assert response.status_code == 200 and f'action="{url("reassign", case)}"' in response.content.decode()


def test_an_earlier_steps_block_shows_its_records_and_draws_its_forms_when_opened(rep_client, rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.PLAN, rep)

    page = rep_client.get(page_of(case)).content.decode()
    opened = rep_client.get(part(case, "concerns"), headers=HTMX).content.decode()
    no_js = rep_client.get(page_of(case), {"open": "concerns"}).content.decode()

    concerns = page.split('id="blk-concerns"')[1].split("</details>")[0]
    assert "Website and business email have been down" in concerns
    assert f'action="{url("concern_add", case)}"' not in page
    assert f'hx-get="{part(case, "concerns")}"' in concerns
    assert f'action="{url("concern_add", case)}"' in opened
    assert f'action="{url("concern_add", case)}"' in no_js


def test_the_items_of_the_current_step_offer_edit_and_cancel_as_parts(rep_client, rep, dennis):
    case = plan_ready(advance_to(open_case(rep, dennis), Step.PLAN, rep), rep)
    item = case.action_items.get()

    html = rep_client.get(page_of(case)).content.decode()
    edit = rep_client.get(part(case, f"item_edit:{item.pk}"), headers=HTMX).content.decode()

    assert f'action="{url("item_add", case)}"' in html  # the step's own form, up front
    assert f'action="{url("item_edit", case, item.pk)}"' not in html
    assert f'id="part-item_edit-{item.pk}"' in html and f'id="part-item_cancel-{item.pk}"' in html
    assert f'action="{url("item_edit", case, item.pk)}"' in edit and "Restore the mail server" in edit


def test_the_timeline_shows_the_latest_events_and_the_whole_of_it_on_request(rep_client, rep, case):
    CaseEvent.objects.bulk_create([CaseEvent(case=case, actor=rep, verb=f"note number {i}") for i in range(40)])

    page = rep_client.get(page_of(case)).content.decode()
    whole = rep_client.get(part(case, "timeline"), headers=HTMX).content.decode()

    assert len(re.findall(r'class="timeline__event', page)) == 15
    assert f'hx-get="{part(case, "timeline")}"' in page and "Show the whole timeline" in page
    assert len(re.findall(r'class="timeline__event', whole)) == case.events.count()
