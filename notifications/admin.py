"""The outbox in the admin: what was sent, what waits for a retry, and what failed, with a
"retry now" action for rows that gave up (e.g. after a long SMTP outage; never for a status update the
client was counted not to have been given: notifications.outbox.outbox_retry). And the sweeps'
heartbeats, read-only: when each last ran, and the error of a run that failed.

An operator sees every row (to retry after an outage) but reads an email's words only when they may
open its case (cases.permissions.can_view_case, as everywhere else), and nobody reads a client's
status link here: with it anyone could answer "It works" or score the survey as the client."""
import re

from django.contrib import admin, messages
from django.utils import timezone

from cases.admin_safe import SafeChangelist

from .models import OutboxMessage, SweepHeartbeat
from .outbox import RETRIABLE, outbox_retry


BODIES = ("body_text", "body_html")
_STATUS_LINK = re.compile(r"/status/[^/\s\"'<>]+/")
HIDDEN = "(not shown: you may not open the case of this email)"
REFUSED_NAMED = 20  # rows named in the message of a "retry now" that withdrew some


def masked(text):
    """The email's words with every client status link's token left out."""
    return _STATUS_LINK.sub("/status/…/", text)


def _may_read(user, row):
    if row is None or row.case_id is None:
        return True
    from cases.permissions import can_view_case  # the one visibility rule; the outbox knows no cases

    return can_view_case(user, row.case)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(SafeChangelist, admin.ModelAdmin):
    list_display = ("created_at", "kind", "recipients", "subject", "status", "attempts", "next_attempt_at",
                    "sent_at", "short_error")
    list_filter = ("status", "kind", ("created_at", admin.DateFieldListFilter))
    search_fields = ("key", "subject", "to", "case__reference")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    list_per_page = 50
    readonly_fields = [f.name for f in OutboxMessage._meta.fields if f.name not in BODIES]
    actions = ["retry_now"]

    def get_readonly_fields(self, request, obj=None):
        shown = _may_read(request.user, obj)

        def text(row):
            return masked(row.body_text) if shown else HIDDEN

        def html(row):
            return masked(row.body_html) if shown else HIDDEN

        text.short_description, html.short_description = "body text", "body HTML"
        return [*self.readonly_fields, text, html]

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj)

    @admin.display(description="to")
    def recipients(self, obj):
        return ", ".join(obj.to)

    @admin.display(description="last error")
    def short_error(self, obj):
        return (obj.last_error[:80] + "…") if len(obj.last_error) > 80 else obj.last_error

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # rows are the record of what was sent; only the action changes them

    def has_delete_permission(self, request, obj=None):
        return False  # the record of what was sent to whom stays (SECURITY.md: the audit trail)

    def has_retry_permission(self, request):
        return request.user.has_perm("notifications.change_outboxmessage")

    @admin.action(description="Retry now (failed or waiting rows)", permissions=["retry"])
    def retry_now(self, request, queryset):
        # Sent rows stay sent; withdrawn ones (a client email taken back when its case was closed or changed
        # hands: cases.notices.withdraw_direct) stay withdrawn; an email to a client waits for the end of their
        # quiet hours; a status update the client was counted not to have been given is never sent late.
        queued, refused = outbox_retry(queryset, timezone.now())
        skipped = queryset.exclude(status__in=RETRIABLE).exclude(pk__in=[row.pk for row in refused]).count()
        self.message_user(request, f"{len(queued)} email(s) queued for delivery now."
                          + (f" {skipped} already sent or withdrawn, left alone." if skipped else ""),
                          messages.SUCCESS)
        if refused:
            rows = "; ".join(f"#{row.pk} ({row.subject})" for row in refused[:REFUSED_NAMED])
            more = f" and {len(refused) - REFUSED_NAMED} more" if len(refused) > REFUSED_NAMED else ""
            self.message_user(request, f"{len(refused)} email(s) not sent and withdrawn: {rows}{more}. Each was a "
                              "status update that did not reach the client, already counted as not given (the "
                              "update it promised is owed again, or broken if its time passed); sent now it would "
                              "reach them late. The case's handler gives the client a new update instead.",
                              messages.WARNING)


@admin.register(SweepHeartbeat)
class SweepHeartbeatAdmin(admin.ModelAdmin):
    list_display = ("name", "last_succeeded_at", "last_started_at", "last_finished_at", "last_processed", "runs",
                    "last_error")
    readonly_fields = [f.name for f in SweepHeartbeat._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # written by the sweeps only

    def has_delete_permission(self, request, obj=None):
        return False  # a deleted heartbeat would read as "never ran" on /healthz
