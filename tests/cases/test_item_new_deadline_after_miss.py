"""An item whose deadline has passed gets a new one only as a promise the client agreed to, within the
horizon (found by a padding review): editing the item's due time after the miss used to skip both, so a
rep could set it months out on their own and turn one broken promise into one broken and one kept."""
import datetime as dt

import pytest
import time_machine
from django.conf import settings

from cases import services
from cases.errors import CaseRuleError
from cases.models import Channel, PromiseKind, PromiseStatus
from notifications.sweeps.promises import sweep_broken_promises
from tests.cases.test_promises import T0, _in_manage_anxiety

pytestmark = pytest.mark.django_db


def _redate(rep, item, due_at, **agreement):
    return services.action_item_update(user=rep, item=item, description=item.description, kind=item.kind,
                                       assignee=item.assignee, due_at=due_at, **agreement)


@pytest.mark.parametrize("swept", [False, True], ids=["before the sweep", "after the sweep broke it"])
def test_a_missed_item_is_given_a_new_time_only_with_the_client_s_word_and_within_the_horizon(rep, dennis, swept):
    """The same whether or not the broken-promise sweep got there first (found by a review: after the sweep,
    the edit opened a fresh promise with no agreement, up to a year out, unlinked to the one it broke)."""
    case = _in_manage_anxiety(rep, dennis)
    item = case.action_items.get()
    missed = case.promises.get(kind=PromiseKind.ACTION_ITEM)
    later = missed.due_at + dt.timedelta(hours=2)
    if swept:
        sweep_broken_promises(now=missed.due_at + dt.timedelta(minutes=1))
        missed.refresh_from_db()
        assert missed.status == PromiseStatus.BROKEN

    with time_machine.travel(later, tick=False):
        with pytest.raises(CaseRuleError) as refused:
            _redate(rep, item, None)
        assert refused.value.field == "due_at"  # nor is the promised time taken away
        with pytest.raises(CaseRuleError) as refused:
            _redate(rep, item, later + dt.timedelta(days=1))
        assert refused.value.field == "agreed_channel"
        too_far = later + dt.timedelta(days=settings.RENEGOTIATE_ITEM_MAX_DAYS + 1)
        with pytest.raises(CaseRuleError) as refused:
            _redate(rep, item, too_far, agreed_channel=Channel.PHONE, agreed_text="Dennis can wait until spring")
        assert refused.value.field == "due_at"
        item.refresh_from_db()
        assert item.due_at == missed.due_at  # nothing changed by a refused edit

        _redate(rep, item, later + dt.timedelta(days=1), agreed_channel=Channel.PHONE,
                agreed_text="Dennis agreed to tomorrow morning")

    missed.refresh_from_db()
    assert missed.status == PromiseStatus.BROKEN  # the miss stands
    new = case.promises.get(kind=PromiseKind.ACTION_ITEM, status=PromiseStatus.PENDING)
    assert new.replaces == missed and new.agreed_text == "Dennis agreed to tomorrow morning"
    assert new.due_at == later + dt.timedelta(days=1) and new.moved_count == missed.moved_count
    assert case.events.filter(verb="new deadline after a broken promise").count() == 1
    assert missed.escalations.count() == 1  # broken once, escalated once, whoever noticed first


def test_a_new_time_before_the_deadline_still_needs_the_client_s_word(rep, dennis):
    case = _in_manage_anxiety(rep, dennis)
    item = case.action_items.get()
    with time_machine.travel(T0 + dt.timedelta(minutes=5), tick=False):
        with pytest.raises(CaseRuleError) as refused:
            _redate(rep, item, item.due_at + dt.timedelta(hours=3))
    assert refused.value.field == "agreed_channel"
