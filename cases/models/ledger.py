"""The promise ledger, escalations, handoffs and the append-only case timeline."""
from django.conf import settings
from django.db import models
from django.utils import timezone

from .case import Case
from .choices import Channel, EscalationReason, EscalationStatus, HandoffStatus, PromiseKind, PromiseStatus, Step
from .records import ActionItem

User = settings.AUTH_USER_MODEL


class Promise(models.Model):
    """Every commitment made to the client, with a deadline the database refuses to leave empty."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="promises")
    kind = models.CharField(max_length=20, choices=PromiseKind.choices)
    due_at = models.DateTimeField()  # NOT NULL: a promise without a deadline is only a dream
    status = models.CharField(max_length=20, choices=PromiseStatus.choices, default=PromiseStatus.PENDING)
    # Who must keep it: the case owner, or the assignee of an action item.
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="promises")
    action_item = models.ForeignKey(ActionItem, null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="promises")
    source = models.CharField(max_length=300, help_text="What was promised, in a line.")
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaced_by"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # When it was fulfilled: before due_at means kept; after it, the promise is broken but the late
    # fulfilment is still recorded here.
    kept_at = models.DateTimeField(null=True, blank=True)
    broken_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Sweep marker: the owner was reminded (set once).
    reminded_at = models.DateTimeField(null=True, blank=True)
    # How many times this commitment's deadline has moved (its predecessor's count + 1), and, on a
    # promise opened by renegotiation, how the client agreed to the new deadline.
    moved_count = models.PositiveSmallIntegerField(default=0)
    # A status update opened by the sweep when the one before it broke (cases.services.broken): the rhythm
    # goes on through a silence, one beat after the missed one, so each missed beat is one more broken
    # promise. The rep's first update after the miss is the late one it was, and restarts the rhythm from
    # when it was given (cases.services.updates), as if this beat had been opened by it.
    after_missed = models.BooleanField(default=False)
    agreed_channel = models.CharField(max_length=20, choices=Channel.choices, blank=True)
    agreed_text = models.TextField(blank=True, max_length=1000)
    # Whose renegotiated share the move counts in, on a promise closed as renegotiated: the mover's when they
    # answer for the work (the case's owner, the holder), else the holder's (services.promises.move_counted_for;
    # cases.metrics.dashboard). Found by an audit: an owner gave an item to a teammate, moved its deadline,
    # took it back, and the move was on the teammate's share.
    moved_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # When the promise came to its holder, handed on with its work (None: when it opened), and whom from when
    # the holder took the work on themselves inside its cutoff: work given back to that one takes the
    # promise back with it (services.promises.promise_pass, promises_pass).
    taken_from = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    taken_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["due_at"], name="promise_pending_due", condition=models.Q(status="pending")),
            models.Index(fields=["case", "status"]),
            models.Index(fields=["owner", "status"]),
            # The team page's keeping rate over a window (cases/metrics/dashboard.py, SETTLED).
            models.Index(fields=["due_at"], include=["owner", "status", "moved_by"], name="promise_settled_due",
                         condition=models.Q(status__in=["kept", "broken", "renegotiated"])),
            # The follow-up share: whether a case's latest follow-up call was kept (cases/metrics/outcomes.py),
            # one index entry per resolved case, where the case's index read all its promises.
            models.Index(fields=["case", "-id"], include=["status"], condition=models.Q(kind="follow_up"),
                         name="promise_follow_up_case"),
        ]
        constraints = [
            models.CheckConstraint(
                name="promise_status_valid",
                condition=models.Q(status__in=["pending", "kept", "broken", "renegotiated", "withdrawn"]),
            ),
            models.CheckConstraint(
                name="promise_kind_valid",
                condition=models.Q(kind__in=["status_update", "action_item", "eta", "follow_up"]),
            ),
            models.UniqueConstraint(
                fields=["action_item"],
                condition=models.Q(status="pending"),
                name="one_pending_promise_per_item",
            ),
            models.UniqueConstraint(
                fields=["case", "kind"],
                condition=models.Q(status="pending") & ~models.Q(kind="action_item"),
                name="one_pending_case_promise_per_kind",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} due {self.due_at:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def is_pending(self):
        return self.status == PromiseStatus.PENDING

    @property
    def was_late(self):
        return bool(self.kept_at and self.kept_at > self.due_at)


SYSTEM_RESOLUTION = "Resolved by the system: "  # how a resolution written by the system begins


class Escalation(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="escalations")
    reason = models.CharField(max_length=20, choices=EscalationReason.choices)
    note = models.TextField(blank=True, max_length=4000)
    raised_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    raised_by_system = models.BooleanField(default=False)
    # The rep who owned the case when it was raised: the team page counts it for them, not today's owner.
    case_owner = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    promise = models.ForeignKey(Promise, null=True, blank=True, on_delete=models.SET_NULL, related_name="escalations")
    # On a stall escalation: the stay it is about, named by the case's step_entered_at then (as HeldStay names
    # one); one stall escalation per stay (one_stall_escalation_per_stay). NULL on other reasons, and on stall
    # escalations raised before the column (0035).
    stay_entered_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=EscalationStatus.choices, default=EscalationStatus.OPEN)
    supervisor = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="taken_escalations")
    created_at = models.DateTimeField(default=timezone.now)
    taken_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True, max_length=4000)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["created_at"], name="escalation_created"),  # the team page's window
            # The escalation queue's open and taken escalations per case, index-only (migration 0009).
            models.Index(fields=["case", "created_at"], include=["reason", "raised_by_system"],
                         name="escalation_active_by_case", condition=models.Q(status__in=["open", "taken"])),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["promise"],
                condition=~models.Q(status="resolved") & models.Q(promise__isnull=False),
                name="one_open_escalation_per_promise",
            ),
            # Open, taken or resolved: a stay is escalated once, and a later stay (another step, perhaps
            # another owner) gets its own. Found by a review: one open stall escalation per case swallowed
            # every later stall of the case for as long as it stayed open.
            models.UniqueConstraint(
                fields=["case", "stay_entered_at"],
                condition=models.Q(reason="stalled"),
                name="one_stall_escalation_per_stay",
            ),
        ]

    def __str__(self):
        return f"{self.get_reason_display()} on {self.case.reference}"

    @property
    def resolved_by_system(self):
        """Resolved by a close or a sweep, not by a supervisor: whoever had taken it resolved nothing (found by an
        audit: the page showed "Resolved · Bea" for one the case's close had resolved)."""
        return self.status == EscalationStatus.RESOLVED and self.resolution.startswith(SYSTEM_RESOLUTION)

    @property
    def is_open(self):
        return self.status != EscalationStatus.RESOLVED


class EscalationNote(models.Model):
    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=4000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]


class Handoff(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="handoffs")
    from_user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="handoffs_given")
    to_user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="handoffs_received")
    reason = models.TextField(max_length=1000)
    status = models.CharField(max_length=20, choices=HandoffStatus.choices, default=HandoffStatus.REQUESTED)
    by_supervisor = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Who asked for it: the owner handing over, or (whoever hears it, helps) a teammate asking for the
    # case, in which case the owner or a supervisor accepts.
    requested_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    client_informed = models.BooleanField(default=False)

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(status="requested"), name="one_pending_handoff_per_case"
            ),
        ]


class CaseEvent(models.Model):
    """The append-only timeline: every transition and every record written to a case."""

    # The verbs of a change of owner, each stamped with the new owner (CaseEvent.of after the change): who
    # held a stay (cases.services.held), whom a case opened from email counts for (cases.metrics.dashboard).
    OWNER_CHANGES = frozenset({"handoff accepted", "reassigned", "claimed"})

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    verb = models.CharField(max_length=60)
    from_step = models.CharField(max_length=20, choices=Step.choices, blank=True)
    to_step = models.CharField(max_length=20, choices=Step.choices, blank=True)
    # What a rep wrote (a reason, a note, what the client said: each within its own field's limit, cases.text)
    # with at most a name or an item's description before it.
    note = models.TextField(blank=True, max_length=6000)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # On a transition event: how long the case stayed in the step it left (from_step), in seconds, from
    # entering it (the transition into it) to this event. Written with the event by
    # cases.services.transitions; NULL on every other event. The team's times in each step on the team
    # page are aggregates of this column over the window (cases/metrics/stays.py); a rep's come from
    # the parts they held (HeldStay).
    step_seconds = models.FloatField(null=True, blank=True)
    # The case's owner when the event was written (cases.services.common.event_record and the other
    # writers): the team page counts an arrival at deliver, a resolution, a reopen or an override for the
    # rep who owned the case then, not for whoever owns it now. Events older than the column
    # carry the case's owner at the migration (0015), the best known.
    owner = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              db_index=False)
    # On an arrival at deliver: early, within or late against the estimate range in force (ETA honesty,
    # cases/metrics/eta.py), judged by cases.services.transitions once the ETA promise is settled; blank
    # without an estimate before it, and on every other event. Every row it reads is older than the
    # arrival and settled by it, so the verdict is what a recomputation gives, at any later time.
    eta_verdict = models.CharField(max_length=8, blank=True, default="",
                                   choices=[("early", "early"), ("within", "within"), ("late", "late")])
    # Whose estimate the verdict judges: the rep who held the ETA promise that decided it (the one broken in
    # this cycle, for a late arrival after a missed deadline; else the one the arrival settled), set with the
    # verdict. A case handed on after its estimate broke does not move the lateness to whoever delivers it.
    # NULL on other events and on arrivals judged before the column (counted for `owner`, as then).
    eta_owner = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                  db_index=False)

    @classmethod
    def of(cls, case, **fields):
        """An unsaved event of `case`, stamped with the case's owner now (`case` is the writer's current
        row): every writer builds its events here, so none can forget who owned the case then."""
        return cls(case=case, owner_id=case.owner_id, **fields)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["case", "created_at"]),
            models.Index(fields=["verb", "created_at"]),
            # The team's stays in a step over a window: an index-only scan of the window's transitions.
            models.Index(fields=["created_at"], include=["case", "from_step", "step_seconds", "owner"],
                         condition=models.Q(step_seconds__isnull=False), name="event_stay_window"),
            # The window's transitions of one kind (resolved, reopened, arrived at deliver...), by verb,
            # with the owner then (and an arrival's ETA verdict and whose estimate it judges).
            models.Index(fields=["verb", "created_at"], include=["case", "owner", "eta_verdict", "eta_owner"],
                         condition=~models.Q(from_step=""), name="event_transition_verb"),
            # The window's openings with the owner then (the team page's "Opened"): one small index-only scan,
            # with the case for the claim of one opened from email.
            models.Index(fields=["created_at"], include=["owner", "case"], condition=models.Q(verb="opened"),
                         name="event_opened_window"),
            # The temperatures recorded on a case (its mood trend) or on a client's cases (the client page).
            models.Index(fields=["case", "created_at"], include=["data"],
                         condition=models.Q(verb="temperature recorded"), name="event_temperature_case"),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.verb}"

    @property
    def actor_label(self):
        return self.actor.get_full_name() or self.actor.username if self.actor else "System"
