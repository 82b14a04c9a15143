"""The rep's forms. They check shape only (types, required, dates in the future or past); every rule of
the recipe lives in cases.services, whose CaseRuleError is mapped back onto a field by
`add_rule_error`. Datetimes are read in the viewer's time zone (activated by the middleware), and
where a form offers it, in the client's zone instead."""
import json
import zoneinfo
from functools import lru_cache

from django import forms
from django.urls import reverse
from django.utils import timezone

from .models import (
    REP_ESCALATION_REASONS, TEMPERATURE_CHOICES, Acknowledgement, ActionItem, Case, Channel, Client, Concern,
    Delivery, Escalation, Fact, Handoff, ItemKind, Mood, Promise, Recommitment, StatusUpdate,
)
from .bounds import check_within_horizon
from .errors import CaseRuleError
from .selectors_ui import assignable_users
from .services import ALL_TRANSITIONS
from .text import SHORT_NOTE, limit_of

MINE, CLIENTS = "mine", "client"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def text_area(rows=3, **attrs):
    return forms.Textarea(attrs={"rows": rows, **attrs})


def datetime_field(label, **kwargs):
    return forms.DateTimeField(label=label, widget=DateTimeLocalInput(),
                               input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"], **kwargs)


class UserField(forms.ChoiceField):
    """A teammate picker over a list of users fetched once per request (a page may show one per row);
    cleans to the user, or None when left empty."""

    def __init__(self, *, empty_label=None, **kwargs):
        self.empty_label = empty_label
        self.users = {}
        super().__init__(**kwargs)

    def set_users(self, users):
        self.users = {str(u.pk): u for u in users}
        blank = [("", self.empty_label)] if self.empty_label else []
        self.choices = blank + [(pk, u.get_full_name() or u.username) for pk, u in self.users.items()]

    def clean(self, value):
        value = super().clean(value)
        return self.users.get(str(value)) if value else None


@lru_cache(maxsize=1)
def time_zone_choices():
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


def limit_text_fields(form):
    """Every text field has a limit (from its model field; Django renders it as `maxlength`), and an
    over-long text is refused in plain words."""
    for fld in form.fields.values():
        if isinstance(fld, forms.CharField) and fld.max_length:
            fld.error_messages["max_length"] = (f"Keep it under {fld.max_length:,} characters. The text is cut at "
                                                "the limit: check its end before saving again.")


def trim_refused_text(form):
    """A refused over-long text comes back cut to its limit: a 1 MB post must not make a 1 MB page."""
    cut = {}
    for name, fld in form.fields.items():
        key, limit = form.add_prefix(name), getattr(fld, "max_length", None)
        value = form.data.get(key) if limit and name in form.errors else None
        if isinstance(value, str) and len(value) > limit:
            cut[key] = value[:limit]
    if cut:
        form.data = form.data.copy()
        for key, value in cut.items():
            form.data[key] = value


def add_rule_error(form, exc):
    """Put a service's refusal next to the field it names, else at the top of the form."""
    field = form.field_map.get(exc.field, exc.field)
    form.add_error(field if field in form.fields else None, exc.message)
    form.gaps = list(exc.gaps)


def _check_date_horizon(form, data):
    """Any date typed into any form: within the sane horizon (cases.bounds), and not before 2000, so
    a year-9999 date is a form error next to its field, never an overflow further on."""
    for name, fld in form.fields.items():
        value = data.get(name)
        if value is None or not isinstance(fld, (forms.DateTimeField, forms.DateField)):
            continue
        if value.year < 2000:
            form.add_error(name, "That date is too long ago.")
            data.pop(name, None)
            continue
        try:
            check_within_horizon(value, field=name)
        except CaseRuleError as exc:
            form.add_error(name, exc.message)
            data.pop(name, None)


class CaseForm(forms.Form):
    """Base of every case form. `case` and `user` give context (labels, initial values); `obj` is the
    record a per-row form edits. `field_map` maps a service's error field to this form's field."""

    field_map = {}
    future_fields = ()
    past_fields = ()
    client_zone_fields = ()  # datetimes the rep may type in the client's local time
    coach_context = ""  # the phrase coach checks the `text` field live in this context

    def __init__(self, data=None, *, case=None, user=None, obj=None, users=None, **kwargs):
        self.case, self.user, self.obj = case, user, obj
        self.gaps = []
        kwargs.setdefault("label_suffix", "")
        super().__init__(data, **kwargs)
        limit_text_fields(self)
        pickers = [fld for fld in self.fields.values() if isinstance(fld, UserField)]
        if pickers:
            users = list(assignable_users()) if users is None else users
            for fld in pickers:
                fld.set_users(self.pick_from(users))
        if self.client_zone_fields and case is not None:
            self._add_zone_choice()
        if self.coach_context:
            self._wire_coach()

    def full_clean(self):
        super().full_clean()
        trim_refused_text(self)

    def _wire_coach(self):
        """Live coaching while typing: htmx posts the text to the playbook's coach endpoint."""
        slot = f"{self.auto_id % 'text'}-coach" if self.auto_id else "text-coach"
        trigger = "input changed delay:400ms"
        if self.is_bound and (self.data.get("text") or "").strip():
            trigger += ", load"  # a refused save keeps the text: show its warnings again
        self.fields["text"].widget.attrs.update({
            "hx-post": reverse("playbook:coach"), "hx-trigger": trigger, "hx-target": f"#{slot}",
            "hx-swap": "innerHTML", "hx-sync": "this:replace",
            "hx-vals": json.dumps({"context": self.coach_context}),
        })

    def pick_from(self, users):
        return users

    def _check_horizon(self, data):
        _check_date_horizon(self, data)

    def _add_zone_choice(self):
        mine = timezone.get_current_timezone_name()
        theirs = self.case.client.time_zone
        same = mine == theirs
        self.fields["entry_zone"] = forms.ChoiceField(
            label="Times typed in", initial=MINE, required=False, widget=forms.HiddenInput if same else forms.RadioSelect,
            choices=[(MINE, f"my time ({mine})"), (CLIENTS, f"{self.case.client.name}'s time ({theirs})")],
        )

    def clean(self):
        data = super().clean()
        self._check_horizon(data)
        if data.get("entry_zone") == CLIENTS:
            for name in self.client_zone_fields:
                if data.get(name):
                    data[name] = timezone.make_aware(timezone.make_naive(data[name]), self.case.client.tz)
        now = timezone.now()
        for name in self.future_fields:
            value = data.get(name)
            if value and value <= now and value != self.initial.get(name):
                self.add_error(name, "Choose a time in the future.")
        for name in self.past_fields:
            if data.get(name) and data[name] > now:
                self.add_error(name, "That time is in the future.")
        return data


# --- Intake ---------------------------------------------------------------------------------------
class NewCaseForm(CaseForm):
    field_map = {"name": "client_name", "organisation": "client_organisation", "email": "client_email",
                 "phone": "client_phone", "time_zone": "client_time_zone",
                 "quiet_hours_start": "client_quiet_start", "quiet_hours_end": "client_quiet_end"}
    future_fields = ("impact_deadline",)

    client = forms.ModelChoiceField(queryset=Client.objects.all(), required=False, label="Existing client")
    client_name = forms.CharField(label="New client's name", max_length=200, required=False)
    client_organisation = forms.CharField(label="Business", max_length=200, required=False)
    client_email = forms.EmailField(label="Email", max_length=limit_of(Client, "email"), required=False)
    client_phone = forms.CharField(label="Phone", max_length=50, required=False)
    client_time_zone = forms.ChoiceField(label="Client's time zone", required=False)
    client_quiet_start = forms.TimeField(label="Quiet hours from", required=False,
                                         widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    client_quiet_end = forms.TimeField(label="to", required=False,
                                       widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    summary = forms.CharField(label="The complaint in a line", max_length=300)
    temperature = forms.ChoiceField(label="How does the client feel right now?", choices=TEMPERATURE_CHOICES,
                                    widget=forms.RadioSelect)
    description = forms.CharField(label="What is wrong", max_length=limit_of(Concern, "description"),
                                  required=False, widget=text_area(3))
    impact = forms.CharField(label="Impact on the client's life or business", max_length=limit_of(Concern, "impact"),
                             required=False, widget=text_area(2))
    impact_deadline = datetime_field("Critical by (if there is a date)", required=False)
    feeling = forms.CharField(label="How the client feels about it", max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client_time_zone"].choices = time_zone_choices()
        self.fields["client_time_zone"].initial = timezone.get_current_timezone_name()

    def clean(self):
        data = super().clean()
        if not data.get("client") and not (data.get("client_name") or "").strip():
            self.add_error("client_name", "Pick an existing client or give the new client's name.")
        return data

    def concern(self):
        keys = ("description", "impact", "impact_deadline", "feeling")
        return {k: self.cleaned_data.get(k) for k in keys}

    def new_client(self):
        d = self.cleaned_data
        return dict(name=d["client_name"], organisation=d["client_organisation"], email=d["client_email"],
                    phone=d["client_phone"], time_zone=d["client_time_zone"] or "UTC",
                    quiet_hours_start=d["client_quiet_start"], quiet_hours_end=d["client_quiet_end"])


class ClientDetailsForm(CaseForm):
    """The case's client, edited later (a new time zone, "don't call me after 9pm"). Bound to the
    client's current values; the service checks the rules (name, both quiet-hour ends, a real zone)."""

    name = forms.CharField(label="Name", max_length=200, required=False)
    organisation = forms.CharField(label="Business", max_length=200, required=False)
    email = forms.EmailField(label="Email", max_length=limit_of(Client, "email"), required=False)
    phone = forms.CharField(label="Phone", max_length=50, required=False)
    time_zone = forms.ChoiceField(label="Time zone")
    quiet_hours_start = forms.TimeField(label="Quiet hours from", required=False,
                                        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    quiet_hours_end = forms.TimeField(label="to", required=False,
                                      widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                                      help_text="In the client's time zone; leave both empty for none.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = time_zone_choices()
        client = self.case.client if self.case is not None else None
        if client is not None and client.time_zone not in dict(choices):
            choices = [(client.time_zone, client.time_zone)] + choices  # a legacy name stays selectable
        self.fields["time_zone"].choices = choices
        if client is not None and not self.is_bound:
            self.initial.update({name: getattr(client, name) for name in self.fields})


# --- Step 1: identify -----------------------------------------------------------------------------
class ConcernForm(CaseForm):
    future_fields = ("impact_deadline",)

    description = forms.CharField(label="What is wrong", max_length=limit_of(Concern, "description"),
                                  required=False, widget=text_area(3))
    impact = forms.CharField(label="Impact on the client's life or business", max_length=limit_of(Concern, "impact"),
                             required=False, widget=text_area(2))
    impact_deadline = datetime_field("Critical by (if there is a date)", required=False)
    feeling = forms.CharField(label="How the client feels about it", max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.obj is not None and not self.is_bound:
            for name in self.fields:
                self.initial[name] = getattr(self.obj, name)


class TemperatureForm(CaseForm):
    temperature = forms.ChoiceField(label="How does the client feel now?", choices=Mood.choices,
                                    widget=forms.RadioSelect)
    note = forms.CharField(label="Note (optional)", max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.case is not None:
            self.initial.setdefault("temperature", self.case.temperature)


class IrateFlagForm(CaseForm):
    flagged = forms.BooleanField(label="The client is irate", required=False)
    note = forms.CharField(label="Note (optional)", max_length=300, required=False)


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


# --- Step 5: plan ---------------------------------------------------------------------------------
class ActionItemForm(CaseForm):
    future_fields = ("due_at",)
    client_zone_fields = ("due_at",)

    description = forms.CharField(label="What will be done", max_length=limit_of(ActionItem, "description"),
                                  widget=text_area(2))
    kind = forms.ChoiceField(label="Kind", choices=ItemKind.choices, initial=ItemKind.FIX)
    assignee = UserField(label="Owner", required=False, empty_label="— nobody yet —")
    due_at = datetime_field("Due", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.obj is not None and not self.is_bound:
            self.initial.update(description=self.obj.description, kind=self.obj.kind,
                                assignee=self.obj.assignee_id, due_at=self.obj.due_at)
        elif self.user is not None:
            self.initial.setdefault("assignee", self.user.pk)


def agreement_fields(label="If this moves a promised time: how the client agreed"):
    """The client's agreement to a new deadline (cases.services.promises.agreement_from checks it)."""
    return {
        "agreed_channel": forms.ChoiceField(label=label, required=False,
                                            choices=[("", "—")] + list(Channel.choices)),
        "agreed_text": forms.CharField(label="What the client said", required=False, widget=text_area(2),
                                       max_length=limit_of(Promise, "agreed_text")),
    }


class AgreementMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, fld in agreement_fields().items():
            self.fields[name] = fld

    def agreement(self):
        return {"agreed_channel": self.cleaned_data.get("agreed_channel") or "",
                "agreed_text": self.cleaned_data.get("agreed_text") or ""}


class ActionItemEditForm(AgreementMixin, ActionItemForm):
    pass


class ItemHandBackForm(CaseForm):
    note = forms.CharField(label="Why you cannot do it", widget=text_area(2),
                           max_length=limit_of(ActionItem, "handback_note"))


class ItemHandBackAnswerForm(CaseForm):
    accept = forms.TypedChoiceField(label="Your answer", coerce=lambda v: v == "accept", widget=forms.RadioSelect,
                                    choices=[("accept", "Take it back (then reassign or cancel it)"),
                                             ("decline", "Decline: they keep it")])
    note = forms.CharField(label="Note (optional)", max_length=300, required=False)


class ItemDoneForm(CaseForm):
    note = forms.CharField(label="Note (optional)", max_length=300, required=False)


class ItemCancelForm(CaseForm):
    reason = forms.CharField(label="Why it is no longer needed", max_length=limit_of(ActionItem, "cancel_reason"))


class CadenceForm(AgreementMixin, CaseForm):
    UNITS = {"minutes": 1, "hours": 60, "days": 1440}
    field_map = {"minutes": "every"}

    every = forms.IntegerField(label="Every", min_value=1, max_value=10_000, initial=1)
    unit = forms.ChoiceField(label="Unit", choices=[(u, u) for u in UNITS], initial="hours")
    channel = forms.ChoiceField(label="By", choices=Channel.choices)
    business_hours_only = forms.BooleanField(label="Only during the client's business hours", required=False)
    note = forms.CharField(label="Note (optional)", max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        case = self.case
        if case is not None and case.cadence_minutes and not self.is_bound:
            unit = next(u for u in ("days", "hours", "minutes") if case.cadence_minutes % self.UNITS[u] == 0)
            self.initial.update(every=case.cadence_minutes // self.UNITS[unit], unit=unit,
                                channel=case.cadence_channel,
                                business_hours_only=case.cadence_business_hours_only)

    def minutes(self):
        return self.cleaned_data["every"] * self.UNITS[self.cleaned_data["unit"]]


class EtaForm(AgreementMixin, CaseForm):
    future_fields = ("eta_latest",)
    client_zone_fields = ("eta_earliest", "eta_latest")

    eta_earliest = datetime_field("Fixed at the earliest by")
    eta_latest = datetime_field("and at the latest by")
    note = forms.CharField(label="Note (optional)", max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.case is not None and not self.is_bound:
            self.initial.update(eta_earliest=self.case.eta_earliest, eta_latest=self.case.eta_latest)


# --- Step 6: manage anxiety -----------------------------------------------------------------------
class StatusUpdateForm(CaseForm):
    coach_context = "status_update"
    field_map = {"summary": "text"}
    past_fields = ("given_at",)

    text = forms.CharField(label="What you told the client: the outcome so far, with a time or range",
                           max_length=limit_of(StatusUpdate, "summary"), widget=text_area(3))
    channel = forms.ChoiceField(label="How", choices=Channel.choices)
    client_mood = forms.ChoiceField(label="How the client feels now", choices=Mood.choices, widget=forms.RadioSelect)
    given_at = datetime_field("Given at (leave empty for now)", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.case is not None:
            self.initial.setdefault("channel", self.case.cadence_channel or Channel.PHONE)


class RenegotiateForm(CaseForm):
    future_fields = ("new_due_at",)
    client_zone_fields = ("new_due_at",)

    new_due_at = datetime_field("New deadline")
    agreed_channel = forms.ChoiceField(label="How the client agreed", choices=Channel.choices)
    agreed_text = forms.CharField(label="What the client said when agreeing", widget=text_area(2),
                                  max_length=limit_of(Promise, "agreed_text"))


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        d = self.obj
        if d is not None and not self.is_bound:
            self.initial.update(
                verified_with_client=d.verified_with_client, client_satisfied=d.client_satisfied,
                expectation_met={True: "yes", False: "no"}.get(d.expectation_met, ""),
                prevention_note=d.prevention_note, extra_mile=d.extra_mile, follow_up_on=d.follow_up_on,
                client_mood=d.client_mood,
            )

    def clean_follow_up_on(self):
        day = self.cleaned_data.get("follow_up_on")
        if day and day < timezone.localdate():
            raise forms.ValidationError("Choose today or a later date.")
        return day


class FollowUpForm(CaseForm):
    note = forms.CharField(label="What the client told you on the follow-up call",
                           max_length=limit_of(Delivery, "follow_up_note"), widget=text_area(2))


class TransitionForm(CaseForm):
    name = forms.ChoiceField(choices=[(n, n) for n in ALL_TRANSITIONS], widget=forms.HiddenInput)
    reason = forms.CharField(label="Reason", max_length=SHORT_NOTE, required=False, widget=text_area(2))


# --- Any step -------------------------------------------------------------------------------------
class EscalateForm(CaseForm):
    reason = forms.ChoiceField(label="Why", choices=REP_ESCALATION_REASONS)
    note = forms.CharField(label="What you need from a supervisor", max_length=limit_of(Escalation, "note"),
                           widget=text_area(2))


class HandoffRequestForm(CaseForm):
    to_user = UserField(label="Hand the case to", empty_label="— choose a teammate —")
    reason = forms.CharField(label="Why", max_length=limit_of(Handoff, "reason"), widget=text_area(2))

    def pick_from(self, users):
        return [u for u in users if self.case is None or u.pk != self.case.owner_id]


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

