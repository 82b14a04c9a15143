"""A deadline someone else brings closer (cases.services.promises.holder_after_move): moved by anyone but its
holder to less than HANDOVER_MIN_MINUTES away, the promise is the mover's to keep, as a promise handed on that
close stays with whoever had it; and whoever holds a deadline someone else moved is told.

Found by a red team: an owner pushed their own item, about to break, onto a teammate's count in two moves
(given to the teammate with hours added, time to spare so the promise passed; then moved back to ten minutes
away), and no notice told the teammate. The same root let an owner pull in an item's deadline while a
teammate's hand-back waited and then decline it: the decline returned the promise "however close" to the
teammate who had held it with hours to spare (items._held_before_handback)."""
import datetime as dt

import pytest
from django.utils import timezone

from cases import metrics, services
from cases.models import Channel, PromiseKind, PromiseStatus, Step
from notifications.models import OutboxMessage
from notifications.sweeps import SWEEPS
from tests.cases.helpers import advance_to, open_case
from tests.cases.metrics_support import row

NOW = dt.datetime(2025, 6, 30, 12, 0, tzinfo=dt.UTC)
MIN = dt.timedelta(minutes=1)
AGREED = {"agreed_channel": "phone", "agreed_text": "Dennis said that time works for him"}
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture(autouse=True)
def an_hour_to_hand_on(settings):
    settings.HANDOVER_MIN_MINUTES = 60


def _update(user, item, *, assignee, due_at):
    item.refresh_from_db()
    return services.action_item_update(user=user, item=item, description=item.description, kind=item.kind,
                                       assignee=assignee, due_at=due_at, **AGREED)


def _item(rep, dennis, *, assignee, due_at):
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    return services.action_item_create(user=rep, case=case, description="Renew the certificate on the mail host",
                                       assignee=assignee, due_at=due_at)


def _told(user):
    return list(OutboxMessage.objects.filter(to__contains=[user.email], key__startswith="deadline-moved:")
                .order_by("id").values_list("body_text", flat=True))


def test_a_deadline_pulled_in_onto_a_teammate_stays_on_the_owner_who_pulled_it(rep, other_rep, dennis, frozen):
    item = _item(rep, dennis, assignee=rep, due_at=NOW + 10 * MIN)  # the rep's own, about to break

    _update(rep, item, assignee=other_rep, due_at=NOW + 120 * MIN)  # time to spare: passes to the teammate
    assert item.promises.get(status=PromiseStatus.PENDING).owner == other_rep
    _update(rep, item, assignee=other_rep, due_at=NOW + 10 * MIN)   # pulled back in: the owner's to keep
    frozen.move_to(NOW + 11 * MIN)
    SWEEPS["broken_promises"]()

    broken = item.promises.get(status=PromiseStatus.BROKEN)
    dashboard = metrics.team_dashboard(days=7, now=timezone.now())
    assert broken.owner == rep
    assert (row(dashboard, rep).broken, row(dashboard, other_rep).broken) == (1, 0)
    assert _told(other_rep)[-1].startswith("A deadline on your work moved: “Fix the problem: Renew the certificate")


def test_a_deadline_pulled_in_while_a_hand_back_waits_is_not_returned_to_the_teammate_by_the_decline(
        rep, other_rep, dennis, frozen):
    item = _item(rep, dennis, assignee=other_rep, due_at=NOW + 180 * MIN)  # the teammate's, hours ahead
    frozen.move_to(NOW + 70 * MIN)
    item.refresh_from_db()
    services.action_item_hand_back(user=other_rep, item=item, note="I have no access to that host at all")
    _update(rep, item, assignee=other_rep, due_at=NOW + 80 * MIN)  # the owner pulls it in while it is theirs
    item.refresh_from_db()
    services.action_item_answer_hand_back(user=rep, item=item, accept=False)  # ...and gives it back declined
    frozen.move_to(NOW + 81 * MIN)
    SWEEPS["broken_promises"]()

    assert item.promises.get(status=PromiseStatus.BROKEN).owner == rep


def test_a_hand_back_declined_with_its_deadline_untouched_still_returns_the_promise(rep, other_rep, dennis, frozen):
    item = _item(rep, dennis, assignee=other_rep, due_at=NOW + 180 * MIN)
    frozen.move_to(NOW + 70 * MIN)
    item.refresh_from_db()
    services.action_item_hand_back(user=other_rep, item=item, note="I have no access to that host at all")
    frozen.move_to(NOW + 150 * MIN)  # declined with half an hour to run: theirs again, as they held it
    item.refresh_from_db()
    services.action_item_answer_hand_back(user=rep, item=item, accept=False)

    assert item.promises.get(status=PromiseStatus.PENDING).owner == other_rep


@pytest.mark.parametrize("minutes, holder", [(61, "other_rep"), (59, "rep")])
def test_pulled_in_by_the_owner_the_cutoff_decides_who_holds_it(rep, other_rep, dennis, minutes, holder):
    item = _item(rep, dennis, assignee=other_rep, due_at=NOW + 180 * MIN)

    _update(rep, item, assignee=other_rep, due_at=NOW + minutes * MIN)

    assert item.promises.get(status=PromiseStatus.PENDING).owner == {"rep": rep, "other_rep": other_rep}[holder]


def test_a_deadline_pushed_later_by_the_owner_stays_with_the_teammate_who_is_told(rep, other_rep, dennis):
    item = _item(rep, dennis, assignee=other_rep, due_at=NOW + 30 * MIN)  # given too close: the owner's
    _update(rep, item, assignee=other_rep, due_at=NOW + 300 * MIN)       # now with time: the teammate's
    before = _told(other_rep)

    _update(rep, item, assignee=other_rep, due_at=NOW + 200 * MIN)

    assert item.promises.get(status=PromiseStatus.PENDING).owner == other_rep
    told = _told(other_rep)[len(before):]
    assert len(told) == 1 and told[0].startswith("A deadline you hold moved: “Fix the problem: Renew the certificate")


def test_the_holder_moving_their_own_deadline_is_not_told_of_it(rep, dennis):
    item = _item(rep, dennis, assignee=rep, due_at=NOW + 180 * MIN)

    _update(rep, item, assignee=rep, due_at=NOW + 20 * MIN)

    assert item.promises.get(status=PromiseStatus.PENDING).owner == rep
    assert _told(rep) == []


# --- found by the red team of the rule above ----------------------------------------------------------
def test_the_beat_after_a_miss_pulled_in_by_a_supervisors_cadence_is_the_supervisors(rep, supervisor, dennis,
                                                                                      frozen):
    """plan.cadence_set moves that beat in place (promises.retime_beat, uncounted): the same holder rule."""
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)  # hourly updates
    update = case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING)
    frozen.move_to(update.due_at + MIN)
    SWEEPS["broken_promises"]()  # missed by the rep: the beat after it opens an hour on, the rep's
    beat = case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING)
    assert beat.after_missed and beat.owner == rep
    frozen.move_to(update.due_at + 2 * MIN)
    case.refresh_from_db()
    services.cadence_set(user=supervisor, case=case, minutes=10, channel=Channel.PHONE)
    beat.refresh_from_db()
    assert beat.due_at - timezone.now() == 10 * MIN  # brought to ten minutes away by someone else
    frozen.move_to(beat.due_at + MIN)
    SWEEPS["broken_promises"]()

    beat.refresh_from_db()
    assert (beat.status, beat.owner) == (PromiseStatus.BROKEN, supervisor)
    assert [text.split(":", 1)[0] for text in _told(rep)] == ["A deadline on your work moved"]


def test_a_new_deadline_minutes_away_set_by_the_owner_after_a_break_is_the_owners(rep, other_rep, dennis, frozen):
    """After a break there is no old deadline to be brought closer from: set that close, it is the mover's, as
    an item's first deadline given to a teammate that close is (items._first_holder)."""
    item = _item(rep, dennis, assignee=other_rep, due_at=NOW + 180 * MIN)
    frozen.move_to(NOW + 181 * MIN)
    SWEEPS["broken_promises"]()  # the teammate's, fairly

    _update(rep, item, assignee=other_rep, due_at=NOW + 190 * MIN)  # nine minutes away
    frozen.move_to(NOW + 191 * MIN)
    SWEEPS["broken_promises"]()

    assert [p.owner for p in item.promises.filter(status=PromiseStatus.BROKEN).order_by("id")] == [other_rep, rep]


def test_a_deadline_moved_while_a_hand_back_waits_stays_the_owners_until_they_answer(rep, other_rep, dennis,
                                                                                      frozen):
    item = _item(rep, dennis, assignee=other_rep, due_at=NOW + 180 * MIN)
    frozen.move_to(NOW + 70 * MIN)
    item.refresh_from_db()
    services.action_item_hand_back(user=other_rep, item=item, note="I have no access to that host at all")
    assert item.promises.get(status=PromiseStatus.PENDING).owner == rep  # the owner's while unanswered

    _update(rep, item, assignee=other_rep, due_at=NOW + 135 * MIN)  # 65 minutes away, the hand-back unanswered

    item.refresh_from_db()
    assert item.handback_at is not None
    assert item.promises.get(status=PromiseStatus.PENDING).owner == rep
