"""The admin is read-mostly: records are written by the services, never edited or deleted here (the
timeline, the promise ledger and every step record are the audit trail; cases are never hard-deleted).
Staff see only the cases the app would show them, and only the records of those cases. The case list
offers the FSM transitions as actions, which go through `case_transition` (gate, permission,
timeline, and the stay each row was drawn in) like the app does. Every list is bounded: a constant number
of queries per page, no full-table count, no SELECT DISTINCT over a ledger's free-text column."""
from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html
from . import admin_staff, services
from .admin_staff import KnowsEditor, beyond_reach
from .errors import CaseRuleError
from .permissions import can_view_case, sees_whole_team
from .forms.base import ZONE_REFUSED, is_offered_zone
from .selectors import holds_supervisor_role, visible_cases
from .workflow import Transition
from .models import (
    Acknowledgement, ActionItem, Case, CaseEvent, Client, ClientAnswer, ClientMessage, ClientSurvey, Concern,
    Delivery, Escalation, EscalationNote, Fact, Handoff, HeldStay, Promise, Recommitment, StaffProfile, StatusUpdate,
)


class ReadOnlyAdmin(admin.ModelAdmin):  # guarded: admin_safe.guard_every_list
    # The lookup from the model to its case: the list shows only rows of cases the user may see
    # (cases.selectors.visible_cases), so REPS_SEE_OWN_CASES_ONLY holds in the admin too.
    case_path = "case"
    # A filtered or searched page counts its own matches only, not the whole table again (millions of
    # timeline rows and promises at scale); the admin offers "Show all" instead of the total.
    show_full_result_count = False

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if sees_whole_team(request.user):
            return qs
        visible = visible_cases(request.user).values("pk")
        return qs.filter(pk__in=qs.model.objects.filter(**{f"{self.case_path}__in": visible}).values("pk"))

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ConcernInline(ReadOnlyInline):
    model = Concern
    fields = ["description", "impact", "impact_deadline", "feeling"]


class ActionItemInline(ReadOnlyInline):
    model = ActionItem
    fields = ["description", "kind", "assignee", "due_at", "status", "done_at", "cancel_reason"]


class PromiseInline(ReadOnlyInline):
    model = Promise
    fk_name = "case"
    fields = ["kind", "source", "owner", "due_at", "status", "kept_at", "broken_at"]


class EventInline(ReadOnlyInline):
    model = CaseEvent
    fields = ["created_at", "actor", "verb", "from_step", "to_step", "note"]


STEP_MOVES_AT_ONCE = 100  # one page of the case list; a "select all" across thousands is refused
STAY_INPUT = "stay_{}"  # the hidden input of each row's step cell: the stay the row was drawn in


def _transition_action(name, label):
    """A step move from the case list, refused as the case page refuses it: each row posts the stay it was
    drawn in (CaseAdmin.step_shown, Case.stay_mark) and case_transition checks it (ensure_stay_shown), so a
    list drawn while the case was in an earlier stay of its step moves nothing. Found by an audit: the list
    posted no stay, and a supervisor's old list moved a case on from a second plan they never saw."""
    def action(modeladmin, request, queryset):
        selected = queryset.count()
        if selected > STEP_MOVES_AT_ONCE:
            modeladmin.message_user(
                request, f"“{label}” was not applied: {selected} cases are selected, and a step change is made "
                f"on at most {STEP_MOVES_AT_ONCE} at once. Select the cases on one page (filter the list first).",
                messages.ERROR)
            return
        done = 0
        for case in queryset:
            shown = request.POST.get(STAY_INPUT.format(case.pk), "")
            try:
                if not shown:  # not on the page the click came from: what it showed is unknown
                    raise CaseRuleError(f"“{label}” was not applied: the list it was sent from did not show "
                                        "this case. Reload the list, then select it again if you still mean to.")
                services.case_transition(user=request.user, case=case, name=name, step_shown=shown)
                done += 1
            except CaseRuleError as exc:
                modeladmin.message_user(request, f"{case.reference}: {exc.message}", messages.ERROR)
        if done:
            modeladmin.message_user(request, f"{label}: {done} case(s) moved on.", messages.SUCCESS)

    action.__name__ = f"action_{name}"
    action.short_description = f"Step: {label}"
    return action


def action_revoke_status_link(modeladmin, request, queryset):
    """The same revoke as the case page's button (cases.services.status_links), permission included."""
    done = 0
    for case in queryset:
        try:
            services.status_link_revoke(user=request.user, case=case)
            done += 1
        except CaseRuleError as exc:
            modeladmin.message_user(request, f"{case.reference}: {exc.message}", messages.ERROR)
    if done:
        modeladmin.message_user(request, f"Client status links revoked on {done} case(s).", messages.SUCCESS)


action_revoke_status_link.short_description = "Revoke the client's status link"


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["reference", "client", "owner", "step_shown", "temperature", "open_escalation_count",
                    "next_promise_due_at", "opened_at", "closed_by_override"]
    list_select_related = ["client", "owner"]
    # Only the owners of cases the viewer may see (it reads get_queryset): a rep restricted to their own cases
    # is not shown every account of the team (found by an audit).
    list_filter = ["step", "temperature", "closed_by_override", ("owner", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["reference", "summary", "client__name", "client__organisation"]
    inlines = [ConcernInline, ActionItemInline, PromiseInline, EventInline]
    case_path = "pk"

    @admin.display(description="step", ordering="step")
    def step_shown(self, obj):
        """The step, with the stay the row shows as a hidden input of the list's form: a step action posts it
        back, as the case page's buttons do (_transition_action)."""
        return format_html('{}<input type="hidden" name="{}" value="{}">', obj.step_enum.label,
                           STAY_INPUT.format(obj.pk), obj.stay_mark)

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or can_view_case(request.user, obj))

    actions = [
        _transition_action(name, label)
        for name, label in ((t.method, t.label) for t in Transition if t.is_completion)
    ] + [action_revoke_status_link]


@admin.register(Promise)
class PromiseAdmin(ReadOnlyAdmin):
    list_display = ["case", "kind", "owner", "due_at", "status", "kept_at", "broken_at"]
    list_select_related = ["case", "owner"]
    list_filter = ["status", "kind"]
    search_fields = ["case__reference", "source"]
    date_hierarchy = "due_at"


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ["case", "reason", "status", "raised_by", "raised_by_system", "supervisor", "created_at"]
    list_select_related = ["case", "raised_by", "supervisor"]
    list_filter = ["status", "reason", "raised_by_system"]
    search_fields = ["case__reference", "note"]


class StepChangeFilter(admin.SimpleListFilter):
    """The timeline by step change, over the transitions the workflow declares (cases.workflow.Transition),
    not the distinct verbs of every event in the table, read again on each page view (found by an audit)."""

    title = "step change"
    parameter_name = "step_change"
    OTHER = "other"

    def lookups(self, request, model_admin):
        return [(t.method, t.label) for t in Transition] + [(self.OTHER, "Other events")]

    def queryset(self, request, queryset):
        if self.value() == self.OTHER:
            return queryset.exclude(verb__in=[t.label for t in Transition])
        spec = Transition.named(self.value()) if self.value() else None
        return queryset.filter(verb=spec.label) if spec else queryset


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "case", "actor", "verb", "from_step", "to_step"]
    list_select_related = ["case", "actor"]
    list_filter = [StepChangeFilter]
    search_fields = ["case__reference", "note"]


@admin.register(Client)
class ClientAdmin(ReadOnlyAdmin):
    """Read-only: edits go through client_update (case page), which moves pending deadlines out of new
    quiet hours and records the change on the timeline."""

    list_display = ["name", "organisation", "email", "phone", "time_zone"]
    search_fields = ["name", "organisation", "email"]
    case_path = "cases"


class EscalationNoteAdmin(ReadOnlyAdmin):
    case_path = "escalation__case"


class StaffProfileForm(forms.ModelForm):
    """The app's rules for a profile: a time zone from the picker's list (a real place, or UTC), and a
    supervisor who holds the role and is not the person themselves."""

    class Meta:
        model = StaffProfile
        fields = ["user", "supervisor", "time_zone"]

    def clean_time_zone(self):
        name = self.cleaned_data["time_zone"]
        if not is_offered_zone(name):
            raise forms.ValidationError(ZONE_REFUSED)
        return name

    request_user = None  # who edits: set by the admin (admin_staff.KnowsEditor)

    def clean(self):
        cleaned = super().clean()
        boss, user = cleaned.get("supervisor"), cleaned.get("user")
        if user is not None and beyond_reach(self.request_user, user):
            self.add_error("user", "This person holds rights you do not: a superuser, or someone who holds them, "
                                   "sets their profile.")
        changed = "supervisor" in self.changed_data  # one named before the rule stays until changed
        if boss is not None and changed and (boss == user or not holds_supervisor_role(boss.pk)):
            self.add_error("supervisor", "Choose someone else who holds the supervisor role.")
        return cleaned


@admin.register(StaffProfile)
class StaffProfileAdmin(KnowsEditor, admin.ModelAdmin):
    form = StaffProfileForm
    list_display = ["user", "supervisor", "time_zone"]
    list_select_related = ["user", "supervisor"]

    # Whose profile may be changed follows who may change their account (admin_staff.beyond_reach): a
    # supervisor's profile is not a help desk's to edit (found by a red team).
    def has_change_permission(self, request, obj=None):
        return (super().has_change_permission(request, obj)
                and not (obj is not None and beyond_reach(request.user, obj.user)))

    def has_delete_permission(self, request, obj=None):
        return (super().has_delete_permission(request, obj)
                and not (obj is not None and beyond_reach(request.user, obj.user)))

    # The rep's irate cases follow their supervisor (the irate rule): when the admin adds, changes or deletes
    # the profile that names them (found by a red team: a profile added for a rep who had none, or deleted,
    # left the co-owner as it was).
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change or "supervisor" in form.changed_data:
            services.irate_cases_follow_supervisor(owner=obj.user, actor=request.user)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.irate_cases_follow_supervisor(owner=obj.user, actor=request.user)

    def delete_queryset(self, request, queryset):
        owners = [profile.user for profile in queryset.select_related("user")]
        super().delete_queryset(request, queryset)
        for owner in owners:
            services.irate_cases_follow_supervisor(owner=owner, actor=request.user)


# The client's own answers and the messages sent to them are records like the others: read here, never
# written (a staff user must not be able to make "the client confirmed" true by editing a row).
for model in (Concern, Acknowledgement, Recommitment, Fact, ActionItem, StatusUpdate, Delivery, Handoff,
              ClientAnswer, ClientSurvey, ClientMessage, HeldStay):
    admin.site.register(model, ReadOnlyAdmin)
admin.site.register(EscalationNote, EscalationNoteAdmin)

admin_staff.register()  # users and the role groups (cases/admin_staff.py)
