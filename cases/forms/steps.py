"""The forms of steps 1 to 4: concerns, temperature, acknowledgement, recommitment, questions, root problem."""
from django import forms

from ..models import (
    Acknowledgement, Case, Concern, Fact, Mood, Recommitment,
)
from ..services.marks import concern_changed_since, concern_mark, irate_changed_since, irate_mark
from ..text import limit_of
from ..workflow import Record, refusal
from .base import CaseForm, ShownMixin, datetime_field, text_area


# --- Step 1: identify -----------------------------------------------------------------------------
class ConcernFields(forms.Form):
    """A concern's four parts, as the case page's concern form and the intake form both ask them."""

    description = forms.CharField(label="What is wrong", max_length=limit_of(Concern, "description"),
                                  required=False, widget=text_area(3))
    impact = forms.CharField(label="Impact on the client's life or business", max_length=limit_of(Concern, "impact"),
                             required=False, widget=text_area(2))
    impact_deadline = datetime_field("Critical by (if there is a date)", required=False)
    feeling = forms.CharField(label="How the client feels about it", max_length=200, required=False)


class ConcernForm(ShownMixin, CaseForm, ConcernFields):
    future_fields = ("impact_deadline",)
    # An edit's mark of the concern as drawn (services.marks.concern_changed_since); a new concern has none.
    shown_name = "concern_shown"
    mark, changed_since = staticmethod(concern_mark), staticmethod(concern_changed_since)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.obj is None:
            return
        for name in ConcernFields.base_fields:  # posted too: a time left as drawn keeps its instant (_read_times)
            self.initial[name] = getattr(self.obj, name)


class TemperatureForm(CaseForm):
    temperature = forms.ChoiceField(label="How does the client feel now?", choices=Mood.choices,
                                    widget=forms.RadioSelect)
    note = forms.CharField(label="Note (optional)", max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.case is not None:
            self.initial.setdefault("temperature", self.case.temperature)


class IrateFlagForm(ShownMixin, CaseForm):
    flagged = forms.BooleanField(label="The client is irate", required=False)
    note = forms.CharField(label="Note (optional)", max_length=300, required=False)
    # The flag as drawn (services.marks.irate_changed_since): an old page's button does not undo a change since.
    shown_name = "irate_shown"
    mark, changed_since = staticmethod(irate_mark), staticmethod(irate_changed_since)

    def shown_record(self):
        return self.case


# --- Steps 2-4 ------------------------------------------------------------------------------------
class AcknowledgementForm(CaseForm):
    coach_context = "acknowledgement"
    text = forms.CharField(label="What you said to acknowledge the concern", widget=text_area(4),
                           max_length=limit_of(Acknowledgement, "text"),
                           help_text="Mirror their words, name the feeling, thank them for raising it.")


class RecommitmentForm(CaseForm):
    coach_context = "recommitment"
    text = forms.CharField(label="The recommitment you made for the whole team", widget=text_area(3),
                           max_length=limit_of(Recommitment, "text"),
                           help_text="The standard your company holds itself to, and that you will hold to it now.")


class FactForm(CaseForm):
    question = forms.CharField(label="Question you asked", max_length=limit_of(Fact, "question"), widget=text_area(2))
    answer = forms.CharField(label="The client's answer", max_length=limit_of(Fact, "answer"), required=False,
                             widget=text_area(2))


class FactAnswerForm(CaseForm):
    answer = forms.CharField(label="The client's answer", max_length=limit_of(Fact, "answer"), widget=text_area(2))


class RootProblemForm(CaseForm):
    root_problem = forms.CharField(label="The root problem the client agreed to solve",
                                   max_length=limit_of(Case, "root_problem"), widget=text_area(3))
    expected_resolution = forms.CharField(label="What would make this right for the client", required=False,
                                          max_length=limit_of(Case, "expected_resolution"), widget=text_area(2))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.case is not None:
            self.initial.setdefault("root_problem", self.case.root_problem)
            self.initial.setdefault("expected_resolution", self.case.expected_resolution)
            # Where the workflow holds the expectation fixed (at deliver it is what the delivery is judged
            # against), it is shown read-only, with why; the service refuses a change sent anyway.
            fixed = refusal(Record.EXPECTATION, self.case.step, self.case.reference)
            if fixed:
                field = self.fields["expected_resolution"]
                field.widget.attrs["readonly"] = True
                field.help_text = fixed
                name = self.add_prefix("expected_resolution")
                if self.is_bound and name in self.data:
                    # What was sent goes to the service (which refuses a change); the field, drawn again with
                    # the refusal beside it, shows the expectation as it stands (a read-only field must not
                    # keep a value its rep cannot take back).
                    self.sent_expectation = self.data[name]
                    self.data = self.data.copy()
                    self.data[name] = self.case.expected_resolution

    def clean_expected_resolution(self):
        """None when the post leaves the field out: the expectation stays as it is (not emptied)."""
        if self.add_prefix("expected_resolution") not in self.data:
            return None
        sent = getattr(self, "sent_expectation", None)
        return self.fields["expected_resolution"].clean(sent) if sent is not None else \
            self.cleaned_data["expected_resolution"]
