"""Records of steps 2-4 and every step transition. `case_transition` is the only caller of the
transition methods: lock, check the gate (with every missing thing in plain words), check the
user's permission, transition, save, record the event, and settle the promises the step closes."""
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed, has_transition_perm

from ..errors import CaseRuleError
from ..models import Acknowledgement, Fact, ItemStatus, PromiseKind, PromiseStatus, Recommitment, Step
from ..workflow import ALL_TRANSITIONS, TRANSITION_LABELS, Transition  # noqa: F401 (re-exported)
from .common import (
    coach_warnings, ensure_can_work, event_record, lock_case, refresh_counters, require_text,
)

def _note_record(*, user, case, text, model, step, context, verb, too_early, empty):
    case = lock_case(case)
    ensure_can_work(user, case)
    _ensure_reached(case, step, too_early)
    text = require_text(text, field="text", message=empty)
    warnings = coach_warnings(text, context)
    note = model.objects.create(case=case, text=text, coach_warnings=warnings, created_by=user)
    event_record(case=case, actor=user, verb=verb, note=text, data={"coach_warnings": warnings})
    refresh_counters(case)
    return note


@transaction.atomic
def acknowledgement_record(*, user, case, text):
    return _note_record(user=user, case=case, text=text, model=Acknowledgement, step=Step.ACKNOWLEDGE,
                        context="acknowledgement", verb="acknowledged",
                        too_early="Identify the concerns before acknowledging them.",
                        empty="Write what you said to acknowledge the concern.")


@transaction.atomic
def recommitment_record(*, user, case, text):
    return _note_record(user=user, case=case, text=text, model=Recommitment, step=Step.RECOMMIT,
                        context="recommitment", verb="recommitted",
                        too_early="Acknowledge the concern before recommitting: acknowledging comes first.",
                        empty="Write the recommitment you made on behalf of the team.")


@transaction.atomic
def fact_add(*, user, case, question, answer=""):
    case = lock_case(case)
    ensure_can_work(user, case)
    _ensure_reached(case, Step.GATHER, "Recommit before gathering information.")
    question = require_text(question, field="question", message="Write the question you asked.")
    fact = Fact.objects.create(case=case, question=question, answer=(answer or "").strip(), created_by=user)
    event_record(case=case, actor=user, verb="question asked", note=f"Q: {question}\nA: {fact.answer or '—'}")
    refresh_counters(case)
    return fact


@transaction.atomic
def fact_answer(*, user, fact, answer):
    case = lock_case(fact.case)
    ensure_can_work(user, case)
    fact.answer = require_text(answer, field="answer", message="Write the client's answer.")
    fact.save(update_fields=["answer"])
    event_record(case=case, actor=user, verb="answer recorded", note=f"Q: {fact.question}\nA: {fact.answer}")
    refresh_counters(case)
    return fact


@transaction.atomic
def case_set_root_problem(*, user, case, root_problem, expected_resolution=None):
    case = lock_case(case)
    ensure_can_work(user, case)
    _ensure_reached(case, Step.GATHER, "Recommit before gathering information.")
    case.root_problem = (root_problem or "").strip()
    fields = ["root_problem", "updated_at"]
    if expected_resolution is not None:
        case.expected_resolution = expected_resolution.strip()
        fields.append("expected_resolution")
    case.save(update_fields=fields)
    event_record(case=case, actor=user, verb="root problem recorded", note=case.root_problem,
                 data={"expected_resolution": case.expected_resolution})
    return case


def _ensure_reached(case, step, message):
    order = list(Step)
    if order.index(Step(case.step)) < order.index(step):
        raise CaseRuleError(message)


def available_transitions(case, user):
    """Names of the transitions this user may take now (gates met, permission held)."""
    return [t.name for t in case.get_available_user_step_transitions(user)]


@transaction.atomic
def case_transition(*, user, case, name, reason=""):
    """Move the case along one transition. `name` is what the user saw and pressed: if somebody
    moved the case first, the call is refused rather than applied to the new step."""
    if name not in ALL_TRANSITIONS:
        raise CaseRuleError("That is not a step change this case knows.")
    case = lock_case(case)
    method = getattr(case, name)
    if not can_proceed(method, check_conditions=False):
        raise CaseRuleError(
            f"{case.reference} is in “{case.step_enum.label}” now, so “{TRANSITION_LABELS[name]}” cannot be "
            "applied (someone may have moved it first). Reload the case to see where it stands."
        )
    if not can_proceed(method):
        gaps = case.gate_gaps()
        raise CaseRuleError("Not yet: " + " ".join(gaps), gaps=gaps)
    if not has_transition_perm(method, user):
        raise CaseRuleError("You do not have permission to do that on this case.")
    if Transition.named(name).reason_required:
        reason = require_text(reason, field="reason", message="Give a reason for this step change.")
    if name == "complete_plan":
        _check_plan_items(case)
    from_step = case.step
    method(reason) if Transition.named(name).reason_required else method()
    case.save()
    event_record(case=case, actor=user, verb=TRANSITION_LABELS[name], from_step=from_step, to_step=case.step,
                 note=reason, data={"transition": name})
    _after_transition(case=case, name=name, user=user, reason=reason)
    refresh_counters(case)
    return case


def _check_plan_items(case):
    """The authoritative cross-table check of the plan gate (the row counters may lag a clock)."""
    now = timezone.now()
    items = case.action_items.filter(status=ItemStatus.OPEN)
    problems = []
    for item in items:
        if item.assignee_id is None:
            problems.append(f"“{item.description[:40]}” needs an owner.")
        if item.due_at is None:
            problems.append(f"“{item.description[:40]}” needs a due time.")
        elif item.due_at <= now:
            problems.append(f"“{item.description[:40]}” is due in the past; give it a future due time.")
    if problems:
        raise CaseRuleError("Not yet: " + " ".join(problems), gaps=problems)


def _after_transition(*, case, name, user, reason):
    from .promises import (
        open_follow_up, open_next_status_update, pending_promise, promise_close_unneeded, promise_fulfil,
    )

    now = timezone.now()
    pending = case.promises.filter(status=PromiseStatus.PENDING)
    if name == "complete_manage_anxiety":
        eta = pending_promise(case, PromiseKind.ETA)
        if eta:
            promise_fulfil(promise=eta, at=now, actor=user)
    elif name == "complete_deliver":
        # The delivery conversation is the last status update; only the follow-up is still owed.
        for promise in pending.exclude(kind=PromiseKind.FOLLOW_UP):
            promise_fulfil(promise=promise, at=now, actor=user)
        delivery = case.deliveries.order_by("-created_at").first()
        if delivery and delivery.follow_up_on:
            open_follow_up(case=case, day=delivery.follow_up_on, actor=user)
    elif name == "force_close":
        for promise in pending:
            promise_close_unneeded(promise=promise, actor=user, note=f"Case closed by a supervisor: {reason}")
    elif name in ("loose_ends", "reopen"):
        for promise in pending.filter(kind=PromiseKind.FOLLOW_UP):
            promise_close_unneeded(promise=promise, actor=user, note="The case went back to planning.")
        # A new plan needs a new estimate; the old range stays in the timeline.
        case.eta_earliest = case.eta_latest = case.eta_given_at = None
        case.save(update_fields=["eta_earliest", "eta_latest", "eta_given_at", "updated_at"])
        if case.cadence_minutes and not pending_promise(case, PromiseKind.STATUS_UPDATE):
            open_next_status_update(case=case, start=now, actor=user)
