"""A form sent once: each form the app draws carries a one-time token (cases/once.py); the first POST
with it records it here, in the transaction that saves what the form asked for, so the same form sent
again (a double click, a browser's resend, a network retry, a second tab) saves nothing twice."""
from django.conf import settings
from django.db import models
from django.utils import timezone


class FormSubmission(models.Model):
    token = models.CharField(max_length=32, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self):
        return f"{self.token} ({self.created_at:%Y-%m-%d %H:%M})"
