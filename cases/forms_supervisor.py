"""Forms of the supervisor's pages. They check shape only; the services hold the rules and their
refusals (CaseRuleError) are put back on the form by `add_rule_error`."""
from django import forms

from .forms import limit_text_fields, trim_refused_text
from .metrics import DEFAULT_WINDOW_DAYS, WINDOW_DAYS
from .models import Escalation, EscalationNote, EscalationReason, EscalationStatus, Handoff
from .text import SHORT_NOTE, limit_of

ACTIVE = ""  # the queue's default status filter: open and taken


def add_rule_error(form, exc):
    """Show a CaseRuleError next to the field it names, or at the top of the form."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


class QueueFilterForm(forms.Form):
    reason = forms.ChoiceField(choices=[("", "All reasons"), *EscalationReason.choices], required=False)
    status = forms.ChoiceField(
        choices=[(ACTIVE, "Open and taken"), *EscalationStatus.choices], required=False
    )

    def filters(self):
        """The valid filters; an invalid value (a hand-edited URL) falls back to no filter."""
        if not self.is_valid():
            return {"reason": "", "status": ACTIVE}
        return {"reason": self.cleaned_data["reason"], "status": self.cleaned_data["status"]}


class PageForm(forms.Form):
    """One of several forms on a page: `id_prefix` keeps their HTML ids apart (two have a `reason`)."""

    id_prefix = "id"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)
        limit_text_fields(self)

    def full_clean(self):
        super().full_clean()
        trim_refused_text(self)


class EscalationNoteForm(PageForm):
    id_prefix = "note"
    text = forms.CharField(label="Note", max_length=limit_of(EscalationNote, "text"),
                           widget=forms.Textarea(attrs={"rows": 3}))


class EscalationResolveForm(PageForm):
    id_prefix = "resolve"
    resolution = forms.CharField(label="How it was resolved", max_length=limit_of(Escalation, "resolution"),
                                 widget=forms.Textarea(attrs={"rows": 3}))


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return user.get_full_name() or user.username


class ReassignForm(PageForm):
    id_prefix = "reassign"
    to_user = UserChoiceField(queryset=None, label="New owner", empty_label="Choose a rep or supervisor")
    reason = forms.CharField(label="Why", max_length=limit_of(Handoff, "reason"),
                             widget=forms.Textarea(attrs={"rows": 2}))
    # Not required here: the service refuses without it and says why, next to the box.
    client_informed = forms.BooleanField(label="The client has been told who now handles the case",
                                         required=False)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_user"].queryset = candidates


class ForceCloseForm(PageForm):
    id_prefix = "close"
    reason = forms.CharField(label="Why close it although the step is not complete", max_length=SHORT_NOTE,
                             widget=forms.Textarea(attrs={"rows": 2}))


class WindowForm(forms.Form):
    days = forms.TypedChoiceField(choices=[(d, f"Last {d} days") for d in WINDOW_DAYS], coerce=int,
                                  required=False, empty_value=DEFAULT_WINDOW_DAYS, label="Window")

    def days_or_default(self):
        if not self.is_bound:
            return DEFAULT_WINDOW_DAYS
        return self.cleaned_data["days"] if self.is_valid() else DEFAULT_WINDOW_DAYS
