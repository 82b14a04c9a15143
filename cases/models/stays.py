"""Who held a case in a step, and for how long: the team page's per-rep times in each step."""
from django.conf import settings
from django.db import models

from .case import Case
from .choices import Step

User = settings.AUTH_USER_MODEL


class HeldStay(models.Model):
    """One owner's part of a stay in a step: from the case entering the step, or from the owner taking the
    case in it, to the case leaving the step or changing hands. Written by cases.services.held when either
    happens, never changed afterwards. A stay that never changed hands is one row, as long as the stay
    (CaseEvent.step_seconds); a handoff cuts it in two, so a case stuck for days counts against the rep who
    held it those days, not the teammate it was handed to who moved it on an hour later."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="held_stays")
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", db_index=False)
    step = models.CharField(max_length=20, choices=Step.choices)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    seconds = models.FloatField()

    class Meta:
        ordering = ["ended_at", "id"]
        indexes = [
            # The team page's per-rep times in each step over a window: an index-only scan.
            models.Index(fields=["ended_at"], include=["owner", "step", "seconds"], name="held_stay_window"),
            # Where the current owner's part began (the case's latest row).
            models.Index(fields=["case", "ended_at"], name="held_stay_case"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(seconds__gte=0) & models.Q(ended_at__gte=models.F("started_at")),
                                   name="held_stay_forward"),
        ]

    def __str__(self):
        return f"{self.step} held {self.seconds:.0f} s until {self.ended_at:%Y-%m-%d %H:%M}"
