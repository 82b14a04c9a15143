"""Coalescing (issue 10, "Email volume"): notices about one case to one person within
NOTIFY_COALESCE_MINUTES go out as one email that lists them, instead of one email each.

Every notice keeps its own outbox row (its idempotency key, its text, its audit line); what changes is
when it is sent. At enqueue time a row of a (case, recipient) pair gets a slot:

- nothing of that pair was scheduled in the last window: now (the first notice is never delayed);
- a later slot of the pair is already waiting: that slot (it joins the waiting email);
- otherwise: one window after the pair's last email (so the pair gets at most one email per window).

At send time (notifications/sweeps/outbox.py) the due rows of one pair are sent together: one row as
itself, several as one digest (templates/emails/digest.*). Reminders that are only useful on time
(IMMEDIATE_KINDS) and rows for several recipients or no case are never coalesced. Two transactions
queueing for the same pair at the same instant may both send at once: coalescing is best effort,
never a lost notice."""
import datetime as dt

from django.conf import settings
from django.db.models import Max
from django.template.loader import render_to_string
from django.urls import reverse

# Time-critical: the reminder is only worth sending before its deadline.
# Reminders are due now; what the client said (a reply, "Not yet", "It works", a call a teammate took) and a
# message to them that failed are what the owner must hear at once (issue 11: "tells the owner at once"; RECIPE,
# "Team visibility": a teammate's logged contact, "the owner is told at once", found by an audit: it waited up
# to ten minutes behind any other notice about the case).
IMMEDIATE_KINDS = frozenset({
    "update_reminder", "item_reminder", "follow_up_reminder",
    "client_mail_received", "client_not_yet", "client_confirmed", "client_message_failed", "client_contact_logged",
})


def window():
    return dt.timedelta(minutes=max(0, int(settings.NOTIFY_COALESCE_MINUTES)))


def coalesce_key(kind, case_id, recipients):
    """The pair a row belongs to, or "" when it is sent on its own."""
    if not window() or case_id is None or len(recipients) != 1 or kind in IMMEDIATE_KINDS:
        return ""
    return f"{case_id}:{recipients[0].lower()}"[:300]


class Slots:
    """The send slots of new rows, from one query over the pairs' recent rows; rows assigned in
    order see the ones before them (a sweep's batch gets what one-by-one queueing would)."""

    def __init__(self, keys, now):
        from .models import OutboxMessage

        self.now, self.window = now, window()
        keys = sorted({k for k in keys if k})
        self.last = {}
        if keys:
            # The partial index outbox_coalesce holds only rows with a key: the query says so itself, for
            # PostgreSQL proves a partial index's condition from an IN list of at most 100 values, and a
            # sweep's batch names more (found by the sweep benchmark: a scan of the whole outbox, sent
            # rows and all, once per batch).
            self.last = dict(
                OutboxMessage.objects.filter(coalesce_key__in=keys, next_attempt_at__gte=now - self.window)
                .exclude(coalesce_key="").values("coalesce_key").annotate(last=Max("next_attempt_at"))
                .values_list("coalesce_key", "last"))

    def slot(self, key):
        if not key:
            return self.now
        last = self.last.get(key)
        if last is None:
            slot = self.now
        elif last > self.now:
            slot = min(last, self.now + self.window)
        else:
            slot = last + self.window
        self.last[key] = max(slot, last) if last is not None else slot
        return slot


def units(rows):
    """Due rows, in order, as the emails they make: a list of lists, one per email."""
    groups, out = {}, []
    for row in rows:
        if not row.coalesce_key:
            out.append([row])
        elif row.coalesce_key in groups:
            groups[row.coalesce_key].append(row)
        else:
            groups[row.coalesce_key] = [row]
            out.append(groups[row.coalesce_key])
    return out


def digest(rows, case_ref):
    """(subject, text, html) of one email listing several rows' notices, oldest first."""
    ctx = {"site_url": settings.SITE_URL, "case_ref": case_ref or "", "count": len(rows),
           "case_path": reverse("cases:case_detail", args=[case_ref]) if case_ref else "",
           "minutes": settings.NOTIFY_COALESCE_MINUTES,
           "notices": [{"subject": r.subject, "text": r.body_text.strip()} for r in rows]}
    subject = " ".join(render_to_string("emails/digest.subject.txt", ctx).split())
    return subject[:300], render_to_string("emails/digest.txt", ctx), render_to_string("emails/digest.html", ctx)
