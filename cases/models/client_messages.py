"""A message the rep sent the client by email from the case (written only by
cases.services.client_messages): what the client reads (the rep's text for the client, never an
internal note), the outbox row that carries it (its key) and the Message-ID it leaves with, and what
became of it: queued (perhaps until the client's quiet hours end), sent, failed after the outbox's
retries, or bounced back by the client's mail server."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ..workflow import Record
from .case import Case
from .choices import ClientMessageKind, ClientMessageStatus
from .records import StatusUpdate

MESSAGE_TEXT = 4000
ERROR_TEXT = 2000
# The recipe's record each kind of message stands for: the case's step allows sending it exactly when it
# allows that record (cases.workflow). The service refuses from it; the form offers from it.
KIND_RECORD = {
    ClientMessageKind.UPDATE: Record.STATUS_UPDATE, ClientMessageKind.ACKNOWLEDGEMENT: Record.ACKNOWLEDGEMENT,
    ClientMessageKind.PLAN: Record.ETA, ClientMessageKind.DELIVERY: Record.DELIVERY,
    ClientMessageKind.FOLLOW_UP: Record.FOLLOW_UP,
}


class ClientMessage(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="client_messages")
    kind = models.CharField(max_length=20, choices=ClientMessageKind.choices)
    body = models.TextField(max_length=MESSAGE_TEXT, help_text="What the client reads, as the rep wrote it.")
    to_email = models.EmailField(help_text="The client's address when it was queued.")
    subject = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=ClientMessageStatus.choices, default=ClientMessageStatus.QUEUED)
    outbox_key = models.CharField(max_length=200, unique=True, help_text="The outbox row that carries it.")
    message_id = models.CharField(max_length=255, unique=True, help_text="Its Message-ID header: a bounce names it.")
    queued_at = models.DateTimeField(default=timezone.now)
    send_after = models.DateTimeField(help_text="Not before: the first moment outside the client's quiet hours.")
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When the outbox handed it to the mail server.")
    failed_at = models.DateTimeField(null=True, blank=True, help_text="When it failed or bounced.")
    error = models.TextField(max_length=ERROR_TEXT, blank=True, default="")
    # The status update it was logged as (a message of kind "update").
    status_update = models.OneToOneField(StatusUpdate, null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="client_message")
    coach_warnings = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["queued_at", "id"]
        indexes = [models.Index(fields=["case", "queued_at"], name="client_message_case")]
        constraints = [
            models.CheckConstraint(name="client_message_status_valid",
                                   condition=Q(status__in=ClientMessageStatus.values)),
            models.CheckConstraint(name="client_message_kind_valid", condition=Q(kind__in=ClientMessageKind.values)),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.to_email} ({self.status})"

    @property
    def waiting_for_quiet_hours(self):
        return self.status == ClientMessageStatus.QUEUED and self.send_after > self.queued_at
