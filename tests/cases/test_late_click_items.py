"""A form drawn for an action item acts on the item it showed (cases.services.marks.item_mark,
item_changed_since): an edit drawn before the due time was renegotiated or the item reworded does not put
the old time or words back, and "Done" or "Cancel" drawn before such a change does not settle the new
promise. The refusal keeps what was typed, and the form comes back marking the item as it is now."""
import datetime as dt
import html as htmllib
import re

import pytest
from django.test import Client as HttpClient

from cases import services
from cases.models import ItemStatus, PromiseKind, PromiseStatus, Step
from cases.services import marks
from tests.cases.helpers import advance_to, open_case, plan_ready
from tests.cases.views_support import HTMX, local, page_of, url

NOW = dt.datetime(2025, 7, 1, 9, 0, tzinfo=dt.UTC)
AGREED = {"agreed_channel": "phone", "agreed_text": "Dennis said that is fine by him"}
NEW_WORDS = "Move the shop's mail to the new host and restore every mailbox"
LATER = NOW + dt.timedelta(hours=8)


@pytest.fixture
def tom(other_rep):
    return other_rep


@pytest.fixture
def item(frozen, rep, tom, dennis):
    """An item of `rep`'s agreed plan, held by Tom, due in three hours."""
    case = advance_to(open_case(rep, dennis), Step.PLAN, rep)
    plan_ready(case, rep, assignee=tom)
    case = services.case_transition(user=rep, case=case, name="complete_plan")
    return case.action_items.get()


def _signed_in(user):
    http = HttpClient()
    http.force_login(user)
    return http


def _shown(page, form_id):
    """The item mark a form was drawn with, as the browser sends it back (line breaks as CR LF); "" if none."""
    match = re.search(r'<input type="hidden" name="item_shown" value="([^"]*)"[^>]*id="%s"' % form_id, page)
    return htmllib.unescape(match.group(1)).replace("\n", "\r\n") if match else ""


def _done_shown(page, item):
    """The mark the "Mark done" button (case_page.item_shown_field) was drawn with."""
    form = re.search(r'action="%s".*?</form>' % re.escape(url("item_done", item.case, item.pk)), page, re.S)
    assert form, "no Mark done button on the page"
    match = re.search(r'name="item_shown" value="([^"]*)"', form.group(0))
    return htmllib.unescape(match.group(1)).replace("\n", "\r\n") if match else ""


def _renegotiated(supervisor, item):
    promise = item.case.promises.get(kind=PromiseKind.ACTION_ITEM, status=PromiseStatus.PENDING)
    services.promise_renegotiate(user=supervisor, promise=promise, new_due_at=LATER, agreed_channel="phone",
                                 agreed_text="Dennis agreed to wait until this evening")
    item.refresh_from_db()
    return item


def _reworded(rep, tom, item, words=NEW_WORDS):
    services.action_item_update(user=rep, item=item, description=words, kind=item.kind, assignee=tom,
                                due_at=item.due_at, agreed_channel="phone",
                                agreed_text="Dennis agreed the mail moves to the new host", assignee_shown=tom.pk)
    item.refresh_from_db()
    return item


def _edit_form(item, shown, **changes):
    return {"description": item.description, "kind": item.kind, "assignee": str(item.assignee_id),
            "due_at": item.due_at.strftime("%Y-%m-%dT%H:%M"), "assignee_shown": str(item.assignee_id),
            "item_shown": shown, **changes}


def _pending(item):
    return item.case.promises.get(kind=PromiseKind.ACTION_ITEM, status=PromiseStatus.PENDING)


def test_an_edit_drawn_before_a_renegotiation_does_not_move_the_deadline_back(rep, supervisor, item):
    http = _signed_in(rep)
    page = http.get(page_of(item.case) + f"?open=item_edit:{item.pk}").content.decode()
    form = _edit_form(item, _shown(page, f"id_item_edit_{item.pk}_item_shown"),
                      description="Restore the mail server and the mailboxes from backup", **AGREED)
    _renegotiated(supervisor, item)

    response = http.post(url("item_edit", item.case, item.pk), form, headers=HTMX)

    item.refresh_from_db()
    assert response.status_code == 422
    assert (f'id="id_item_edit_{item.pk}_due_at_error">Since this page was opened the due time moved to'
            in response.content.decode())
    assert item.due_at == LATER and _pending(item).due_at == LATER
    assert item.description == "Restore the mail server from backup"


def test_the_refused_edit_comes_back_with_the_due_time_as_it_is_now_and_what_was_typed(rep, supervisor, item):
    http = _signed_in(rep)
    page = http.get(page_of(item.case) + f"?open=item_edit:{item.pk}").content.decode()
    typed = "Restore the mail server and the mailboxes from backup"
    form = _edit_form(item, _shown(page, f"id_item_edit_{item.pk}_item_shown"), description=typed, **AGREED)
    _renegotiated(supervisor, item)
    again = http.post(url("item_edit", item.case, item.pk), form, headers=HTMX).content.decode()
    form.update(item_shown=_shown(again, f"id_item_edit_{item.pk}_item_shown"),
                due_at=re.search(r'name="due_at" value="([^"]*)"', again).group(1))

    response = http.post(url("item_edit", item.case, item.pk), form, headers=HTMX)

    item.refresh_from_db()
    assert typed in again and LATER.strftime("%Y-%m-%dT%H:%M") in again
    assert response.status_code == 200
    assert item.description == typed and item.due_at == LATER and _pending(item).due_at == LATER


def test_an_edit_drawn_before_a_rewording_is_refused_beside_what_will_be_done(rep, tom, item):
    http = _signed_in(rep)
    page = http.get(page_of(item.case) + f"?open=item_edit:{item.pk}").content.decode()
    form = _edit_form(item, _shown(page, f"id_item_edit_{item.pk}_item_shown"), due_at=local(dt.timedelta(hours=5)),
                      **AGREED)
    _reworded(rep, tom, item)

    response = http.post(url("item_edit", item.case, item.pk), form, headers=HTMX)

    item.refresh_from_db()
    body = htmllib.unescape(response.content.decode())
    assert response.status_code == 422
    assert (f'id="id_item_edit_{item.pk}_description_error">Since this page was opened the item was reworded: '
            f"“{NEW_WORDS}”" in body)
    assert item.description == NEW_WORDS and item.due_at == NOW + dt.timedelta(hours=3)


def test_an_edit_drawn_with_nothing_changed_since_is_saved(rep, item):
    http = _signed_in(rep)
    page = http.get(page_of(item.case) + f"?open=item_edit:{item.pk}").content.decode()
    form = _edit_form(item, _shown(page, f"id_item_edit_{item.pk}_item_shown"), due_at=local(dt.timedelta(hours=5)),
                      **AGREED)

    response = http.post(url("item_edit", item.case, item.pk), form, headers=HTMX)

    item.refresh_from_db()
    assert response.status_code == 200
    assert item.due_at == NOW + dt.timedelta(hours=5)


def test_done_drawn_before_a_rewording_leaves_the_new_promise_pending(frozen, rep, tom, item):
    http = _signed_in(tom)
    shown = _done_shown(http.get(page_of(item.case)).content.decode(), item)
    _reworded(rep, tom, item)
    frozen.shift(dt.timedelta(minutes=10))

    response = http.post(url("item_done", item.case, item.pk), {"item_shown": shown}, headers=HTMX)

    item.refresh_from_db()
    assert response.status_code == 422
    assert "Since this page was opened the item changed" in response.content.decode()
    assert item.status == ItemStatus.OPEN and NEW_WORDS in _pending(item).source


def test_done_drawn_before_a_renegotiation_leaves_the_item_open(rep, supervisor, tom, item):
    http = _signed_in(tom)
    shown = _done_shown(http.get(page_of(item.case)).content.decode(), item)
    _renegotiated(supervisor, item)

    response = http.post(url("item_done", item.case, item.pk), {"item_shown": shown}, headers=HTMX)

    item.refresh_from_db()
    assert response.status_code == 422
    assert item.status == ItemStatus.OPEN and _pending(item).due_at == LATER


def test_done_drawn_with_nothing_changed_since_is_done_whatever_the_words_hold(rep, tom, item):
    _reworded(rep, tom, item, words="Restore the mail & the \"shop\" mailboxes <today>\nthen check the MX record")
    http = _signed_in(tom)
    shown = _done_shown(http.get(page_of(item.case)).content.decode(), item)

    response = http.post(url("item_done", item.case, item.pk), {"item_shown": shown}, headers=HTMX)

    item.refresh_from_db()
    assert shown.replace("\r\n", "\n") == marks.item_mark(item)
    assert response.status_code == 200
    assert item.status == ItemStatus.DONE


def test_the_refused_done_is_drawn_again_for_the_item_as_it_is_now(rep, tom, item):
    http = _signed_in(tom)
    shown = _done_shown(http.get(page_of(item.case)).content.decode(), item)
    _reworded(rep, tom, item)
    again = _done_shown(http.post(url("item_done", item.case, item.pk), {"item_shown": shown},
                                  headers=HTMX).content.decode(), item)

    response = http.post(url("item_done", item.case, item.pk), {"item_shown": again}, headers=HTMX)

    item.refresh_from_db()
    assert response.status_code == 200
    assert item.status == ItemStatus.DONE


def test_cancel_drawn_before_a_rewording_leaves_the_item_and_its_promise(rep, tom, item):
    http = _signed_in(rep)
    page = http.get(page_of(item.case) + f"?open=item_cancel:{item.pk}").content.decode()
    reason = "Dennis moved his mail to another provider"
    form = {"reason": reason, "item_shown": _shown(page, f"id_item_cancel_{item.pk}_item_shown"), **AGREED}
    _reworded(rep, tom, item)

    response = http.post(url("item_cancel", item.case, item.pk), form, headers=HTMX)

    item.refresh_from_db()
    body = response.content.decode()
    assert response.status_code == 422
    assert "Since this page was opened the item changed" in body and reason in body
    assert item.status == ItemStatus.OPEN and NEW_WORDS in _pending(item).source


def test_cancel_drawn_before_a_renegotiation_leaves_the_item_open(rep, supervisor, item):
    http = _signed_in(rep)
    page = http.get(page_of(item.case) + f"?open=item_cancel:{item.pk}").content.decode()
    form = {"reason": "Dennis moved his mail to another provider",
            "item_shown": _shown(page, f"id_item_cancel_{item.pk}_item_shown"), **AGREED}
    _renegotiated(supervisor, item)

    response = http.post(url("item_cancel", item.case, item.pk), form, headers=HTMX)

    item.refresh_from_db()
    assert response.status_code == 422
    assert item.status == ItemStatus.OPEN and _pending(item).due_at == LATER


@pytest.mark.django_db
@pytest.mark.parametrize("act", ["done", "cancel", "edit"])
def test_the_services_refuse_a_mark_of_the_item_as_it_was_before_a_change(act, rep, supervisor, tom, item):
    """The check also runs under the row lock (services.items), not only in the form: a change that lands
    between the form's check and the save is caught there."""
    from cases.errors import CaseRuleError

    shown = marks.item_mark(item)
    item = _renegotiated(supervisor, item)
    run = {"done": lambda: services.action_item_complete(user=tom, item=item, item_shown=shown),
           "cancel": lambda: services.action_item_cancel(user=rep, item=item, reason="The client no longer needs it",
                                                         item_shown=shown, **AGREED),
           "edit": lambda: services.action_item_update(user=rep, item=item, description=item.description,
                                                       kind=item.kind, assignee=tom, due_at=NOW + dt.timedelta(hours=3),
                                                       item_shown=shown, **AGREED)}[act]

    with pytest.raises(CaseRuleError, match="Since this page was opened"):
        run()

    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN and item.due_at == LATER
