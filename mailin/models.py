"""Every email that reached the team, once: an InboundMessage per Message-ID (the unique constraint is
what makes "exactly once" hold with several workers and two ways in), what became of it, and the
attachments it carried (kept under MEDIA_ROOT within the size and type limits, or refused and noted).
Rows are written only by mailin/services.py."""
import uuid

from django.db import models
from django.utils import timezone

from .filenames import kept_name


class Outcome(models.TextChoices):
    POSTED = "posted", "Posted on the client's case"
    NEW_CASE = "new_case", "Opened a new case for the team to claim"
    DUPLICATE = "duplicate", "Already received"  # what a second delivery reports; never stored
    REFUSED = "refused", "Kept, not posted"


class InboundMessage(models.Model):
    message_id = models.CharField(max_length=255, unique=True, help_text="The Message-ID header (or a hash of "
                                  "the message when it had none): one row per email, however often it arrives.")
    provider = models.CharField(max_length=40, help_text="How it came in: a webhook provider's name, or imap.")
    sender = models.CharField(max_length=254, blank=True)
    sender_name = models.CharField(max_length=200, blank=True)
    recipient = models.CharField(max_length=254, blank=True, help_text="The address it was routed by.")
    subject = models.CharField(max_length=300, blank=True)
    text = models.TextField(max_length=20000, blank=True, help_text="The new text, quoted history trimmed.")
    sent_at = models.DateTimeField(null=True, blank=True, help_text="The Date header.")
    received_at = models.DateTimeField(default=timezone.now)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="inbound_messages")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    note = models.CharField(max_length=300, blank=True, help_text="Why it went where it went.")
    references = models.TextField(blank=True, default="", help_text="The Message-IDs it names (In-Reply-To, "
                                  "References, a returned or forwarded email's), space-separated: one of ours "
                                  "the client named reached them, and no later report bounces it.")
    raw_size = models.PositiveIntegerField(default=0, help_text="Size of the whole message in bytes.")
    deliveries = models.PositiveIntegerField(default=1, help_text="How often it arrived (re-deliveries counted, "
                                             "never processed again).")

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["case", "received_at"]), models.Index(fields=["outcome", "received_at"])]
        constraints = [
            models.CheckConstraint(name="inbound_outcome_stored",
                                   condition=models.Q(outcome__in=["posted", "new_case", "refused"])),
        ]

    def __str__(self):
        return f"{self.sender or 'unknown sender'}: {self.subject or '(no subject)'} ({self.outcome})"


def attachment_path(instance, filename):
    """Files are stored under a random name (the client's file name is only shown, never a path)."""
    return f"mailin/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class InboundAttachment(models.Model):
    message = models.ForeignKey(InboundMessage, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    file = models.FileField(upload_to=attachment_path, blank=True, max_length=200)
    refused = models.CharField(max_length=200, blank=True, help_text="Why it was not kept; empty when it was.")

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.filename

    @property
    def kept(self):
        return not self.refused

    @property
    def download_name(self):
        """The name the page shows and the download saves: a kept file's under its type's extension
        (mailin.filenames.kept_name; rows stored before that rule too), a refused one's as it came."""
        return kept_name(self.filename, self.content_type) if self.kept else self.filename
