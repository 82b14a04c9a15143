"""Every enumeration of the domain. `Step` is the only source of step names in the project; what each
step allows is declared in cases/workflow.py."""
from django.db import models


class Step(models.TextChoices):
    IDENTIFY = "identify", "Identify the concerns"
    ACKNOWLEDGE = "acknowledge", "Acknowledge"
    RECOMMIT = "recommit", "Recommit"
    GATHER = "gather", "Gather information"
    PLAN = "plan", "Plan the action"
    MANAGE_ANXIETY = "manage_anxiety", "Manage anxiety"
    DELIVER = "deliver", "Deliver"
    RESOLVED = "resolved", "Resolved"

    @classmethod
    def ordered(cls):
        return list(cls)

    @property
    def number(self):
        """1-based position; `resolved` is 8 (past the seven steps)."""
        return list(Step).index(self) + 1




class Mood(models.TextChoices):
    """The client's emotional temperature, hottest first. Intake uses the first five; updates and
    delivery may also record the two happy ends of the scale."""

    IRATE = "irate", "Irate"
    ANGRY = "angry", "Angry"
    UPSET = "upset", "Upset"
    ANXIOUS = "anxious", "Anxious"
    CALM = "calm", "Calm"
    SATISFIED = "satisfied", "Satisfied"
    DELIGHTED = "delighted", "Delighted"

    @property
    def score(self):
        """0 (irate) .. 6 (delighted): higher is happier, for the anxiety-to-joy trend."""
        return list(Mood).index(self)


TEMPERATURE_CHOICES = [(m.value, m.label) for m in list(Mood)[:5]]
HOT_MOODS = (Mood.IRATE,)


class Channel(models.TextChoices):
    PHONE = "phone", "Phone"
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"
    IN_PERSON = "in_person", "In person"


class ItemKind(models.TextChoices):
    MITIGATE = "mitigate", "Mitigate the impact"
    FIX = "fix", "Fix the problem"
    PREVENT = "prevent", "Prevent recurrence"


class ItemStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class PromiseKind(models.TextChoices):
    STATUS_UPDATE = "status_update", "Status update"
    ACTION_ITEM = "action_item", "Action item"
    ETA = "eta", "Fix by the latest ETA"
    FOLLOW_UP = "follow_up", "Follow-up call"


class PromiseStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    KEPT = "kept", "Kept"
    BROKEN = "broken", "Broken"
    RENEGOTIATED = "renegotiated", "Renegotiated"
    # No longer owed, and no successor: its action item was cancelled, or a supervisor closed the case.
    WITHDRAWN = "withdrawn", "Withdrawn"


class EscalationReason(models.TextChoices):
    IRATE = "irate", "Irate client"
    NO_PLAN = "no_plan", "Cannot form a plan"
    CANNOT_ENROLL = "cannot_enroll", "Cannot enroll a needed teammate"
    LIABILITY = "liability", "Liability question"
    OTHER = "other", "Other"
    BROKEN_PROMISE = "broken_promise", "Broken promise"
    STALLED = "stalled", "Stalled case"


REP_ESCALATION_REASONS = [
    (r.value, r.label)
    for r in (
        EscalationReason.IRATE,
        EscalationReason.NO_PLAN,
        EscalationReason.CANNOT_ENROLL,
        EscalationReason.LIABILITY,
        EscalationReason.OTHER,
    )
]


class EscalationStatus(models.TextChoices):
    OPEN = "open", "Open"
    TAKEN = "taken", "Taken by a supervisor"
    RESOLVED = "resolved", "Resolved"


class HandoffStatus(models.TextChoices):
    REQUESTED = "requested", "Waiting for the new owner"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    CANCELLED = "cancelled", "Cancelled"


class ConfirmedBy(models.TextChoices):
    """Whose word the delivery's client confirmation is: the client's own (their status page) or the rep's."""

    CLIENT = "client", "The client, on their status page"
    REP = "rep", "The rep"


class ClientAnswerKind(models.TextChoices):
    """What the client answered on their status page at delivery."""

    WORKS = "works", "It works"
    NOT_YET = "not_yet", "Not yet"


class ClientMessageKind(models.TextChoices):
    """A message the rep sends the client by email from the case (cases.services.client_messages)."""

    UPDATE = "update", "Status update"
    ACKNOWLEDGEMENT = "acknowledgement", "Acknowledgement"
    PLAN = "plan", "The plan and its estimate"
    DELIVERY = "delivery", "Ask the client to confirm the fix"
    FOLLOW_UP = "follow_up", "Follow-up"


class ClientMessageStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    BOUNCED = "bounced", "Bounced"
    WITHDRAWN = "withdrawn", "Withdrawn before sending"  # the case was closed or changed hands while it waited


__all__ = [
    "Step", "Mood", "TEMPERATURE_CHOICES", "HOT_MOODS", "Channel", "ItemKind", "ItemStatus", "PromiseKind",
    "PromiseStatus", "EscalationReason", "REP_ESCALATION_REASONS", "EscalationStatus", "HandoffStatus",
    "ConfirmedBy", "ClientAnswerKind", "ClientMessageKind", "ClientMessageStatus",
]
