"""A post from a page gone stale (the item a teammate has just completed) is refused at the top of the page,
whose form is not there any more: without JavaScript the page says back what the rep wrote, so nothing
typed is lost (with htmx the browser keeps the block as it was: cases/views/case.py)."""
import datetime as dt

from django.utils import timezone

from cases import services
from cases.models import ItemKind, Step
from tests.cases.helpers import advance_to, open_case
from tests.cases.views_support import HTMX, url

TYPED = "Replace the toner cartridge and reboot the print server tonight"


def _done_item(rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    item = case.action_items.get()
    services.action_item_complete(user=rep, item=item, note="")
    return case, item


def _edit(case, item):
    due = (timezone.now() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    return {"description": TYPED, "kind": ItemKind.FIX, "assignee": case.owner_id, "due_at": due}


def test_a_stale_item_edit_without_javascript_is_refused_and_says_back_what_was_typed(rep_client, rep, dennis):
    case, item = _done_item(rep, dennis)

    response = rep_client.post(url("item_edit", case, item.pk), _edit(case, item))

    html = response.content.decode()
    assert response.status_code == 422
    assert "This item is already done." in html
    assert TYPED in html
    item.refresh_from_db()
    assert item.description != TYPED


def test_over_htmx_the_block_is_left_as_it_is_and_nothing_is_repeated(rep_client, rep, dennis):
    case, item = _done_item(rep, dennis)

    response = rep_client.post(url("item_edit", case, item.pk), _edit(case, item), headers=HTMX)

    assert response.status_code == 422 and response["HX-Reswap"] == "none"
    assert TYPED not in response.content.decode()
