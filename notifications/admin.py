"""The outbox in the admin: what was sent, what waits for a retry, and what failed, with a
"retry now" action for rows that gave up (e.g. after a long SMTP outage; never for a status update the
client was counted not to have been given: notifications.outbox.outbox_retry). And the sweeps'
heartbeats, read-only: when each last ran, and the error of a run that failed.

An operator sees every row (to retry after an outage) but reads an email's words (its subject,
recipients and body) only when they may open its case (cases.permissions.can_view_case, as everywhere
else; cases.selectors.visible_cases is the same rule as a query, for the search), and nobody reads a
client's status link here: with it anyone could answer "It works" or score the survey as the client."""
import re
from functools import cache
from pathlib import Path

from django.contrib import admin, messages
from django.db.models import Q
from django.template import engines
from django.utils import timezone


from .models import OutboxMessage, SweepHeartbeat
from .outbox import RETRIABLE, outbox_retry


BODIES = ("body_text", "body_html")
WORDS = ("subject", "to")  # an email's words besides its body: the client's name, the case reference, addresses
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


def _readable_rows(user):
    """_may_read as a filter on the outbox, or None when the user may open every case (the search's)."""
    from cases.permissions import sees_whole_team
    from cases.selectors import visible_cases  # can_view_case as a query

    if sees_whole_team(user):
        return None
    return Q(case__isnull=True) | Q(case__in=visible_cases(user).values("pk"))


def _words(user):
    """A row's subject and recipients as `user` may read them (_may_read, as its body), by field name: the
    list's and the row page's columns. Found by an audit: both were shown whole, with the client's name and
    address and the case reference, to an operator who may not open the case."""
    readable = {}  # row id -> _may_read, asked once per row

    def may_read(row):
        if row.pk not in readable:
            readable[row.pk] = _may_read(user, row)
        return readable[row.pk]

    def subject(row):
        return row.subject if may_read(row) else HIDDEN

    def to(row):
        return ", ".join(row.to) if may_read(row) else HIDDEN

    subject.short_description, to.short_description = "subject", "to"
    return {"subject": subject, "to": to}


class _RowNumber:
    """Stands for a row where the admin would print str(row), which names its recipients: its number."""

    def __init__(self, row):
        self.pk = row.pk

    def __str__(self):
        return f"email #{self.pk}"


def _row_label(user, row):
    return str(row) if _may_read(user, row) else str(_RowNumber(row))


@cache
def email_kinds():
    """Every kind an outbox row may have: the emails under templates/emails/ (each kind is one,
    notifications.outbox), read from the templates in code rather than from the table."""
    dirs = [Path(d) / "emails" for d in engines["django"].template_dirs]
    return sorted({f.name.removesuffix(".subject.txt") for d in dirs if d.is_dir() for f in d.glob("*.subject.txt")})


class KindFilter(admin.SimpleListFilter):
    """By kind, over the kinds in code (email_kinds), not the distinct kinds of every row of the outbox,
    read again on each page view (found by an audit)."""

    title = "kind"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [(kind, kind.replace("_", " ")) for kind in email_kinds()]

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):  # guarded: admin_safe.guard_every_list
    list_display = ("created_at", "kind", "to", "subject", "status", "attempts", "next_attempt_at",
                    "sent_at", "short_error")
    list_select_related = ("case",)  # _may_read reads each row's case
    list_filter = ("status", KindFilter, ("created_at", admin.DateFieldListFilter))
    search_fields = ("key", "subject", "to", "case__reference")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    list_per_page = 50
    show_full_result_count = False  # a search counts its matches, not the whole outbox again
    readonly_fields = [f.name for f in OutboxMessage._meta.fields if f.name not in BODIES]
    actions = ["retry_now"]

    def get_readonly_fields(self, request, obj=None):
        shown = _may_read(request.user, obj)

        def text(row):
            return masked(row.body_text) if shown else HIDDEN

        def html(row):
            return masked(row.body_html) if shown else HIDDEN

        def headers(row):
            return HIDDEN  # Reply-To names the case, In-Reply-To the client's own mail

        @admin.display(description="case")
        def case_reference(row):
            return row.case.reference if row.case_id else "-"  # str(case) would add its summary

        text.short_description, html.short_description = "body text", "body HTML"
        words = _words(request.user) | ({} if shown else {"headers": headers, "case": case_reference})
        return [*(words.get(name, name) for name in self.readonly_fields), text, html]

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj)

    def action_checkbox(self, obj):
        return super().action_checkbox(_RowNumber(obj))  # its label, str(obj), would name the recipients

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:  # the title and breadcrumbs (change_form.html) would print str(obj)
            context.update(subtitle=_row_label(request.user, obj), row_label=_row_label(request.user, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None:
            label = _row_label(request.user, obj)
            extra_context = {**(extra_context or {}), "title": f"Change history: {label}", "row_label": label}
        return super().history_view(request, object_id, extra_context)

    def get_list_display(self, request):
        words = _words(request.user)
        return [words.get(name, name) for name in self.list_display]

    def get_search_fields(self, request):
        if getattr(request, "_outbox_search_words", False) or _readable_rows(request.user) is None:
            return self.search_fields
        return [name for name in self.search_fields if name not in WORDS]

    def get_search_results(self, request, queryset, search_term):
        """The subject and recipients are searched only among the rows the viewer may read (_readable_rows):
        a search must not tell which emails name a client whose case they may not open."""
        found, duplicates = super().get_search_results(request, queryset, search_term)
        readable = _readable_rows(request.user)
        if not search_term or readable is None:
            return found, duplicates
        request._outbox_search_words = True
        try:
            in_words, more = super().get_search_results(request, queryset.filter(readable), search_term)
        finally:
            request._outbox_search_words = False
        return found | in_words, duplicates or more

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
        queryset = queryset.select_related(None)  # the list joins the case (nullable), which no row lock takes
        queued, refused = outbox_retry(queryset, timezone.now())
        skipped = queryset.exclude(status__in=RETRIABLE).exclude(pk__in=[row.pk for row in refused]).count()
        self.message_user(request, f"{len(queued)} email(s) queued for delivery now."
                          + (f" {skipped} already sent or withdrawn, left alone." if skipped else ""),
                          messages.SUCCESS)
        if refused:
            subject = _words(request.user)["subject"]
            rows = "; ".join(f"#{row.pk} ({subject(row)})" for row in refused[:REFUSED_NAMED])
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
