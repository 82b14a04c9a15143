"""Found by review, each on a path a rep under pressure could take to keep a number looking good:
- a reason the timeline audits and the team page counts (a reopen, loose ends, an override close, an
  item cancelled) says something: "ok" or "." is refused, two words of substance are enough;
- the line the client's status page shows for an update follows the same rule as every record;
- someone who lost the rep role keeps no promise to keep: they cannot complete the item they held
  (counted kept for them) nor record the client's mood on a contact."""
import datetime as dt

import pytest
from django.utils import timezone

from cases import services
from cases.errors import CaseRuleError
from cases.models import Channel, ItemKind, ItemStatus, Mood, Step
from tests.cases.helpers import advance_to, open_case

pytestmark = pytest.mark.django_db

EMPTY_REASONS = ["ok", ".", "ok ok", "x y"]


@pytest.mark.parametrize("reason", EMPTY_REASONS)
def test_an_override_close_needs_a_reason_that_says_something(rep, supervisor, dennis, reason):
    case = open_case(rep, dennis)

    with pytest.raises(CaseRuleError, match="reason"):
        services.case_transition(user=supervisor, case=case, name="force_close", reason=reason)

    case.refresh_from_db()
    assert case.step == Step.IDENTIFY


@pytest.mark.parametrize("reason", EMPTY_REASONS)
def test_loose_ends_and_a_reopen_need_a_reason_that_says_something(rep, dennis, reason):
    case = advance_to(open_case(rep, dennis), Step.DELIVER, rep)

    with pytest.raises(CaseRuleError, match="reason"):
        services.case_loose_ends(user=rep, case=case, reason=reason)


def test_two_words_of_substance_are_a_reason(rep, supervisor, dennis):
    case = services.case_transition(user=supervisor, case=open_case(rep, dennis), name="force_close",
                                    reason="Client withdrew")

    assert case.step == Step.RESOLVED


def _planned_with_item(rep, dennis, assignee):
    case = advance_to(open_case(rep, dennis), Step.PLAN, rep)
    item = services.action_item_create(user=rep, case=case, description="Forward the mailboxes to the backup host",
                                       kind=ItemKind.FIX, assignee=assignee,
                                       due_at=timezone.now() + dt.timedelta(hours=3))
    return case, item


@pytest.mark.parametrize("reason", EMPTY_REASONS)
def test_cancelling_an_item_needs_a_reason_that_says_something(rep, dennis, reason):
    _case, item = _planned_with_item(rep, dennis, rep)

    with pytest.raises(CaseRuleError, match="cancelled"):
        services.action_item_cancel(user=rep, item=item, reason=reason, agreed_channel=Channel.PHONE,
                                    agreed_text="Dennis is fine with dropping that one")

    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN


def test_the_clients_line_on_an_update_follows_the_substance_rule(rep, dennis):
    case, _item = _planned_with_item(rep, dennis, rep)
    services.cadence_set(user=rep, case=case, minutes=60, channel=Channel.PHONE)

    with pytest.raises(CaseRuleError) as refused:
        services.status_update_log(user=rep, case=case, summary="The host is restoring the mail server now",
                                   channel=Channel.PHONE, client_mood=Mood.CALM, client_line="a b c")

    assert refused.value.field == "client_line"
    assert not case.status_updates.exists()


def test_an_item_holder_who_lost_the_rep_role_cannot_complete_it(rep, other_rep, dennis):
    _case, item = _planned_with_item(rep, dennis, other_rep)
    other_rep.groups.clear()
    other_rep.user_permissions.clear()

    with pytest.raises(CaseRuleError):
        services.action_item_complete(user=type(other_rep).objects.get(pk=other_rep.pk), item=item)

    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN


def test_someone_who_lost_the_rep_role_records_no_mood_on_a_contact(rep, other_rep, dennis):
    case, _item = _planned_with_item(rep, dennis, other_rep)
    other_rep.groups.clear()
    other_rep.user_permissions.clear()

    with pytest.raises(CaseRuleError):
        services.client_contact_log(user=type(other_rep).objects.get(pk=other_rep.pk), case=case,
                                    said="He says the shop is fine now", client_mood=Mood.DELIGHTED, channel="phone")

    case.refresh_from_db()
    assert case.temperature != Mood.DELIGHTED
