"""The outbox: every email is a row written in the same transaction as the change that caused it,
then delivered by a task with retries and backoff. A unique key makes queueing the same
notification twice impossible."""
from django.db import models
from django.utils import timezone


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (gave up)"


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

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="outbox_unsent_due", condition=models.Q(status="pending")),
        ]

    def __str__(self):
        return f"{self.kind} to {', '.join(self.to)} ({self.status})"
