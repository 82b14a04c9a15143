"""What the rep records in each step. Rows are added by services only; a step's records may be
added in that step or any later one (action items only from `plan` on)."""
from django.conf import settings
from django.db import models
from django.utils import timezone

from .case import Case
from .choices import Channel, ClientMessageStatus, ConfirmedBy, ItemKind, ItemStatus, Mood

User = settings.AUTH_USER_MODEL


class Concern(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="concerns")
    description = models.TextField(blank=True, max_length=4000)
    impact = models.TextField(blank=True, max_length=4000, help_text="How it affects the client's life or business.")
    impact_deadline = models.DateTimeField(null=True, blank=True, help_text="When the impact becomes critical.")
    feeling = models.CharField(max_length=200, blank=True, help_text="How the client feels about it.")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    @property
    def is_complete(self):
        return bool(self.description.strip() and self.impact.strip() and self.feeling.strip())

    def missing_parts(self):
        parts = []
        if not self.description.strip():
            parts.append("what is wrong")
        if not self.impact.strip():
            parts.append("how this affects the client's life or business")
        if not self.feeling.strip():
            parts.append("how the client feels")
        return parts

    def __str__(self):
        return self.description[:80]


class StepNote(models.Model):
    """What the rep said, in their own words, with the phrase coach's warnings (which never block)."""

    text = models.TextField(max_length=4000)
    coach_warnings = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]


class Acknowledgement(StepNote):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="acknowledgements")


class Recommitment(StepNote):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="recommitments")


class Fact(models.Model):
    """A clarifying question asked in `gather`, and the client's answer once given."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="facts")
    question = models.TextField(max_length=1000)
    answer = models.TextField(blank=True, max_length=4000)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]


class ActionItem(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="action_items")
    description = models.TextField(max_length=1000)
    kind = models.CharField(max_length=20, choices=ItemKind.choices, default=ItemKind.FIX)
    # May be saved without owner or due time while planning; the plan gate refuses until both exist.
    assignee = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="action_items")
    due_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=ItemStatus.choices, default=ItemStatus.OPEN)
    done_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True, max_length=1000)
    # The teammate holding the item gave it back; the owner accepts (then reassigns or cancels) or declines.
    handback_at = models.DateTimeField(null=True, blank=True)
    handback_note = models.TextField(blank=True, max_length=1000)
    # When the item last went to its assignee, and who gave it to them (cases.services.items): one handed
    # back within HANDOVER_MIN_MINUTES of being given by someone else returns its promise to the owner,
    # however close its due time (an item someone gave themselves is not theirs to hand back that way).
    assigned_at = models.DateTimeField(null=True, blank=True)
    assigned_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", null=True, blank=True,
                                    db_index=False)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # Sweep markers (notifications): set once, so a second sweep run is a no-op.
    reminded_at = models.DateTimeField(null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["assignee", "status"]),
            # One partial index per sweep, so each reads only the rows it still has to handle.
            models.Index(
                fields=["due_at"],
                name="item_reminder_due",
                condition=models.Q(status="open") & models.Q(reminded_at__isnull=True)
                & models.Q(assignee__isnull=False),
            ),
            models.Index(
                fields=["due_at"],
                name="item_overdue_due",
                condition=models.Q(status="open") & models.Q(overdue_notified_at__isnull=True),
            ),
            # My cases: the cases of the rep's open items, by an index-only scan (migration 0009).
            models.Index(fields=["assignee", "case"], name="item_open_by_assignee", condition=models.Q(status="open")),
        ]
        constraints = [
            models.CheckConstraint(
                name="item_status_valid", condition=models.Q(status__in=["open", "done", "cancelled"])
            ),
            models.CheckConstraint(
                name="item_cancel_has_reason",
                condition=~models.Q(status="cancelled") | ~models.Q(cancel_reason=""),
            ),
        ]

    def __str__(self):
        return self.description[:80]

    @property
    def is_open(self):
        return self.status == ItemStatus.OPEN

    def give(self, assignee, *, by, now):
        """The item goes to `assignee` (None: nobody yet), given by `by` at `now`: the three fields a
        hand-back reads move together (cases.services.items). Someone new is reminded afresh, so the
        reminder marker is cleared (found by an audit: after an accepted hand-back the owner was never
        reminded, the teammate's reminder having set it); given again to the one who holds it, it stays, so
        nobody is reminded twice of one deadline. Not saved: every caller saves `reminded_at` with the rest."""
        if getattr(assignee, "pk", None) != self.assignee_id:
            self.reminded_at = None
        self.assignee = assignee
        self.assigned_at, self.assigned_by = (now, by) if assignee is not None else (None, None)


class StatusUpdateQuerySet(models.QuerySet):
    def given(self):
        """The updates the client was given: not one logged as an email that was withdrawn before it left,
        bounced, or that the outbox gave up on (cases.services.updates_undone.status_update_not_given)."""
        return self.exclude(client_message__status__in=[ClientMessageStatus.WITHDRAWN, ClientMessageStatus.BOUNCED,
                                                        ClientMessageStatus.FAILED])


class StatusUpdate(models.Model):
    objects = StatusUpdateQuerySet.as_manager()

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="status_updates")
    given_at = models.DateTimeField(default=timezone.now)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    summary = models.TextField(max_length=4000, help_text="The outcome so far, with a time or range.")
    # The one line of this update the client may read on their status page (the summary never shows there).
    client_line = models.CharField(max_length=280, blank=True, default="",
                                   help_text="What the client will read on their status page.")
    client_mood = models.CharField(max_length=20, choices=Mood.choices)
    coach_warnings = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    # What this update did in the ledger (cases.services.updates): the promise it kept (or whose late
    # fulfilment it recorded) and the next beat it opened. An update emailed to the client whose email is
    # withdrawn before it leaves was never given: both are undone (updates_undone.status_update_not_given).
    kept_promise = models.ForeignKey("cases.Promise", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    opened_promise = models.ForeignKey("cases.Promise", null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+")

    class Meta:
        ordering = ["given_at", "id"]


class Delivery(models.Model):
    """The moment of joy: recorded in `deliver`. A case that went back to `plan` (loose ends) gets a
    new delivery next time; earlier ones stay as history."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deliveries")
    verified_with_client = models.BooleanField(default=False)
    client_satisfied = models.BooleanField(default=False)
    expectation_met = models.BooleanField(null=True, blank=True)
    # The client's expectation as it read when `expectation_met` was judged (Case.expected_resolution then): a
    # later attempt may record a new one, and this verdict was not about it (found by a red team).
    expectation_judged = models.TextField(blank=True, max_length=4000, editable=False)
    prevention_note = models.TextField(blank=True, max_length=4000)
    extra_mile = models.TextField(blank=True, max_length=4000)
    follow_up_on = models.DateField(null=True, blank=True)
    client_mood = models.CharField(max_length=20, choices=Mood.choices, blank=True)
    follow_up_logged_at = models.DateTimeField(null=True, blank=True)
    follow_up_note = models.TextField(blank=True, max_length=4000)
    # Whose word the client's confirmation (verified with the client and satisfied) is, and when it was
    # given: the client's own, through their status page, or the rep's (cases.services.client_word).
    confirmed_by = models.CharField(max_length=10, choices=ConfirmedBy.choices, blank=True, default="")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "deliveries"
        indexes = [
            # The team page's outcomes: a case's latest delivery (cases/metrics/outcomes.py).
            models.Index(fields=["case", "-created_at", "-id"],
                         include=["client_mood", "follow_up_on", "follow_up_logged_at"], name="delivery_latest_case"),
        ]

    @property
    def client_confirmed(self):
        """The client's confirmation: the fix verified with them, and they are satisfied."""
        return bool(self.verified_with_client and self.client_satisfied)

    @property
    def is_complete(self):
        return not self.missing_parts()

    def missing_parts(self):
        """What the delivery's gate still needs, in a rep's words (empty when complete)."""
        parts = []
        if not self.verified_with_client:
            parts.append("the fix verified with the client")
        if not self.client_satisfied:
            parts.append("the client satisfied")
        if not self.prevention_note.strip():
            parts.append("how recurrence will be prevented")
        if not self.follow_up_on:
            parts.append("a follow-up date")
        return parts
