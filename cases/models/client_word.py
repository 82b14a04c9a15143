"""The client's own word, given on their status page (written only by cases.services.client_word):

- ClientAnswer: while the case is in `deliver`, "It works" or "Not yet" with a line of their own words.
  One per delivery attempt (a stay in `deliver`, named by the case's `step_entered_at` then): the unique
  constraint makes a double click or a second tab one answer, even from two requests at once.
- ClientSurvey: after the follow-up call, how satisfied they are (1 to 5) and an optional comment. One per
  case (one-to-one). The team page averages them over its window (cases/metrics/satisfaction.py)."""
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .case import Case
from .choices import ClientAnswerKind
from .records import Delivery

ANSWER_TEXT = 500  # the client's line with "Not yet"
SURVEY_COMMENT = 1000
SCORES = (1, 2, 3, 4, 5)


class ClientAnswer(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="client_answers")
    attempt_started_at = models.DateTimeField(help_text="When the case entered deliver: one answer per stay there.")
    answer = models.CharField(max_length=10, choices=ClientAnswerKind.choices)
    text = models.CharField(max_length=ANSWER_TEXT, blank=True, default="")
    # The delivery record "It works" filled (none for "Not yet").
    delivery = models.ForeignKey(Delivery, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    given_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["given_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "attempt_started_at"], name="client_answer_once_per_attempt"),
            models.CheckConstraint(name="client_answer_valid", condition=Q(answer__in=ClientAnswerKind.values)),
            models.CheckConstraint(name="client_not_yet_has_words",
                                   condition=~Q(answer=ClientAnswerKind.NOT_YET) | ~Q(text="")),
        ]

    @property
    def works(self):
        return self.answer == ClientAnswerKind.WORKS

    def __str__(self):
        return f"{self.get_answer_display()} ({self.case_id})"


class ClientSurvey(models.Model):
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="client_survey")
    score = models.PositiveSmallIntegerField(choices=[(s, str(s)) for s in SCORES])
    comment = models.TextField(max_length=SURVEY_COMMENT, blank=True, default="")
    given_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["given_at", "id"]
        indexes = [
            # The team page's figure: one aggregate over the window, an index-only scan (PostgreSQL).
            models.Index(fields=["given_at"], include=["score"], name="client_survey_given"),
        ]
        constraints = [
            models.CheckConstraint(name="client_survey_score_1_to_5", condition=Q(score__gte=1) & Q(score__lte=5)),
        ]

    def __str__(self):
        return f"{self.score}/5 ({self.case_id})"
