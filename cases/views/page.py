"""The case page's context: which blocks the current step shows, the gate (the next transition or, in
plain words, what is missing), and every form, unbound unless a refused POST hands one back so the
rep's text is kept. Shared by the full page and by the htmx partial responses."""
from django.utils.functional import cached_property

from ..models import COMPLETE_TRANSITIONS, OPEN_STEPS, Step
from ..permissions import can_work_case
from ..selectors_ui import (
    assignable_users, case_records, earliest_pending, mood_trend, open_escalations, pending_handoff, promises_by_status,
)
from ..services import TRANSITION_LABELS, available_transitions
from .actions import ACTIONS

BLOCK_TITLES = {
    "concerns": "Concerns", "temperature": "The client's temperature", "ack": "Acknowledgement",
    "recommit": "Recommitment", "facts": "Questions and answers", "root": "Root problem",
    "items": "Action items", "cadence": "Update cadence", "eta": "Estimate", "updates": "Status updates",
    "delivery": "Delivery", "followup": "Follow-up call",
}
# The step in which each block first appears; it stays (collapsed) in every later step.
BLOCK_FROM = {
    "concerns": Step.IDENTIFY, "temperature": Step.IDENTIFY, "ack": Step.ACKNOWLEDGE,
    "recommit": Step.RECOMMIT, "facts": Step.GATHER, "root": Step.GATHER, "items": Step.PLAN,
    "cadence": Step.PLAN, "eta": Step.PLAN, "updates": Step.PLAN, "delivery": Step.DELIVER,
    "followup": Step.RESOLVED,
}
STEP_BLOCKS = {
    Step.IDENTIFY: ["concerns", "temperature"],
    Step.ACKNOWLEDGE: ["ack"],
    Step.RECOMMIT: ["recommit"],
    Step.GATHER: ["facts", "root"],
    Step.PLAN: ["items", "cadence", "eta"],
    Step.MANAGE_ANXIETY: ["updates", "items", "cadence"],
    Step.DELIVER: ["delivery", "updates"],
    Step.RESOLVED: ["followup"],
}
# The form each block opens with, for autofocus.
PRIMARY_ACTION = {
    "concerns": "concern_add", "temperature": "temperature", "ack": "ack", "recommit": "recommit",
    "facts": "fact_add", "root": "root", "items": "item_add", "cadence": "cadence", "eta": "eta",
    "updates": "update", "delivery": "delivery", "followup": "followup",
}
ACTING = (Step.PLAN, Step.MANAGE_ANXIETY, Step.DELIVER)
MOVE_LABELS = {
    "loose_ends": "Back to plan: the client is not satisfied yet",
    "reopen": "Reopen: the problem came back",
    "force_close": "Close without meeting the gate (supervisor override)",
}


def _reached(step, block):
    order = list(Step)
    return order.index(step) >= order.index(BLOCK_FROM[block])


class CaseForms:
    """Forms by action name, built on first use; a bound (refused) form given at construction wins."""

    def __init__(self, case, user, bound, records):
        self.case, self.user, self.bound, self.records = case, user, bound or {}, records
        self._cache = {}

    def __getitem__(self, name):
        return self.get(name)

    def get(self, name, obj=None):
        action = ACTIONS[name]
        key = action.form_key(obj)
        if key in self.bound:
            return self.bound[key]
        if key not in self._cache:
            if name == "delivery":
                obj = self.current_delivery
            self._cache[key] = action.bind(None, case=self.case, user=self.user, obj=obj, users=self.users)
        return self._cache[key]

    @cached_property
    def users(self):
        """Teammates for every picker on the page, fetched once."""
        return list(assignable_users())

    @cached_property
    def current_delivery(self):
        entered = self.case.step_entered_at
        ours = [d for d in self.records["deliveries"] if d.created_at >= entered]
        return ours[-1] if ours else None


def _editable(case, can_work, records):
    step, is_open = Step(case.step), case.step in OPEN_STEPS
    follow_up_waiting = bool(records["deliveries"]) and not records["deliveries"][-1].follow_up_logged_at
    flags = {b: can_work and is_open and _reached(step, b) for b in BLOCK_TITLES}
    flags.update(items=can_work and step in ACTING, cadence=can_work and step in ACTING,
                 eta=can_work and step in (Step.PLAN, Step.MANAGE_ANXIETY), updates=can_work and step in ACTING,
                 delivery=can_work and step == Step.DELIVER,
                 followup=can_work and step == Step.RESOLVED and follow_up_waiting)
    return flags


def _blocks(step, editable, forced_open=None):
    now = STEP_BLOCKS[step]
    earlier = [b for b in BLOCK_TITLES if _reached(step, b) and b not in now]
    make = lambda name, is_open: {"name": name, "title": BLOCK_TITLES[name], "open": is_open,  # noqa: E731
                                  "template": f"cases/blocks/_{name}.html", "editable": editable[name]}
    return ([make(b, True) for b in now], [make(b, b == forced_open) for b in earlier])


def _gate(case, user, can_work, transitions):
    step = Step(case.step)
    name = COMPLETE_TRANSITIONS.get(step)
    if name is None:
        return None
    order = list(Step)
    return {
        "name": name, "label": TRANSITION_LABELS[name], "next": order[order.index(step) + 1],
        "allowed": name in transitions, "gaps": [] if name in transitions else case.gate_gaps(),
        "can_work": can_work,
    }


def _rows(records, forms, user, can_work):
    items = [{"item": i, "can_act": i.is_open and (can_work or i.assignee_id == user.pk),
              "edit": forms.get("item_edit", i), "done": forms.get("item_done", i),
              "cancel": forms.get("item_cancel", i)} for i in records["items"]]
    concerns = [{"concern": c, "edit": forms.get("concern_edit", c)} for c in records["concerns"]]
    facts = [{"fact": x, "answer": forms.get("fact_answer", x)} for x in records["facts"]]
    groups = promises_by_status(records)
    pending = [{"promise": p, "form": forms.get("renegotiate", p) if can_work else None} for p in groups["pending"]]
    return {"item_rows": items, "concern_rows": concerns, "fact_rows": facts, "promise_groups": groups,
            "pending_rows": pending}


def _autofocus(blocks, forms, bound):
    """Focus the first field with an error, else the first field of the first editable block's main
    form (htmx moves focus to it after a swap, so a rep can type the next entry straight away)."""
    for form in bound.values():
        for name in form.errors:
            if name in form.fields:
                form.fields[name].widget.attrs["autofocus"] = True
                return
    for block in blocks:
        if block["editable"]:
            form = forms[PRIMARY_ACTION[block["name"]]]
            first = next((n for n, fld in form.fields.items() if not fld.widget.is_hidden), None)
            if first:
                form.fields[first].widget.attrs["autofocus"] = True
            return


def case_page_context(request, case, *, bound=None, focus_block=None):
    """`focus_block`: the block a form was posted from (kept open, and focused after an htmx swap)."""
    user, bound = request.user, bound or {}
    records = case_records(case)
    can_work = can_work_case(user, case)
    transitions = available_transitions(case, user) if can_work else []
    forms = CaseForms(case, user, bound, records)
    editable = _editable(case, can_work, records)
    blocks_now, blocks_earlier = _blocks(Step(case.step), editable, forced_open=focus_block)
    focus = [b for b in blocks_now + blocks_earlier if b["name"] == focus_block] if focus_block else blocks_now
    _autofocus(focus, forms, bound)
    handoff = pending_handoff(records)
    return {
        "case": case, "records": records, "forms": forms, "can_work": can_work, "editable": editable,
        "blocks_now": blocks_now, "blocks_earlier": blocks_earlier, "gate": _gate(case, user, can_work, transitions),
        "moves": [(n, MOVE_LABELS[n]) for n in MOVE_LABELS if n in transitions],
        "next_promise": earliest_pending(records), "trend": mood_trend(case, records),
        "open_escalations": open_escalations(records), "handoff": handoff,
        "handoff_for_me": handoff is not None and handoff.to_user_id == user.pk,
        "handoff_accept_form": forms.get("handoff_accept", handoff) if handoff else None,
        "can_reassign": user.has_perm("cases.reassign_case"), "steps": [s for s in Step if s != Step.RESOLVED],
        **_rows(records, forms, user, can_work),
    }
