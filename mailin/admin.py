"""Every email that came in, read-only: where it went and why (outcome and note), for a lead who
wants to know what happened to a client's message."""
from django.contrib import admin

from cases.permissions import sees_whole_team
from cases.selectors import visible_cases

from .models import InboundAttachment, InboundMessage


class AttachmentInline(admin.TabularInline):
    model = InboundAttachment
    extra = 0
    can_delete = False
    readonly_fields = ("filename", "content_type", "size", "refused")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):  # guarded: admin_safe.guard_every_list
    list_display = ("received_at", "sender", "subject", "provider", "outcome", "case", "deliveries")
    list_filter = ("outcome", "provider", ("received_at", admin.DateFieldListFilter))
    search_fields = ("message_id", "sender", "subject", "case__reference")
    date_hierarchy = "received_at"
    list_select_related = ("case",)
    readonly_fields = [f.name for f in InboundMessage._meta.fields]
    inlines = [AttachmentInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the row is what makes a redelivered message a duplicate, not a second post

    def get_queryset(self, request):
        """As the cases admin: staff who may not see the whole team see only their cases' mail."""
        qs = super().get_queryset(request)
        return qs if sees_whole_team(request.user) else qs.filter(case__in=visible_cases(request.user))
