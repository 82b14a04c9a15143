"""An item's words are what the client was promised: changing what will be done (its kind, or its
description beyond a typo) changes the promise like moving its due time does. It needs the client's
agreement and counts as a renegotiation (cases.services.items.action_item_update, text.same_wording), so
"Restore the site" cannot become "Look into it" and then count as kept. A typo fixed is the same promise."""
import datetime as dt

import pytest

from cases import services
from cases.errors import CaseRuleError
from cases.models import ItemKind, PromiseStatus, Step
from tests.cases.helpers import advance_to, open_case
from tests.cases.ledger_web_support import signed_in_as
from tests.cases.views_support import url

NOW = dt.datetime(2025, 6, 30, 12, 0, tzinfo=dt.UTC)
AGREED = {"agreed_channel": "phone", "agreed_text": "Dennis said a call from the host is enough for now"}
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def _promised_item(rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.PLAN, rep)
    return case, services.action_item_create(user=rep, case=case, description="Restore the site from last night",
                                             kind=ItemKind.FIX, assignee=rep, due_at=NOW + dt.timedelta(hours=4))


def _edit(rep, item, **changes):
    fields = {"description": item.description, "kind": item.kind, "assignee": item.assignee, "due_at": item.due_at}
    return services.action_item_update(user=rep, item=item, **{**fields, **changes})


def _ledger(item):
    return list(item.promises.order_by("pk").values_list("status", "source", "due_at", "moved_count"))


@pytest.mark.parametrize("change", [{"description": "Look into why the site is down"}, {"kind": ItemKind.MITIGATE},
                                    {"description": "Restore the site from last week"}],
                         ids=["new-words", "new-kind", "one-word-more-than-a-typo"])
def test_changing_what_will_be_done_without_the_clients_agreement_is_refused(rep, dennis, change):
    case, item = _promised_item(rep, dennis)
    before = _ledger(item)

    with pytest.raises(CaseRuleError, match="counts as a renegotiation") as refused:
        _edit(rep, item, **change)

    item.refresh_from_db()
    assert refused.value.field == "agreed_channel"
    assert item.description == "Restore the site from last night" and item.kind == ItemKind.FIX
    assert _ledger(item) == before


def test_with_the_clients_agreement_the_old_promise_is_renegotiated_and_the_new_words_are_promised(rep, dennis):
    case, item = _promised_item(rep, dennis)
    old = item.promises.get()

    _edit(rep, item, description="Look into why the site is down", **AGREED)
    services.action_item_complete(user=rep, item=item)

    old.refresh_from_db()
    new = item.promises.get(replaces=old)
    assert old.status == PromiseStatus.RENEGOTIATED and old.source.endswith("Restore the site from last night")
    assert new.status == PromiseStatus.KEPT and new.source.endswith("Look into why the site is down")
    assert new.due_at == old.due_at and new.moved_count == 1 and new.agreed_text == AGREED["agreed_text"]
    assert case.events.filter(verb="promise renegotiated", note__contains="Restore the site from last night").exists()


def test_a_typo_fixed_keeps_the_promise_in_the_words_it_was_made_with(rep, dennis):
    case, item = _promised_item(rep, dennis)
    promise = item.promises.get()

    _edit(rep, item, description="restore the site from last night.")
    _edit(rep, item, description="Restore the site from lsat night")

    promise.refresh_from_db()
    assert item.promises.count() == 1 and promise.status == PromiseStatus.PENDING and promise.moved_count == 0
    assert promise.source == "Fix the problem: Restore the site from last night"


def test_typo_after_typo_adds_up_against_what_was_promised(rep, dennis):
    case, item = _promised_item(rep, dennis)
    _edit(rep, item, description="Restore the site from last nigt")  # one letter: a typo

    with pytest.raises(CaseRuleError, match="counts as a renegotiation"):
        _edit(rep, item, description="Restore the site from lst nit")  # two more from the promised words


def test_a_number_changed_is_not_a_typo(rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.PLAN, rep)
    item = services.action_item_create(user=rep, case=case, description="Refund 50 dollars", assignee=rep,
                                       due_at=NOW + dt.timedelta(hours=4))

    with pytest.raises(CaseRuleError, match="counts as a renegotiation"):
        _edit(rep, item, description="Refund 5 dollars")


@pytest.mark.parametrize("before, after", [("We can refund the fee", "We can't refund the fee"),
                                           ("Call him back today", "Call him back not today")])
def test_a_negation_added_is_not_a_typo(rep, dennis, before, after):
    case = advance_to(open_case(rep, dennis), Step.PLAN, rep)
    item = services.action_item_create(user=rep, case=case, description=before, assignee=rep,
                                       due_at=NOW + dt.timedelta(hours=4))

    with pytest.raises(CaseRuleError, match="counts as a renegotiation"):
        _edit(rep, item, description=after)


def test_reworded_after_its_due_time_the_promise_is_broken_not_renegotiated(rep, dennis, frozen):
    case, item = _promised_item(rep, dennis)
    promise = item.promises.get()
    frozen.move_to(NOW + dt.timedelta(hours=5))

    _edit(rep, item, description="Look into why the site is down")

    promise.refresh_from_db()
    assert promise.status == PromiseStatus.BROKEN and promise.source.endswith("Restore the site from last night")
    assert item.promises.count() == 1


def test_an_item_with_no_due_time_is_reworded_freely(rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.PLAN, rep)
    item = services.action_item_create(user=rep, case=case, description="Check the DNS records", assignee=rep)

    _edit(rep, item, description="Check the mail server's logs", kind=ItemKind.PREVENT)

    item.refresh_from_db()
    assert item.description == "Check the mail server's logs" and not item.promises.exists()


def test_the_edit_form_says_so_beside_the_agreement_and_keeps_what_was_typed(rep, dennis):
    case, item = _promised_item(rep, dennis)
    http = signed_in_as(rep)
    data = {"description": "Look into why the site is down", "kind": item.kind, "assignee": rep.pk,
            "due_at": item.due_at.strftime("%Y-%m-%dT%H:%M")}

    response = http.post(url("item_edit", case, item.pk), data)

    page = response.content.decode()
    assert response.status_code == 422
    assert "counts as a renegotiation" in page and "Look into why the site is down" in page
    assert item.promises.get().status == PromiseStatus.PENDING
    agreed = http.post(url("item_edit", case, item.pk), {**data, **AGREED})
    assert agreed.status_code == 302 and item.promises.filter(status=PromiseStatus.RENEGOTIATED).count() == 1
