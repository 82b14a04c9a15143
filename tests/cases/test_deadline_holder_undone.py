"""Who holds a promise when the change that moved it is undone, or the work is taken and given back (found by
the second red team of cases.services.promises.holder_after_move):

- an emailed late update that bounces puts the beat after the miss back where it was due and with whom it was
  (promises.retime_beat's event names both; updates_undone._undo_late): a supervisor's pull-in came back the rep's,
  and a beat the cutoff had kept on the old owner at a reassignment came back the new owner's;
- an update kept by email and then bounced, after the case changed hands, is owed again by whoever works the
  case now, if it has the cutoff's time to run (updates_undone._undo_kept): it stayed with the rep who had left it;
- an item taken back inside its cutoff and pulled in by the taker goes back to the teammate under the cutoff,
  not "however close" (promise_move forgets the take);
- (the third red team) that undo passes the beat on to a new owner it went to with time to spare; and a
  promise a declined hand-back returned is not "given lately" when handed back again at once (a ping-pong
  that put the teammate's break on the owner)."""
import datetime as dt

import pytest

from cases import services
from cases.models import Channel, Mood, PromiseKind, PromiseStatus, Step
from cases.services.client_messages import client_message_bounced
from notifications.sweeps import SWEEPS
from tests.cases.helpers import advance_to, open_case
from tests.cases.test_client_messages import HOUR, MIN, T0, at, deliver_at, emailed_case, send

pytestmark = pytest.mark.django_db
AGREED = {"agreed_channel": "phone", "agreed_text": "Dennis said that time works for him"}


@pytest.fixture(autouse=True)
def an_hour_to_hand_on(settings):
    settings.HANDOVER_MIN_MINUTES = 60


def _pending_update(case):
    return case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING)


def _bounce(message, when):
    with at(when):
        client_message_bounced(message_ids=[message.message_id], reason="550 No such mailbox", at=when)


def _missed_once(rep, dennis):
    """A case updated hourly by email whose first update (due T0 + 1 h) the sweep broke: the beat after it."""
    case = emailed_case(rep, dennis)
    with at(T0 + 61 * MIN):
        SWEEPS["broken_promises"]()
    beat = _pending_update(case)
    assert beat.after_missed and beat.owner == rep and beat.due_at == T0 + 2 * HOUR
    return case, beat


def test_a_bounced_late_update_puts_the_beat_back_with_the_supervisor_who_pulled_it_in(rep, supervisor, dennis):
    case, beat = _missed_once(rep, dennis)
    with at(T0 + 62 * MIN):
        case.refresh_from_db()
        services.cadence_set(user=supervisor, case=case, minutes=10, channel=Channel.EMAIL)
    beat.refresh_from_db()
    assert (beat.owner, beat.due_at) == (supervisor, T0 + 72 * MIN)
    case.refresh_from_db()
    message = send(rep, case, T0 + 63 * MIN)  # the late update: the beat re-timed after it, the owner's
    deliver_at(T0 + 64 * MIN)
    assert _pending_update(case).owner == rep

    _bounce(message, T0 + 65 * MIN)

    beat.refresh_from_db()
    assert (beat.owner, beat.due_at, beat.status) == (supervisor, T0 + 72 * MIN, PromiseStatus.PENDING)


def test_a_bounced_late_update_puts_the_beat_back_with_the_owner_the_cutoff_kept_it_on(rep, other_rep, supervisor,
                                                                                      dennis):
    case, beat = _missed_once(rep, dennis)
    with at(T0 + 110 * MIN):  # ten minutes before the beat: it stays the rep's
        case.refresh_from_db()
        services.case_reassign(user=supervisor, case=case, to_user=other_rep, reason="Covering the morning shift",
                               client_informed=True)
    case.refresh_from_db()
    message = send(other_rep, case, T0 + 111 * MIN)  # the new owner answers the miss by email
    deliver_at(T0 + 112 * MIN)

    _bounce(message, T0 + 113 * MIN)

    beat.refresh_from_db()
    assert (beat.owner, beat.due_at) == (rep, T0 + 2 * HOUR)


@pytest.mark.parametrize("cadence, holder", [(240, "other_rep"), (60, "rep")])  # 227 / 47 minutes to run
def test_an_update_owed_again_after_a_bounce_follows_the_case_that_changed_hands_with_time_to_run(
        rep, other_rep, supervisor, dennis, cadence, holder, request):
    case = emailed_case(rep, dennis, cadence=cadence)
    promise = _pending_update(case)
    message = send(rep, case, T0 + 10 * MIN)
    deliver_at(T0 + 11 * MIN)
    with at(T0 + 12 * MIN):
        case.refresh_from_db()
        services.case_reassign(user=supervisor, case=case, to_user=other_rep, reason="Covering the morning shift",
                               client_informed=True)

    _bounce(message, T0 + 13 * MIN)

    promise.refresh_from_db()
    assert (promise.status, promise.owner) == (PromiseStatus.PENDING, request.getfixturevalue(holder))


def test_an_item_taken_back_pulled_in_and_given_back_is_the_takers(rep, other_rep, dennis):
    with at(T0):
        case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
        item = services.action_item_create(user=rep, case=case, description="Renew the certificate on the mail host",
                                           assignee=other_rep, due_at=T0 + 180 * MIN)
    with at(T0 + 130 * MIN):  # fifty minutes to run, the teammate's fairly
        for assignee, due_at in ((rep, T0 + 180 * MIN), (rep, T0 + 135 * MIN), (other_rep, T0 + 135 * MIN)):
            item.refresh_from_db()  # taken back, pulled in to five minutes away, given back
            services.action_item_update(user=rep, item=item, description=item.description, kind=item.kind,
                                        assignee=assignee, due_at=due_at, **AGREED)

    assert item.promises.get(status=PromiseStatus.PENDING).owner == rep


def test_an_item_taken_back_and_given_straight_back_still_returns_its_promise(rep, other_rep, dennis):
    with at(T0):
        case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
        item = services.action_item_create(user=rep, case=case, description="Renew the certificate on the mail host",
                                           assignee=other_rep, due_at=T0 + 180 * MIN)
    with at(T0 + 130 * MIN):
        for assignee in (rep, other_rep):
            item.refresh_from_db()
            services.action_item_update(user=rep, item=item, description=item.description, kind=item.kind,
                                        assignee=assignee, due_at=item.due_at)

    assert item.promises.get(status=PromiseStatus.PENDING).owner == other_rep
    assert dt.timedelta(minutes=50) == item.due_at - (T0 + 130 * MIN)


# --- found by the third red team ------------------------------------------------------------------------
def test_a_bounced_late_update_leaves_the_beat_with_a_new_owner_it_passed_to_with_time(rep, other_rep, supervisor,
                                                                                        dennis):
    """The beat goes back where it was due, and with whom it was only if no handover with time to spare has
    passed it on since: the rep who no longer has the case does not take it back."""
    case = emailed_case(rep, dennis, cadence=240)
    with at(T0 + 241 * MIN):
        SWEEPS["broken_promises"]()  # T0 + 4 h missed; the beat after it at T0 + 8 h, the rep's
    case.refresh_from_db()
    message = send(rep, case, T0 + 243 * MIN)  # the late update: the beat re-timed after it
    deliver_at(T0 + 244 * MIN)
    with at(T0 + 245 * MIN):
        case.refresh_from_db()
        services.case_reassign(user=supervisor, case=case, to_user=other_rep, reason="Covering the morning shift",
                               client_informed=True)
    assert _pending_update(case).owner == other_rep

    _bounce(message, T0 + 250 * MIN)

    beat = _pending_update(case)
    assert (beat.due_at, beat.owner) == (T0 + 8 * HOUR, other_rep)


def test_a_teammate_handing_back_again_after_a_decline_keeps_the_promise_returned_to_them(rep, other_rep, dennis):
    """A decline returns the promise the teammate held as if it had never left them: handed back again at once,
    it is not "given lately" (which would put it on the owner however close its deadline)."""
    with at(T0):
        case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
        item = services.action_item_create(user=rep, case=case, description="Renew the certificate on the mail host",
                                           assignee=other_rep, due_at=T0 + 180 * MIN)
    with at(T0 + 70 * MIN):  # 110 minutes to run: the owner's while the hand-back waits
        item.refresh_from_db()
        services.action_item_hand_back(user=other_rep, item=item, note="I have no access to that host at all")
    with at(T0 + 150 * MIN):  # declined with 30 minutes to run: back to the teammate who held it
        item.refresh_from_db()
        services.action_item_answer_hand_back(user=rep, item=item, accept=False)
    with at(T0 + 151 * MIN):  # handed back again a minute later, and declined again
        item.refresh_from_db()
        services.action_item_hand_back(user=other_rep, item=item, note="I still have no access to that host")
        assert item.promises.get(status=PromiseStatus.PENDING).owner == other_rep
        item.refresh_from_db()
        services.action_item_answer_hand_back(user=rep, item=item, accept=False)
    with at(T0 + 181 * MIN):
        SWEEPS["broken_promises"]()

    assert item.promises.get(status=PromiseStatus.BROKEN).owner == other_rep


# --- found by the third red team: the undo after a bounce, with a cadence or an owner changed in between --
def _phone_update(user, case, when):
    with at(when):
        case.refresh_from_db()
        return services.status_update_log(user=user, case=case, channel=Channel.PHONE, client_mood=Mood.ANXIOUS,
                                          summary="Called Dennis: restore is halfway, orders soon")


def _reassign(supervisor, case, to, when):
    with at(when):
        case.refresh_from_db()
        services.case_reassign(user=supervisor, case=case, to_user=to, reason="Covering the morning shift",
                               client_informed=True)


def test_follow_the_new_cadence_keeps_a_supervisors_pull_in_on_the_supervisor(rep, supervisor, dennis):
    """The bounce re-applies a cadence agreed since (updates_undone._follow_the_new_cadence) with no one acting:
    the pull-in is still the supervisor's who made it."""
    case = emailed_case(rep, dennis, cadence=240)
    message = send(rep, case, T0 + 10 * MIN)  # keeps the 14:00 update, opens 18:00
    deliver_at(T0 + 11 * MIN)
    with at(T0 + 12 * MIN):
        case.refresh_from_db()
        services.cadence_set(user=supervisor, case=case, minutes=10, channel=Channel.EMAIL, **AGREED)
    pulled = _pending_update(case)
    assert (pulled.owner, pulled.due_at) == (supervisor, T0 + 20 * MIN)  # the mover's: the rule holds here

    _bounce(message, T0 + 13 * MIN)

    now_pending = _pending_update(case)
    assert now_pending.due_at - (T0 + 13 * MIN) < 60 * MIN  # pulled in to inside the cutoff by the supervisor
    assert now_pending.owner == supervisor


def test_keep_on_time_after_a_reassign_does_not_hand_the_beat_inside_the_cutoff(rep, other_rep, supervisor, dennis):
    """updates_undone._keep_on_time opened the next beat for the case's owner now, whatever its time to run."""
    case = emailed_case(rep, dennis, cadence=60)
    message = send(rep, case, T0 + 10 * MIN)  # keeps 11:00, opens 12:00
    deliver_at(T0 + 11 * MIN)
    extra = _phone_update(rep, case, T0 + 20 * MIN)  # an extra contact beside it
    assert extra.extra
    _reassign(supervisor, case, other_rep, T0 + 70 * MIN)  # 12:00 has 50 minutes: stays the rep's
    assert _pending_update(case).owner == rep

    _bounce(message, T0 + 75 * MIN)  # the phone call keeps 11:00 instead; the 12:00 beat opens again

    beat = _pending_update(case)
    assert beat.due_at == T0 + 2 * HOUR
    assert beat.owner == rep  # 45 minutes to run: not the new owner's


def test_answer_late_after_a_reassign_does_not_hand_the_beat_inside_the_cutoff(rep, other_rep, supervisor, dennis):
    """updates_undone._answer_late re-timed the beat for the case's owner now, whatever its time to run."""
    case = emailed_case(rep, dennis, cadence=60)
    with at(T0 + 61 * MIN):
        SWEEPS["broken_promises"]()  # 11:00 missed; the beat after it at 12:00, the rep's
    case.refresh_from_db()
    message = send(rep, case, T0 + 63 * MIN)  # the late update: the beat re-timed to 12:03
    deliver_at(T0 + 64 * MIN)
    extra = _phone_update(rep, case, T0 + 65 * MIN)
    assert extra.extra
    _reassign(supervisor, case, other_rep, T0 + 70 * MIN)  # 12:03 has 53 minutes: stays the rep's
    assert _pending_update(case).owner == rep

    _bounce(message, T0 + 75 * MIN)  # the phone call at 11:05 is the late update now: beat at 12:05

    beat = _pending_update(case)
    assert beat.due_at == T0 + 125 * MIN
    assert beat.owner == rep  # 50 minutes to run: not the new owner's


def test_an_update_owed_again_after_a_bounce_goes_to_a_supervisor_who_took_the_case_on_themselves(rep, supervisor,
                                                                                                   dennis):
    """Whoever takes work on themselves takes every promise still ahead (promises.handover_cutoff)."""
    case = emailed_case(rep, dennis, cadence=60)
    message = send(rep, case, T0 + 10 * MIN)
    deliver_at(T0 + 11 * MIN)
    _reassign(supervisor, case, supervisor, T0 + 12 * MIN)

    _bounce(message, T0 + 13 * MIN)

    promise = _pending_update(case)
    assert (promise.due_at, promise.owner) == (T0 + HOUR, supervisor)  # 47 minutes to run, taken on themselves
