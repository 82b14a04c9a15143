"""Sweep 2, broken promises: a pending promise past its deadline is marked broken, the owner and
their supervisor are emailed, and an escalation (broken promise) is opened unless one is open."""
import pytest

from cases.models import CaseEvent, Escalation, EscalationReason, PromiseKind, PromiseStatus
from notifications.models import OutboxMessage
from notifications.sweeps import sweep_broken_promises
from tests.notifications.conftest import HOUR, MIN, T0, at, planned_case


def _update_promise(case, status=PromiseStatus.PENDING):
    return case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=status)


@pytest.mark.django_db
def test_a_missed_update_is_broken_escalated_and_told_to_owner_and_supervisor(rep, supervisor, dennis):
    case = planned_case(rep, dennis)
    promise = _update_promise(case)

    with at(T0 + 61 * MIN):
        done = sweep_broken_promises()

    assert done == 1
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.BROKEN and promise.broken_at == T0 + 61 * MIN
    escalation = Escalation.objects.get(case=case)
    assert escalation.reason == EscalationReason.BROKEN_PROMISE and escalation.promise == promise
    assert escalation.raised_by_system
    owner_mail = OutboxMessage.objects.get(kind="promise_broken")
    assert owner_mail.to == [rep.email]
    assert "Dennis Hale by 11:00 GMT was missed" in owner_mail.subject
    boss_mail = OutboxMessage.objects.get(kind="promise_broken_supervisor")
    assert boss_mail.to == [supervisor.email]
    assert "An escalation (broken promise) is open in your queue." in boss_mail.body_text


@pytest.mark.django_db
def test_a_promise_not_yet_due_is_left_alone(rep, dennis):
    case = planned_case(rep, dennis)

    with at(T0 + 59 * MIN):
        done = sweep_broken_promises()

    assert done == 0
    assert _update_promise(case).status == PromiseStatus.PENDING
    assert not OutboxMessage.objects.filter(kind__startswith="promise").exists()


@pytest.mark.django_db
def test_run_twice_at_the_same_instant_breaks_once_escalates_once_emails_once(rep, dennis):
    case = planned_case(rep, dennis)

    with at(T0 + 61 * MIN):
        first, second = sweep_broken_promises(), sweep_broken_promises()

    assert (first, second) == (1, 0)
    assert case.promises.filter(status=PromiseStatus.BROKEN).count() == 1
    assert Escalation.objects.filter(case=case).count() == 1
    assert CaseEvent.objects.filter(case=case, verb="promise broken").count() == 1
    assert OutboxMessage.objects.filter(kind__startswith="promise_broken").count() == 2


@pytest.mark.django_db
def test_no_second_escalation_when_one_is_already_open_for_the_promise(rep, dennis):
    case = planned_case(rep, dennis)
    promise = _update_promise(case)
    Escalation.objects.create(case=case, reason=EscalationReason.BROKEN_PROMISE, promise=promise,
                              raised_by_system=True, note="opened earlier")

    with at(T0 + 61 * MIN):
        done = sweep_broken_promises()

    assert done == 1
    assert Escalation.objects.filter(case=case).count() == 1
    boss_mail = OutboxMessage.objects.get(kind="promise_broken_supervisor")
    assert "An escalation for this promise was already open." in boss_mail.body_text


@pytest.mark.django_db
def test_a_broken_action_item_promise_goes_to_the_supervisor_the_assignee_hears_it_as_overdue(
        rep, teammate, supervisor, dennis):
    case = planned_case(rep, dennis, assignee=teammate, item_due=2 * HOUR, cadence_minutes=600)

    with at(T0 + 2 * HOUR + MIN):
        sweep_broken_promises()

    item_promise = case.promises.get(kind=PromiseKind.ACTION_ITEM)
    assert item_promise.status == PromiseStatus.BROKEN
    assert not OutboxMessage.objects.filter(kind="promise_broken").exists()
    assert OutboxMessage.objects.get(kind="promise_broken_supervisor").to == [supervisor.email]


@pytest.mark.django_db
def test_the_supervisors_are_all_told_when_the_owner_has_no_supervisor_of_their_own(rep, supervisor, dennis):
    from tests.factories import SupervisorFactory

    other = SupervisorFactory(username="kim")
    rep.staff_profile.supervisor = None
    rep.staff_profile.save()
    planned_case(rep, dennis)

    with at(T0 + 61 * MIN):
        sweep_broken_promises()

    assert OutboxMessage.objects.get(kind="promise_broken_supervisor").to == sorted([supervisor.email, other.email])


@pytest.mark.django_db
def test_a_row_that_fails_is_rolled_back_and_retried_without_blocking_the_others(rep, dennis, monkeypatch, caplog):
    from notifications import outbox

    first, second = planned_case(rep, dennis), planned_case(rep, dennis)
    real_render = outbox.render_email

    def failing_for_first(kind, context):
        if context.get("case_ref") == first.reference and kind.startswith("promise_broken"):
            raise RuntimeError("template exploded")
        return real_render(kind, context)

    monkeypatch.setattr(outbox, "render_email", failing_for_first)
    with at(T0 + 61 * MIN):
        done = sweep_broken_promises()
    monkeypatch.setattr(outbox, "render_email", real_render)
    with at(T0 + 62 * MIN):
        retried = sweep_broken_promises()

    assert (done, retried) == (1, 1)
    assert "template exploded" in caplog.text
    assert _update_promise(first, PromiseStatus.BROKEN).broken_at == T0 + 62 * MIN  # rolled back, then redone
    assert _update_promise(second, PromiseStatus.BROKEN).broken_at == T0 + 61 * MIN
    assert Escalation.objects.filter(case=first).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("handed_before_deadline, counted_for", [(5 * MIN, "rep"), (3 * HOUR + 30 * MIN, "teammate")])
def test_an_item_given_out_escalates_on_the_owner_who_held_the_case_before_its_handover_window(
        handed_before_deadline, counted_for, rep, teammate, supervisor, dennis):
    """The owner gave the item to a teammate, then a supervisor moved the case to that teammate. Moved five
    minutes before the item broke, the owner held the case, and was accountable for the item, until then:
    the escalation counts for them. Moved hours before, it counts for the owner then, the teammate."""
    from cases import services
    case = planned_case(rep, dennis, assignee=teammate, item_due=4 * HOUR)
    with at(T0 + 4 * HOUR - handed_before_deadline):
        services.case_reassign(user=supervisor, case=case, to_user=teammate, reason="Rebalancing the afternoon",
                               client_informed=True)

    with at(T0 + 4 * HOUR + MIN):
        sweep_broken_promises()

    item_escalation = Escalation.objects.get(case=case, promise__kind=PromiseKind.ACTION_ITEM)
    assert item_escalation.case_owner == {"rep": rep, "teammate": teammate}[counted_for]
