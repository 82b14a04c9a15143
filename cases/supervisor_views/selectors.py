"""Reads for the supervisor's pages.

The escalation queue's order ("hottest, then oldest, first"):
  1. heat tier, hottest first:
     0 — the client is irate (the case's temperature is irate, or a rep flagged it irate);
     1 — a broken promise the system escalated (a client was already let down once);
     2 — the client is angry or upset;
     3 — everything else (anxious or calm clients; stalled cases; other reasons);
  2. then the oldest escalation first (created_at, then id), so nothing waits forever in its tier.
Resolved escalations (only shown when filtered for) come most recently resolved first.
"""
from django.contrib.auth import get_user_model
from django.db.models import Case as SqlCase, IntegerField, Prefetch, Q, Value, When
from django.shortcuts import get_object_or_404

from ..models import Escalation, EscalationNote, EscalationReason, EscalationStatus, Mood
from ..selectors import REP_GROUP, SUPERVISOR_GROUP

HEAT_IRATE, HEAT_BROKEN_PROMISE, HEAT_UPSET, HEAT_OTHER = 0, 1, 2, 3


def heat():
    return SqlCase(
        When(Q(case__flagged_irate=True) | Q(case__temperature=Mood.IRATE), then=Value(HEAT_IRATE)),
        When(reason=EscalationReason.BROKEN_PROMISE, raised_by_system=True, then=Value(HEAT_BROKEN_PROMISE)),
        When(case__temperature__in=[Mood.ANGRY, Mood.UPSET], then=Value(HEAT_UPSET)),
        default=Value(HEAT_OTHER),
        output_field=IntegerField(),
    )


def _with_people(qs):
    return qs.select_related("case__client", "case__owner", "raised_by", "supervisor")


def escalation_queue(*, reason="", status=""):
    """Open and taken escalations (or those of one status), in the queue's order; 1 query."""
    qs = _with_people(Escalation.objects.all()).annotate(heat=heat())
    if reason:
        qs = qs.filter(reason=reason)
    if status == EscalationStatus.RESOLVED:
        return qs.filter(status=status).order_by("-resolved_at", "-id")
    qs = qs.filter(status=status) if status else qs.exclude(status=EscalationStatus.RESOLVED)
    return qs.order_by("heat", "created_at", "id")


def escalation_for_supervisor(pk):
    notes = Prefetch("notes", queryset=EscalationNote.objects.select_related("author"))
    qs = _with_people(Escalation.objects.all()).select_related("case__co_owner").prefetch_related(notes)
    return get_object_or_404(qs, pk=pk)


def reassign_candidates(case):
    """Active reps and supervisors, except the case's owner."""
    User = get_user_model()
    return (User.objects.filter(is_active=True, groups__name__in=[REP_GROUP, SUPERVISOR_GROUP])
            .exclude(pk=case.owner_id).distinct().order_by("first_name", "last_name", "username"))
