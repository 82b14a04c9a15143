"""The forms of step 7 and after, the step changes, escalation and ownership, and the My cases filters."""
from django import forms

from ..models import (
    REP_ESCALATION_REASONS, Channel, Delivery, Escalation, Handoff, Mood,
)
from ..bounds import FOLLOW_UP_LATER, follow_up_day_has_come
from ..client_word import confirmation_shown, unseen_confirmation_refusal
from ..services import ALL_TRANSITIONS
from ..services.delivery import current_delivery
from ..services.handoffs import owner_changed_since
from ..text import NOTE, SHORT_NOTE, limit_of
from .base import CaseForm, DateInput, UserField, text_area


# --- Step 7 and after -----------------------------------------------------------------------------
class DeliveryForm(CaseForm):
    verified_with_client = forms.BooleanField(label="The fix was verified with the client, while present",
                                              required=False)
    client_satisfied = forms.BooleanField(label="The client confirmed they are satisfied", required=False)
    expectation_met = forms.TypedChoiceField(
        label="Was the client's own expectation met?", required=False, empty_value=None,
        coerce=lambda v: {"yes": True, "no": False}.get(v),
        choices=[("", "Not asked"), ("yes", "Yes"), ("no", "No")],
    )
    prevention_note = forms.CharField(label="How recurrence will be prevented", required=False, widget=text_area(2),
                                      max_length=limit_of(Delivery, "prevention_note"))
    extra_mile = forms.CharField(label="The extra mile (optional)", required=False, widget=text_area(2),
                                 max_length=limit_of(Delivery, "extra_mile"))
    follow_up_on = forms.DateField(label="Follow-up call on", required=False, widget=DateInput())
    client_mood = forms.ChoiceField(label="How the client feels now", required=False,
                                    choices=[("", "—")] + list(Mood.choices))
    # The client's own "It works" the page showed ("" for none): one given since is not unticked unseen.
    confirmation_shown = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    # The stay of `deliver` the page showed (Case.stay_mark): ticks about an attempt the client sent back
    # are not recorded on the next one (services.delivery.delivery_record).
    step_shown = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        d = self.obj
        if not self.is_bound:
            self.initial["confirmation_shown"] = confirmation_shown(d)
            if self.case is not None:
                self.initial["step_shown"] = self.case.stay_mark
        if d is not None and not self.is_bound:
            self.initial.update(
                verified_with_client=d.verified_with_client, client_satisfied=d.client_satisfied,
                expectation_met={True: "yes", False: "no"}.get(d.expectation_met, ""),
                prevention_note=d.prevention_note, extra_mile=d.extra_mile, follow_up_on=d.follow_up_on,
                client_mood=d.client_mood,
            )

    def clean(self):
        data = super().clean()
        delivery = self.obj or (current_delivery(self.case) if self.case is not None else None)
        shown = data.get("confirmation_shown") or ""
        stale = unseen_confirmation_refusal(delivery, shown, verified=data.get("verified_with_client"),
                                            satisfied=data.get("client_satisfied"))
        if self.case is not None and self.is_bound:
            self.data = self.data.copy()
            self.data["step_shown"] = self.case.stay_mark  # drawn again, for the stay it now shows
        if stale:
            self.add_error("client_satisfied", stale)
            self.data = self.data.copy()  # drawn again, the form shows the client's word and knows it showed it
            for name, value in (("verified_with_client", "on"), ("client_satisfied", "on"),
                                ("confirmation_shown", confirmation_shown(delivery))):
                self.data[name] = value  # QueryDict.update would add a second value
        return data

    def clean_follow_up_on(self):
        """The service's rule (bounds.follow_up_day_has_come, on the client's calendar), said beside the field
        before anything else is checked; it was a second rule on the rep's calendar (found by an audit)."""
        day = self.cleaned_data.get("follow_up_on")
        if day and self.case is not None and follow_up_day_has_come(day, self.case.client):
            raise forms.ValidationError(FOLLOW_UP_LATER)
        return day


class FollowUpForm(CaseForm):
    note = forms.CharField(label="What the client told you on the follow-up call",
                           max_length=limit_of(Delivery, "follow_up_note"), widget=text_area(2))


class TransitionForm(CaseForm):
    name = forms.ChoiceField(choices=[(n, n) for n in ALL_TRANSITIONS], widget=forms.HiddenInput)
    reason = forms.CharField(label="Reason", max_length=SHORT_NOTE, required=False, widget=text_area(2))
    # The step the page was drawn for: a move sent from a page the case has since left is refused
    # (services.transitions: found by a review, a stale override undid a finished delivery).
    step_shown = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)


# --- Any step -------------------------------------------------------------------------------------
class EscalateForm(CaseForm):
    reason = forms.ChoiceField(label="Why", choices=REP_ESCALATION_REASONS)
    note = forms.CharField(label="What you need from a supervisor", max_length=limit_of(Escalation, "note"),
                           widget=text_area(2))


class HandoffRequestForm(CaseForm):
    """Hands the case on: offered to a teammate (services.handoff_request), or, as ReassignForm, moved by a
    supervisor. A form drawn before the case changed hands is refused beside the person it names and drawn
    again for the owner now (services.owner_changed_since): found by an audit, a supervisor's offer drawn
    for one owner handed on the case a colleague had just reassigned to another."""
    to_user = UserField(label="Hand the case to", empty_label="— choose a teammate —")
    reason = forms.CharField(label="Why", max_length=limit_of(Handoff, "reason"), widget=text_area(2))
    owner_shown = forms.IntegerField(widget=forms.HiddenInput, required=False)  # services.owner_changed_since
    doing = "handing it over"  # what the refusal asks to check

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.case is not None:
            self.initial.setdefault("owner_shown", self.case.owner_id)

    def pick_from(self, users):
        return [u for u in users if self.case is None or u.pk != self.case.owner_id]

    def clean(self):
        data = super().clean()
        if self.case is not None and self.is_bound:
            stale = owner_changed_since(self.case, data.get("owner_shown"), doing=self.doing)
            if stale:
                self.add_error("to_user", stale)
            self.data = self.data.copy()  # drawn again, the form names the owner it now shows
            self.data["owner_shown"] = str(self.case.owner_id)
        return data


class HandoffAcceptForm(CaseForm):
    client_informed = forms.BooleanField(
        label="The client has been told that I now handle the case",
        error_messages={"required": "Confirm the client has been told who now handles the case."},
    )


class HandoffDeclineForm(CaseForm):
    note = forms.CharField(label="Note (optional)", max_length=300, required=False)


class ReassignForm(HandoffRequestForm):
    to_user = UserField(label="Reassign to", empty_label="— choose a rep —")
    client_informed = forms.BooleanField(
        label="The client has been told who now handles the case",
        error_messages={"required": "Confirm the client has been told who now handles the case."},
    )
    step_shown = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)  # Case.stay_mark
    doing = "reassigning it"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.case is not None:
            self.initial.setdefault("step_shown", self.case.stay_mark)

    def clean(self):
        data = super().clean()
        if self.case is not None and self.is_bound:
            self.data["step_shown"] = self.case.stay_mark  # drawn again, for the stay it now shows
        return data


class MyCasesFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=100)
    step = forms.ChoiceField(label="Step", required=False)
    show = forms.ChoiceField(label="Show", required=False, initial="open",
                             choices=[("open", "Open"), ("resolved", "Resolved"), ("all", "All")])
    overdue = forms.BooleanField(label="Overdue", required=False)
    escalated = forms.BooleanField(label="Escalated", required=False)

    def __init__(self, *args, steps=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["step"].choices = [("", "Any step")] + [(s.value, f"{s.number}. {s.label}") for s in steps]


# --- Whoever hears it, helps ----------------------------------------------------------------------
class ContactLogForm(CaseForm):
    said = forms.CharField(label="What the client said", widget=text_area(3), max_length=NOTE)
    client_mood = forms.ChoiceField(label="How the client feels", choices=Mood.choices, widget=forms.RadioSelect)
    channel = forms.ChoiceField(label="How they got in touch", choices=Channel.choices)


class AskForCaseForm(CaseForm):
    reason = forms.CharField(label="Why you should take it over", widget=text_area(2),
                             max_length=limit_of(Handoff, "reason"))
