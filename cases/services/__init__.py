"""Every write to a case goes through these services (one per user action). Each runs in one
transaction, locks the case row, checks the rules and the user's right, writes a CaseEvent, and
refuses with a CaseRuleError a rep can read."""
from .delivery import case_force_close, case_loose_ends, case_reopen, delivery_record, follow_up_log
from .escalations import (
    case_close_by_override, case_escalations_note, case_escalations_resolve, case_escalations_take,
    escalation_add_note, escalation_raise, escalation_raise_system, escalation_resolve, escalation_take,
)
from .handoffs import case_reassign, handoff_accept, handoff_decline, handoff_request
from .irate import case_flag_irate, irate_cases_follow_supervisor
from .intake import (
    case_intake, case_open, case_set_temperature, client_create, client_update, concern_add,
    concern_update,
)
from .items import (
    action_item_answer_hand_back, action_item_cancel, action_item_complete, action_item_create, action_item_hand_back,
    action_item_update,
)
from .plan import cadence_set, eta_set
from .promises import promise_break, promise_renegotiate
from .steps import acknowledgement_record, case_set_root_problem, fact_add, fact_answer, recommitment_record
from .transitions import ALL_TRANSITIONS, TRANSITION_LABELS, available_transitions, case_transition
from .team import case_ask_for, client_contact_log
from .status_links import status_link_issue, status_link_revoke
from .updates import status_update_log

__all__ = [
    "case_ask_for", "client_contact_log",
    "case_force_close", "case_loose_ends", "case_reopen", "delivery_record", "follow_up_log",
    "case_close_by_override", "case_escalations_note", "case_escalations_resolve", "case_escalations_take",
    "escalation_add_note", "escalation_raise", "escalation_raise_system", "escalation_resolve", "escalation_take",
    "case_reassign", "handoff_accept", "handoff_decline", "handoff_request", "case_flag_irate", "case_open",
    "irate_cases_follow_supervisor",
    "case_set_temperature", "client_create", "client_update", "case_intake", "concern_add", "concern_update",
    "action_item_answer_hand_back", "action_item_hand_back", "action_item_cancel", "action_item_complete",
    "action_item_create", "action_item_update", "cadence_set", "eta_set",
    "promise_break", "promise_renegotiate", "ALL_TRANSITIONS", "TRANSITION_LABELS", "acknowledgement_record",
    "available_transitions", "case_set_root_problem", "case_transition", "fact_add", "fact_answer",
    "recommitment_record", "status_update_log", "status_link_issue", "status_link_revoke",
]
