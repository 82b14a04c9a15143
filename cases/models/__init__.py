"""The cases app's models, split by subdomain; import them from here."""
from .case import COMPLETE_TRANSITIONS, Case, can_override_gate, can_work_case
from .choices import (
    OPEN_STEPS,
    PRE_ACTION_STEPS,
    REP_ESCALATION_REASONS,
    TEMPERATURE_CHOICES,
    Channel,
    EscalationReason,
    EscalationStatus,
    HandoffStatus,
    ItemKind,
    ItemStatus,
    Mood,
    PromiseKind,
    PromiseStatus,
    Step,
)
from .ledger import CaseEvent, Escalation, EscalationNote, Handoff, Promise
from .people import Client, StaffProfile
from .records import Acknowledgement, ActionItem, Concern, Delivery, Fact, Recommitment, StatusUpdate

__all__ = [
    "COMPLETE_TRANSITIONS", "Case", "can_override_gate", "can_work_case", "OPEN_STEPS", "PRE_ACTION_STEPS",
    "REP_ESCALATION_REASONS", "TEMPERATURE_CHOICES", "Channel", "EscalationReason", "EscalationStatus",
    "HandoffStatus", "ItemKind", "ItemStatus", "Mood", "PromiseKind", "PromiseStatus", "Step", "CaseEvent",
    "Escalation", "EscalationNote", "Handoff", "Promise", "Client", "StaffProfile", "Acknowledgement",
    "ActionItem", "Concern", "Delivery", "Fact", "Recommitment", "StatusUpdate",
]
