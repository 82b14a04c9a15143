"""The outbox: every email is a row written in the same transaction as the change that caused it,
then delivered by a task with retries and backoff. A unique key makes queueing the same
notification twice impossible. And the sweeps' heartbeats: one row per sweep, written by the one
runner every sweep run goes through (notifications/sweeps/base.py), read by notifications/health.py."""
from django.db import models
from django.utils import timezone


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (gave up)"
    WITHDRAWN = "withdrawn", "Withdrawn before sending"  # by the cases app (cases.notices.withdraw_direct)


class OutboxMessage(models.Model):
    key = models.CharField(max_length=200, unique=True, help_text="Idempotency key: one row per notification.")
    kind = models.CharField(max_length=60, help_text="The template under templates/emails/.")
    to = models.JSONField(default=list)
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=20, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Notices about one case to one person within NOTIFY_COALESCE_MINUTES go out as one email
    # (notifications/coalesce.py): "<case id>:<address>", empty for a row that is never coalesced.
    coalesce_key = models.CharField(max_length=300, blank=True, default="")
    # An email to someone outside the team (a client: cases.services.client_messages, queued with
    # outbox.outbox_enqueue_direct): its own From, and headers (Reply-To, Message-ID) added to the
    # message as they are. Empty for the team's notices (DEFAULT_FROM_EMAIL, the computed headers).
    from_email = models.CharField(max_length=300, blank=True, default="")
    headers = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="outbox_unsent_due", condition=models.Q(status="pending")),
            # The last email of a (case, recipient) pair: where the next notice's slot starts.
            models.Index(fields=["coalesce_key", "next_attempt_at"], name="outbox_coalesce",
                         condition=~models.Q(coalesce_key="")),
            # The health check counts failed rows every 30 s; they are few among many sent ones.
            models.Index(fields=["id"], name="outbox_failed", condition=models.Q(status="failed")),
        ]

    def __str__(self):
        return f"{self.kind} to {', '.join(self.to)} ({self.status})"


class SweepHeartbeat(models.Model):
    """When a sweep last started, finished and succeeded (by the wall clock, also for a replayed
    `--now`): what tells an operator that beat or the worker stopped."""
    name = models.CharField(max_length=60, unique=True, help_text="The sweep's key in notifications.sweeps.SWEEPS.")
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_succeeded_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, help_text="The exception of the last run, empty when it succeeded.")
    last_processed = models.PositiveIntegerField(default=0, help_text="Rows the last successful run acted on.")
    runs = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name
