"""The cases app's models, split by subdomain; import them from here."""
from ..workflow import COMPLETE_TRANSITIONS, OPEN_STEPS
from .case import Case
from .choices import (
    REP_ESCALATION_REASONS,
    TEMPERATURE_CHOICES,
    Channel,
    ClientAnswerKind,
    ClientMessageKind,
    ClientMessageStatus,
    ConfirmedBy,
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
from .client_messages import ClientMessage
from .client_word import ClientAnswer, ClientSurvey
from .ledger import CaseEvent, Escalation, EscalationNote, Handoff, Promise
from .people import Client, StaffProfile
from .records import Acknowledgement, ActionItem, Concern, Delivery, Fact, Recommitment, StatusUpdate
from .stays import HeldStay
from .submissions import FormSubmission

__all__ = [
    "COMPLETE_TRANSITIONS", "Case", "FormSubmission", "OPEN_STEPS",
    "REP_ESCALATION_REASONS", "TEMPERATURE_CHOICES", "Channel", "EscalationReason", "EscalationStatus",
    "HandoffStatus", "ItemKind", "ItemStatus", "Mood", "PromiseKind", "PromiseStatus", "Step", "CaseEvent",
    "Escalation", "EscalationNote", "Handoff", "Promise", "Client", "StaffProfile", "Acknowledgement",
    "ActionItem", "Concern", "Delivery", "Fact", "Recommitment", "StatusUpdate", "ClientAnswer", "ClientSurvey",
    "ClientAnswerKind", "ConfirmedBy", "ClientMessage", "ClientMessageKind", "ClientMessageStatus", "HeldStay",
]
