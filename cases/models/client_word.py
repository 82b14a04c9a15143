"""The client's own word, given on their status page (written only by cases.services.client_word):

- ClientAnswer: while the case is in `deliver`, "It works" or "Not yet" with a line of their own words.
  One per delivery attempt (a stay in `deliver`, named by the case's `step_entered_at` then): the unique
  constraint makes a double click or a second tab one answer, even from two requests at once.
- ClientSurvey: after the follow-up call, how satisfied they are (1 to 5) and an optional comment, with the
  client's address it came through. One standing answer per case, the latest through the client's address
  now: one given through another address is set aside (`set_aside_at`; kept for the record) while that
  address is not theirs, and the client is asked again (cases.services.client_word.survey_answers_set_aside);
  it counts again when the address is theirs again. The team page averages the
  standing ones over its window (cases/metrics/satisfaction.py); cases.client_word.standing_surveys reads them."""
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
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="client_surveys")
    score = models.PositiveSmallIntegerField(choices=[(s, str(s)) for s in SCORES])
    comment = models.TextField(max_length=SURVEY_COMMENT, blank=True, default="")
    given_at = models.DateTimeField(default=timezone.now)
    address = models.CharField(max_length=254, blank=True, default="",
                               help_text="The client's address when they answered: the invitation's link went there.")
    set_aside_at = models.DateTimeField(null=True, blank=True,
                                        help_text="When the client's address changed away from `address`: no "
                                                  "longer the client's word, kept for the record.")

    class Meta:
        ordering = ["given_at", "id"]
        indexes = [
            # The team page's figure: one aggregate over the window's standing answers, an index-only scan
            # (PostgreSQL).
            models.Index(fields=["given_at"], include=["score"], name="client_survey_given",
                         condition=Q(set_aside_at__isnull=True)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(set_aside_at__isnull=True),
                                    name="client_survey_one_standing"),
            models.CheckConstraint(name="client_survey_score_1_to_5", condition=Q(score__gte=1) & Q(score__lte=5)),
        ]

    def __str__(self):
        return f"{self.score}/5 ({self.case_id})"
