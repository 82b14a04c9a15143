"""Forms of the supervisor's pages. They check shape only; the services hold the rules and their
refusals (CaseRuleError) are put back on the form by `add_rule_error`."""
import datetime as dt

from django import forms
from django.utils import timezone

from .bounds import check_within_horizon
from .errors import CaseRuleError
from .forms import DateInput, limit_text_fields, trim_refused_text
from .metrics import DEFAULT_WINDOW_DAYS, WINDOW_DAYS
from .models import Escalation, EscalationNote, EscalationReason, EscalationStatus, Handoff, Mood, Step
from .selectors_all_cases import ALL as SCOPE_ALL, DEFAULT_SORT, OPEN as SCOPE_OPEN, SORTS
from .services.handoffs import owner_changed_since
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
        """The valid filters; an invalid value (a hand-edited URL, an old bookmark) falls back to no filter for
        that field alone, and the page says so beside it (the form's error)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"reason": data.get("reason") or "", "status": data.get("status") or ACTIVE}


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
    confirm = forms.BooleanField(
        label="I understand this hands the case to the person chosen above; the current owner stays on it as a watcher",
        error_messages={"required": "Tick the box to confirm you mean to reassign the case."},
    )
    owner_shown = forms.IntegerField(widget=forms.HiddenInput, required=False)  # services.case_reassign
    step_shown = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)  # Case.stay_mark

    def __init__(self, *args, candidates, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_user"].queryset = candidates
        self.case = case

    def clean(self):
        data = super().clean()
        stale = owner_changed_since(self.case, data.get("owner_shown")) if self.case is not None else ""
        if stale:  # first, whatever else is wrong: the page is drawn again for the owner it now has
            self.add_error("to_user", stale)
        return data


class ForceCloseForm(PageForm):
    id_prefix = "close"
    reason = forms.CharField(label="Why close it although the step is not complete", max_length=SHORT_NOTE,
                             widget=forms.Textarea(attrs={"rows": 2}))
    confirm = forms.BooleanField(
        label="I understand this closes the case although its step is not complete, on the record with my name",
        error_messages={"required": "Tick the box to confirm you mean to close the case."},
    )
    # The step the page was drawn for: services.case_transition refuses if the case has moved since.
    step_shown = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)


class WindowForm(forms.Form):
    """The team page's window: its length, and for a chart's CSV the end of the window of the page it was
    downloaded from (`until`, the page's board.window.until in ISO 8601: `until_value`), so the file holds
    the table it sat under, not one recomputed for a later "now" (found by a review). An end in the future is
    capped at now (a future end would count promises not yet due); an end that is malformed or older than the
    largest window is an error of the `until` field, and the download is refused in words (csv_refused)
    instead of handing over the table for another window without a word."""

    days = forms.TypedChoiceField(choices=[(d, f"Last {d} days") for d in WINDOW_DAYS], coerce=int,
                                  required=False, empty_value=DEFAULT_WINDOW_DAYS, label="Window")
    until = forms.DateTimeField(required=False, label="Window end",
                                error_messages={"invalid": "The link's window end is not a date and time."})

    def clean_until(self):
        until = self.cleaned_data.get("until")
        if until is None:
            return None
        oldest = timezone.now() - dt.timedelta(days=max(WINDOW_DAYS))
        try:
            too_old = until < oldest
        except OverflowError:  # an offset that takes a year-1 or year-9999 moment out of range
            too_old = until.year < oldest.year
        if too_old:
            raise forms.ValidationError(f"The page this link came from is more than {max(WINDOW_DAYS)} days old: "
                                        "open the team page again for today's figures.")
        return until

    def days_or_default(self):
        if not self.is_bound:
            return DEFAULT_WINDOW_DAYS
        self.is_valid()
        return DEFAULT_WINDOW_DAYS if "days" in self.errors else self.cleaned_data["days"]

    def showing(self, days):
        """This form drawn again for the window `days` the page shows (a value that was not one, or none, was
        asked for), its errors kept beside the picker."""
        data = self.data.copy()
        data["days"] = str(days)
        shown = WindowForm(data)
        shown.is_valid()
        for name, errors in self.errors.items():
            for error in errors:
                shown.add_error(name if name in shown.fields else None, error)
        return shown

    def until_or_now(self, now):
        """The window's end asked for (an error of the form when it could not be taken: csv_refused), capped
        at `now`; `now` when none was."""
        if not self.is_bound:
            return now
        self.is_valid()
        until = None if "until" in self.errors else self.cleaned_data.get("until")
        if until is None:
            return now
        try:
            return min(until, now)
        except OverflowError:  # a year-9999 moment written with an offset
            return now

    @staticmethod
    def until_value(moment):
        """`moment` as the CSV link carries it (read back by the `until` field)."""
        return moment.astimezone(dt.UTC).isoformat()


class AllCasesFilterForm(forms.Form):
    """The filters of the supervisor's All cases page. Dates are whole days in the viewer's zone; a date
    before 2000 or past the horizon (a year ahead) is a form error and that filter is left out."""

    step = forms.ChoiceField(label="Step", required=False)
    owner = forms.TypedChoiceField(label="Owner", required=False, coerce=int, empty_value=None)
    temperature = forms.ChoiceField(label="Temperature", required=False, choices=[("", "Any"), *Mood.choices])
    overdue = forms.BooleanField(label="Overdue", required=False)
    escalated = forms.BooleanField(label="Escalated", required=False)
    stalled = forms.BooleanField(label="Stalled", required=False)
    opened_from = forms.DateField(label="Opened from", required=False, widget=DateInput())
    opened_to = forms.DateField(label="to", required=False, widget=DateInput())
    resolved_from = forms.DateField(label="Resolved from", required=False, widget=DateInput())
    resolved_to = forms.DateField(label="to", required=False, widget=DateInput())
    sort = forms.ChoiceField(label="Sort by", required=False, choices=[(k, v[0]) for k, v in SORTS.items()])

    WINDOWS = (("opened_from", "opened_to"), ("resolved_from", "resolved_to"))

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["step"].choices = [
            (SCOPE_OPEN, "Open (any step)"),
            *[(s.value, f"{s.number}. {s.label}") for s in Step if s != Step.RESOLVED],
            (Step.RESOLVED.value, "Resolved"), (SCOPE_ALL, "All, open and resolved"),
        ]
        self.fields["owner"].choices = [("", "Anyone")] + [(u.pk, u.get_full_name() or u.username) for u in owners]

    def clean(self):
        data = super().clean()
        for name in (n for pair in self.WINDOWS for n in pair):
            day = data.get(name)
            if day is None:
                continue
            if day.year < 2000:
                self.add_error(name, "That date is too long ago.")
                continue
            try:
                check_within_horizon(day, field=name)
            except CaseRuleError as exc:
                self.add_error(name, exc.message)
        for start, end in self.WINDOWS:
            if data.get(start) and data.get(end) and data[start] > data[end]:
                self.add_error(end, "The end of the window is before its start.")
        return data

    def filters(self):
        """The selector's arguments from the fields that are valid (a field with an error is left out)."""
        data = {}
        if self.is_bound:
            self.is_valid()  # runs the checks; cleaned_data then holds only the fields without an error
            data = self.cleaned_data
        tz = timezone.get_current_timezone()

        def start_of(day, extra=0):
            if day is None:
                return None
            return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=extra), dt.time.min), tz)

        return {
            "step": data.get("step") or SCOPE_OPEN, "owner_id": data.get("owner"),
            "temperature": data.get("temperature") or "", "overdue": bool(data.get("overdue")),
            "escalated": bool(data.get("escalated")), "stalled": bool(data.get("stalled")),
            "opened_from": start_of(data.get("opened_from")), "opened_until": start_of(data.get("opened_to"), 1),
            "resolved_from": start_of(data.get("resolved_from")),
            "resolved_until": start_of(data.get("resolved_to"), 1),
            "sort": data.get("sort") or DEFAULT_SORT,
        }
