"""The case page's context: which blocks the current step shows, the gate (the next transition or, in
plain words, what is missing), and the forms: those of the blocks the step works, drawn up front;
every other form the user may use is a part (cases.views.parts), drawn when opened. A refused POST
hands its bound form back, so the rep's text is kept and its part comes back open. Shared by the full
page, the htmx partial responses and the parts view."""
from django.utils.functional import cached_property
from django.utils import timezone

from .. import workflow
from ..models import PromiseKind, PromiseStatus, Step
from ..permissions import (
    can_accept_handoff_for, can_act_on_item, can_answer_handoff, can_ask_for_case, can_cancel_item,
    can_hand_back_item, can_log_contact, can_reassign, can_work_case,
)
from ..selectors_ui import (
    assignable_list, case_records, earliest_pending, escalations_held, mood_trend, open_escalations, pending_handoff,
    promises_by_status,
)
from ..services import available_transitions
from ..services.transitions import held_by_checks
from ..forms import TransitionForm
from .actions import ACTIONS
from .parts import OLDER_UPDATES, TIMELINE, UPDATES_LATEST, CaseUrls, Parts, long_lists, opened_keys

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

    def __init__(self, case, user, bound, records):
        self.case, self.user, self.bound, self.records = case, user, bound or {}, records
        self.urls = CaseUrls(case)
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
            # The teammates are fetched only if a form with a picker is built.
            form = action.bind(None, case=self.case, user=self.user, obj=obj, users=lambda: self.users)
            if hasattr(form, "show_all_zones"):  # built only once its part is opened: the whole list then
                form.show_all_zones()
            self._cache[key] = form
        return self._cache[key]

    def is_bound(self, key):
        return key in self.bound

    def refused(self, name, obj=None):
        """The form handed back by a refused POST, else None (nothing is built for it)."""
        return self.bound.get(ACTIONS[name].form_key(obj))

    @cached_property
    def users(self):
        """Teammates for every picker on the page, fetched once."""
        return assignable_list()

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


def _blocks(case, editable, opened, urls):
    """The step's own blocks, open, with their forms; the earlier steps' blocks, collapsed, with their
    records only: an editable one gets its forms when opened (a part), or when `opened` names it (a
    plain GET with ?open=<block>, or the block a form was just posted from)."""
    pol = workflow.policy(case.step)
    earlier = [b for b in workflow.BLOCKS if workflow.reached(case.step, b) and b not in pol.blocks]

    def make(name, now):
        shown = now or name in opened
        wanted = shown or (name == "updates" and OLDER_UPDATES in opened)  # its older updates asked for
        return {"name": name, "title": BLOCK_TITLES[name], "open": wanted, "template": f"cases/blocks/_{name}.html",
                "editable": editable[name] and shown, "deferred": editable[name] and not shown,
                "part_url": urls.part(name), "page_url": urls.opened(name, f"blk-{name}"),
                "hint": "" if editable[name] else pol.hints.get(name, "")}
    return [make(b, True) for b in pol.blocks], [make(b, False) for b in earlier]


def _gate(case, user, can_work, transitions):
    step = Step(case.step)
    name = workflow.COMPLETE_TRANSITIONS.get(step)
    if name is None:
        return None
    spec = workflow.Transition.named(name)
    held = held_by_checks(case, name) if name in transitions and can_work else []
    return {
        "name": name, "label": spec.label, "next": spec.target,
        "allowed": name in transitions and not held, "gaps": held if name in transitions else case.gate_gaps(),
        "can_work": can_work,
    }


def _moves(case, transitions):
    """The other moves this user may take now (workflow.MOVE_LABELS): (name, label) of those offered, and
    (name, label, reasons) of those a check beyond the gate would refuse (held_by_checks, as _gate reads
    it), shown with the refusal's words instead of a form whose click would be refused."""
    offered, held = [], []
    for name, label in workflow.MOVE_LABELS.items():
        if name not in transitions:
            continue
        reasons = held_by_checks(case, name)
        if reasons:
            held.append((name, label, reasons))
        else:
            offered.append((name, label))
    return offered, held


def _item_row(item, forms, parts, user, case, can_work, item_work):
    live = item.is_open and item_work
    item.case = case  # the predicates read the case row; it is the one this page already holds
    can_answer = live and bool(item.handback_at) and can_cancel_item(user, item)
    return {"item": item, "can_act": live and can_act_on_item(user, item), "can_answer_hand_back": can_answer,
            "edit": parts.add("item_edit", item, offered=live and can_work),
            "cancel": parts.add("item_cancel", item, offered=live and can_cancel_item(user, item)),
            "hand_back": parts.add("item_hand_back", item, offered=(live and can_hand_back_item(user, item)
                                                                     and not item.handback_at)),
            "done": forms.refused("item_done", item),
            "hand_back_answer": forms.get("item_hand_back_answer", item) if can_answer else None}


def _rows(case, records, forms, parts, user, can_work, with_forms):
    """Each record row, with the parts it offers; `with_forms`: the blocks whose forms are drawn."""
    pol = workflow.policy(case.step)
    item_work = pol.allows(workflow.Record.ITEM_WORK)
    items = [_item_row(i, forms, parts, user, case, can_work, item_work) for i in records["items"]]
    concerns = [{"concern": c, "edit": parts.add("concern_edit", c, offered="concerns" in with_forms)}
                for c in records["concerns"]]
    facts = [{"fact": x, "answer": forms.get("fact_answer", x) if "facts" in with_forms and not x.answer else None}
             for x in records["facts"]]
    groups = promises_by_status(records)
    renegotiate = can_work and pol.allows(workflow.Record.RENEGOTIATION)
    pending = [{"promise": p, "renegotiate": parts.add("renegotiate", p, offered=renegotiate)}
               for p in groups["pending"]]
    return {"item_rows": items, "concern_rows": concerns, "fact_rows": facts, "promise_groups": groups,
            "pending_rows": pending}


def _newest_first(updates):
    """The status updates, newest first: the latest UPDATES_LATEST shown, the older ones drawn when opened."""
    newest = updates[::-1]
    return {"latest": newest[:UPDATES_LATEST], "older": newest[UPDATES_LATEST:]}


def _side_parts(parts, case, user, can_work, handoff, ctx):
    """The side cards' parts, each where the policy and the permissions offer it."""
    pol = workflow.policy(case.step)
    parts.add("escalate", offered=can_work and pol.allows(workflow.Record.ESCALATION))
    parts.add("contact_log", offered=ctx["can_log_contact"])
    parts.add("ask_for_case", offered=ctx["can_ask_for_case"])
    parts.add("client_details", offered=can_work and pol.allows(workflow.Record.CLIENT_CONTACT))
    parts.add("handoff_request", offered=handoff is None and can_work and pol.allows(workflow.Record.HANDOFF))
    parts.add("reassign", offered=ctx["can_reassign"] and pol.allows(workflow.Record.HANDOFF))
    if "contact_log" in parts and not can_work:
        parts["contact_log"].open = True  # a teammate reading the case came to log the call: no extra click


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


def _follow_up_day(case, records):
    """The client's date of the follow-up call still promised (its pending promise), or None: the day the
    page shows, which a change of the client's time zone may have moved from the delivery's follow_up_on
    (found by an audit: the page said Tuesday while the ledger, the reminder and the log said Wednesday)."""
    calls = [p for p in records["promises"] if p.kind == PromiseKind.FOLLOW_UP and p.status == PromiseStatus.PENDING]
    return timezone.localtime(calls[-1].due_at, case.client.tz).date() if calls else None


def _open_incomplete_concern(concern_rows, bound):
    """While a concern still lacks a part, its edit is drawn open, focused on the first part it lacks, rather
    than "Another concern" (found by a browser audit: a rep typing the missing impact there logged a second
    concern). Not after a refused post, whose field in error has the focus. True when it did."""
    if bound:
        return False
    for row in concern_rows:
        concern, part = row["concern"], row["edit"]
        if part is None or concern.is_complete:
            continue
        part.open = True
        lacking = next(name for name in ("description", "impact", "feeling") if not getattr(concern, name).strip())
        part.form.fields[lacking].widget.attrs["autofocus"] = True
        return True
    return False


def case_page_context(request, case, *, bound=None, focus_block=None, opened=None):
    """`focus_block`: the block a form was posted from (kept open with its forms, and focused after an
    htmx swap). `opened`: the parts to draw open (default: the request's ?open=)."""
    user, bound = request.user, bound or {}
    opened = set(opened_keys(request) if opened is None else opened) | ({focus_block} if focus_block else set())
    records = case_records(case, whole_timeline=TIMELINE in opened)
    can_work = can_work_case(user, case)
    pol = workflow.policy(case.step)
    transitions = available_transitions(case, user) if can_work else []
    forms = CaseForms(case, user, bound, records)
    parts = Parts(forms, opened)
    editable = _editable(case, can_work, records)
    blocks_now, blocks_earlier = _blocks(case, editable, opened, forms.urls)
    with_forms = {b["name"] for b in blocks_now + blocks_earlier if b["editable"]}
    focus = [b for b in blocks_now + blocks_earlier if b["name"] == focus_block] if focus_block else blocks_now
    rows = _rows(case, records, forms, parts, user, can_work, with_forms)
    if not (focus_block in (None, "concerns") and any(b["name"] == "concerns" and b["editable"] for b in blocks_now)
            and _open_incomplete_concern(rows["concern_rows"], bound)):
        _autofocus(focus, forms, bound)
    handoff = pending_handoff(records)
    handoff_for_me = handoff is not None and can_accept_handoff_for(user, handoff)
    moves, held_moves = _moves(case, transitions)
    escalations = open_escalations(records)
    if any(name == workflow.Transition.FORCE_CLOSE.method for name, _label in moves):
        escalations = escalations_held(escalations)  # the override's form posts who holds each
    context = {
        "case": case, "records": records, "forms": forms, "parts": parts, "can_work": can_work,
        "editable": editable, "blocks_now": blocks_now, "blocks_earlier": blocks_earlier,
        "gate": _gate(case, user, can_work, transitions),
        "moves": moves, "held_moves": held_moves, "reason_max_length": TransitionForm.base_fields["reason"].max_length,
        "policy": pol, "next_promise": earliest_pending(records), "trend": mood_trend(case, records),
        "follow_up_day": _follow_up_day(case, records),
        "open_escalations": escalations, "handoff": handoff, "handoff_for_me": handoff_for_me,
        "asked_for": handoff is not None and handoff.requested_by_id == handoff.to_user_id,
        "can_log_contact": can_log_contact(user, case) and pol.allows(workflow.Record.CONTACT),
        "can_ask_for_case": (handoff is None and can_ask_for_case(user, case)
                             and pol.allows(workflow.Record.HANDOFF)),
        "handoff_accept_form": forms.get("handoff_accept", handoff) if handoff_for_me else None,
        # The Decline / Withdraw button: shown exactly when services.handoff_decline would take it.
        "can_decline_handoff": handoff is not None and can_answer_handoff(user, handoff),
        "can_reassign": can_reassign(user, case), "steps": [s for s in Step if s != Step.RESOLVED],
        "timeline_url": forms.urls.part(TIMELINE), "timeline_page_url": forms.urls.opened(TIMELINE, "case-timeline"),
        "lists": long_lists(forms.urls, opened), "updates": _newest_first(records["updates"]),
        **rows,
    }
    _side_parts(parts, case, user, can_work, handoff, context)
    return context
