"""The clients' satisfaction, for the team page: over the surveys clients answered in the window (asked
on their status page after the follow-up call, cases.services.client_word), the average score (1 to 5),
how many answered, and how many gave each score. Only the standing answers count
(cases.client_word.standing_surveys): one given through an address that is no longer the client's is not
their word. One aggregate query over the window, an index-only scan of client_survey_given (given_at, with
the score; partial: the standing answers), whatever the number of cases."""
from dataclasses import dataclass

from django.db.models import Avg, Count, Q

from ..client_word import standing_surveys
from ..models.client_word import SCORES
from .window import pct, share


@dataclass(frozen=True)
class ScoreCount:
    score: int
    count: int
    percent: int | None  # of the answers in the window


@dataclass(frozen=True)
class Satisfaction:
    count: int
    average: float | None  # None when nobody answered in the window
    distribution: tuple  # a ScoreCount for each score, 1 to 5

    @property
    def average_shown(self):
        return "—" if self.average is None else f"{self.average:.1f}"


def satisfaction_figure(w):
    """The window's satisfaction (`w` a cases.metrics.Window)."""
    counts = {f"score_{s}": Count("id", filter=Q(score=s)) for s in SCORES}
    row = standing_surveys().filter(w.q("given_at")).aggregate(total=Count("id"), average=Avg("score"), **counts)
    total = row["total"]
    return Satisfaction(
        count=total,
        average=None if row["average"] is None else float(row["average"]),
        distribution=tuple(ScoreCount(s, row[f"score_{s}"], pct(share(row[f"score_{s}"], total))) for s in SCORES),
    )
