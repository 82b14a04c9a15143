"""The case page's context: which blocks the current step shows, the gate (the next transition or, in
plain words, what is missing), and every form, unbound unless a refused POST hands one back so the
rep's text is kept. Shared by the full page and by the htmx partial responses."""
from django.utils.functional import cached_property

from .. import workflow
from ..models import Step
from ..permissions import (
    can_accept_handoff_for, can_act_on_item, can_ask_for_case, can_cancel_item, can_hand_back_item, can_log_contact,
    can_reassign, can_work_case,
)
from ..selectors_ui import (
    assignable_users, case_records, earliest_pending, mood_trend, open_escalations, pending_handoff, promises_by_status,
)
from ..services import available_transitions
from .actions import ACTIONS

BLOCK_TITLES = {
    "concerns": "Concerns", "temperature": "The client's temperature", "ack": "Acknowledgement",
    "recommit": "Recommitment", "facts": "Questions and answers", "root": "Root problem",
    "items": "Action items", "cadence": "Update cadence", "eta": "Estimate", "updates": "Status updates",
    "delivery": "Delivery", "followup": "Follow-up call",
}
# The form each block opens with, for autofocus.
PRIMARY_ACTION = {
    "concerns": "concern_add", "temperature": "temperature", "ack": "ack", "recommit": "recommit",
    "facts": "fact_add", "root": "root", "items": "item_add", "cadence": "cadence", "eta": "eta",
    "updates": "update", "delivery": "delivery", "followup": "followup",
}


class CaseForms:
    """Forms by action name, built on first use; a bound (refused) form given at construction wins."""

    def __init__(self, case, user, bound, records, *, all_zones=False):
        self.case, self.user, self.bound, self.records = case, user, bound or {}, records
        self.all_zones = all_zones  # ?zones=all: the full time-zone select, for a browser without JavaScript
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
            form = action.bind(None, case=self.case, user=self.user, obj=obj, users=self.users)
            if self.all_zones and hasattr(form, "show_all_zones"):
                form.show_all_zones()
            self._cache[key] = form
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
    """A block is editable when the user works the case and the step's policy allows its record (the
    same question the services ask). The follow-up block also needs a call still waiting."""
    pol = workflow.policy(case.step)
    flags = {b: can_work and workflow.reached(case.step, b) and pol.allows(workflow.BLOCK_RECORD[b])
             for b in workflow.BLOCKS}
    follow_up_waiting = bool(records["deliveries"]) and not records["deliveries"][-1].follow_up_logged_at
    flags["followup"] = flags["followup"] and follow_up_waiting
    return flags


def _blocks(step, editable, forced_open=None):
    now = workflow.policy(step).blocks
    earlier = [b for b in workflow.BLOCKS if workflow.reached(step, b) and b not in now]
    hints = workflow.policy(step).hints
    make = lambda name, is_open: {"name": name, "title": BLOCK_TITLES[name], "open": is_open,  # noqa: E731
                                  "template": f"cases/blocks/_{name}.html", "editable": editable[name],
                                  "hint": "" if editable[name] else hints.get(name, "")}
    return ([make(b, True) for b in now], [make(b, b == forced_open) for b in earlier])


def _gate(case, user, can_work, transitions):
    step = Step(case.step)
    name = workflow.COMPLETE_TRANSITIONS.get(step)
    if name is None:
        return None
    spec = workflow.Transition.named(name)
    return {
        "name": name, "label": spec.label, "next": spec.target,
        "allowed": name in transitions, "gaps": [] if name in transitions else case.gate_gaps(),
        "can_work": can_work,
    }


def _item_row(item, forms, user, case, can_work, item_work):
    live = item.is_open and item_work
    item.case = case  # the predicates read the case row; it is the one this page already holds
    return {"item": item, "can_act": live and can_act_on_item(user, item),
            "can_edit": live and can_work, "can_cancel": live and can_cancel_item(user, item),
            "can_hand_back": live and can_hand_back_item(user, item) and not item.handback_at,
            "can_answer_hand_back": live and bool(item.handback_at) and can_cancel_item(user, item),
            "edit": forms.get("item_edit", item), "done": forms.get("item_done", item),
            "cancel": forms.get("item_cancel", item), "hand_back": forms.get("item_hand_back", item),
            "hand_back_answer": forms.get("item_hand_back_answer", item)}


def _rows(case, records, forms, user, can_work):
    pol = workflow.policy(case.step)
    item_work = pol.allows(workflow.Record.ITEM_WORK)
    items = [_item_row(i, forms, user, case, can_work, item_work) for i in records["items"]]
    concerns = [{"concern": c, "edit": forms.get("concern_edit", c)} for c in records["concerns"]]
    facts = [{"fact": x, "answer": forms.get("fact_answer", x)} for x in records["facts"]]
    groups = promises_by_status(records)
    renegotiate = can_work and pol.allows(workflow.Record.RENEGOTIATION)
    pending = [{"promise": p, "form": forms.get("renegotiate", p) if renegotiate else None} for p in groups["pending"]]
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
    forms = CaseForms(case, user, bound, records, all_zones=request.GET.get("zones") == "all")
    editable = _editable(case, can_work, records)
    blocks_now, blocks_earlier = _blocks(Step(case.step), editable, forced_open=focus_block)
    focus = [b for b in blocks_now + blocks_earlier if b["name"] == focus_block] if focus_block else blocks_now
    _autofocus(focus, forms, bound)
    handoff = pending_handoff(records)
    return {
        "case": case, "records": records, "forms": forms, "can_work": can_work, "editable": editable,
        "blocks_now": blocks_now, "blocks_earlier": blocks_earlier, "gate": _gate(case, user, can_work, transitions),
        "moves": [(n, label) for n, label in workflow.MOVE_LABELS.items() if n in transitions],
        "policy": workflow.policy(case.step),
        "next_promise": earliest_pending(records), "trend": mood_trend(case, records),
        "open_escalations": open_escalations(records), "handoff": handoff,
        "handoff_for_me": handoff is not None and can_accept_handoff_for(user, handoff),
        "asked_for": handoff is not None and handoff.requested_by_id == handoff.to_user_id,
        "can_log_contact": can_log_contact(user, case) and workflow.policy(case.step).allows(workflow.Record.CONTACT),
        "can_ask_for_case": (handoff is None and can_ask_for_case(user, case)
                             and workflow.policy(case.step).allows(workflow.Record.HANDOFF)),
        "handoff_accept_form": forms.get("handoff_accept", handoff) if handoff else None,
        "can_reassign": can_reassign(user, case), "steps": [s for s in Step if s != Step.RESOLVED],
        **_rows(case, records, forms, user, can_work),
    }
