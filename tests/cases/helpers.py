"""Build a case in any step through the real services, so counters, promises and events are what
production would have."""
import datetime as dt
import threading
import time

from django.db import connection, transaction
from django.utils import timezone

from cases import services
from cases.models import Channel, ItemKind, Mood, PromiseKind, PromiseStatus, Step
from cases.workflow import COMPLETE_TRANSITIONS

DENNIS_CONCERN = {
    "description": "Website and business email have been down since the host's overnight upgrade",
    "impact": "No orders can come in, and payroll is due in three days",
    "feeling": "Worried and angry",
}

AGREED_TO_NEW_RANGE = {"agreed_channel": Channel.PHONE, "agreed_text": "The client agreed to the new range"}


def open_case(owner, client, *, temperature=Mood.ANXIOUS, concern=DENNIS_CONCERN):
    return services.case_open(user=owner, client=client, summary="Site and email down after upgrade",
                              temperature=temperature, concern=concern)


def plan_ready(case, user, *, assignee=None, due_in=dt.timedelta(hours=3)):
    now = timezone.now()
    services.action_item_create(user=user, case=case, description="Restore the mail server from backup",
                                kind=ItemKind.FIX, assignee=assignee or user, due_at=now + due_in)
    services.cadence_set(user=user, case=case, minutes=60, channel=Channel.PHONE)
    services.eta_set(user=user, case=case, earliest=now + dt.timedelta(hours=1), latest=now + dt.timedelta(hours=5),
                     **agreed_if_standing(case))
    return case


def agreed_if_standing(case):
    """The client's agreement when an estimate the client holds still stands (after loose ends, the one
    the sent-back delivery had kept; or one whose deadline passed, broken): a new range takes their word
    (cases.services.plan._standing_estimate)."""
    latest = case.promises.filter(kind=PromiseKind.ETA).order_by("-id").first()
    shown = type(case).objects.filter(pk=case.pk, eta_latest__isnull=False).exists()
    standing = shown and latest is not None and latest.status in (PromiseStatus.PENDING, PromiseStatus.BROKEN)
    return AGREED_TO_NEW_RANGE if standing else {}


def meet_gate(case, user):
    """Record everything the gate of the case's current step asks for; returns the case, refreshed."""
    current = Step(case.step)
    if current == Step.ACKNOWLEDGE:
        services.acknowledgement_record(user=user, case=case,
                                        text="I hear you: your orders have stopped and payroll is close.")
    elif current == Step.RECOMMIT:
        services.recommitment_record(
            user=user, case=case, text="We hold ourselves to keeping you online, and we will put this right.")
    elif current == Step.GATHER:
        services.fact_add(user=user, case=case, question="When did you first notice?", answer="At 7am on Monday")
        services.case_set_root_problem(user=user, case=case, root_problem="Mail server failed the upgrade",
                                       expected_resolution="Orders flowing again today")
    elif current == Step.PLAN:
        plan_ready(case, user)
    elif current == Step.MANAGE_ANXIETY:
        for item in case.action_items.filter(status="open"):
            services.action_item_complete(user=user, item=item)
    elif current == Step.DELIVER:
        services.delivery_record(user=user, case=case, verified_with_client=True, client_satisfied=True,
                                 prevention_note="Upgrades now run with a tested rollback",
                                 follow_up_on=timezone.localdate() + dt.timedelta(days=7))
    case.refresh_from_db()
    return case


def advance_to(case, step, user):
    """Satisfy each gate and take each transition until the case is in `step`."""
    order = list(Step)
    while order.index(Step(case.step)) < order.index(Step(step)):
        case = meet_gate(case, user)
        case = services.case_transition(user=user, case=case, name=COMPLETE_TRANSITIONS[case.step])
    return case


def race(calls, timeout=30):
    """Run each callable in its own thread (own DB connection), released together."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, fn):
        try:
            barrier.wait()
            results[i] = ("ok", fn())
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            results[i] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    return results


SAVING = 0.5  # seconds first_then_second's first writer keeps its transaction open after it has written


def first_then_second(first, second):
    """Runs `first` in a transaction that stays open SAVING seconds after it returns, and `second` once `first`
    has written (before it commits), each on its own connection: [(kind, value)] of each, as `race`."""
    written = threading.Event()

    def slow():
        with transaction.atomic():
            value = first()
            written.set()
            time.sleep(SAVING)  # the other writer reads now, before this one is committed
        return value

    def after():
        written.wait(10)
        return second()

    return race([slow, after])
