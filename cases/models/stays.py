"""Who held a case in a step, and for how long: the team page's per-rep times in each step."""
from django.conf import settings
from django.db import models

from .case import Case
from .choices import Step

User = settings.AUTH_USER_MODEL


class HeldStay(models.Model):
    """One owner's part of a stay in a step: from the case entering the step (`entered_at`, the stay's
    start), or from the owner taking the case in it, to the case leaving the step or changing hands.
    Written by cases.services.held when either happens, never changed afterwards. A stay that never
    changed hands is one row, as long as the stay (CaseEvent.step_seconds). A rep's time in a stay is the
    sum of their parts of it (cases/metrics/stays.py): a case stuck for days counts against the rep who
    held it those days, not the teammate it was handed to who moved it on an hour later, and handing it
    back and forth makes one stay for each rep, not many short ones."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="held_stays", db_index=False)
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", db_index=False)
    step = models.CharField(max_length=20, choices=Step.choices)
    entered_at = models.DateTimeField()  # the stay's: when the case entered `step`
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    seconds = models.FloatField()
    # True when this is the owner's only part of the stay (most are: the case did not come back to them
    # in it), so the team page takes its seconds as they are instead of adding up parts. False is always
    # right (the parts are added up anyway): cases.services.held.mark_alone sets it, once per change. The
    # database's default too, so a process still running code from before the flag can write a part.
    alone = models.BooleanField(default=False, db_default=False)

    class Meta:
        ordering = ["ended_at", "id"]
        indexes = [
            # The team page's per-rep times in each step over a window (cases/metrics/stays.py): index-only
            # scans, of the parts that are a rep's whole time in their stay as they are, and of the others
            # added up by (case, entered_at, step, owner)...
            models.Index(fields=["ended_at"], include=["owner", "step", "seconds"], condition=models.Q(alone=True),
                         name="held_stay_alone"),
            models.Index(fields=["ended_at"], include=["owner", "step", "seconds", "case", "entered_at"],
                         condition=models.Q(alone=False), name="held_stay_shared"),
            # ... and, for each rep's stay one of those names, all its parts whenever they ended (index-only).
            models.Index(fields=["case", "entered_at", "step", "owner"], include=["seconds", "ended_at"],
                         condition=models.Q(alone=False), name="held_stay_shared_stay"),
            models.Index(fields=["case", "ended_at"], name="held_stay_case"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(seconds__gte=0) & models.Q(ended_at__gte=models.F("started_at"))
                & models.Q(started_at__gte=models.F("entered_at")),
                name="held_stay_forward"),
        ]

    def __str__(self):
        return f"{self.step} held {self.seconds:.0f} s until {self.ended_at:%Y-%m-%d %H:%M}"
