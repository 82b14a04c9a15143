"""The intake form and the client details form."""
from django import forms
from django.utils import timezone

from ..models import TEMPERATURE_CHOICES, Client
from ..services.client_details import SHOWN_FIELDS, details_digest
from ..services.client_identity import SHARES_PHONE
from ..selectors_ui import client_may_be_picked
from ..text import limit_of
from .base import ZONE_REFUSED, AgreementMixin, CaseForm, time_zone_choices, zone_options_loader
from .steps import ConcernFields


CLIENT_Q_LIMIT = 200  # what the client finder reads of what was typed (its input's maxlength)


# --- Intake ---------------------------------------------------------------------------------------
class NewCaseForm(CaseForm, ConcernFields):
    field_map = {"name": "client_name", "organisation": "client_organisation", "email": "client_email",
                 "phone": "client_phone", "time_zone": "client_time_zone",
                 "quiet_hours_start": "client_quiet_start", "quiet_hours_end": "client_quiet_end"}
    future_fields = ("impact_deadline",)
    field_order = ["client", "client_name", "client_organisation", "client_email", "client_phone", "client_time_zone",
                   "client_quiet_start", "client_quiet_end", "summary", "temperature"]  # the concern's parts last

    client = forms.ModelChoiceField(queryset=Client.objects.all(), required=False, label="Existing client")
    client_name = forms.CharField(label="New client's name", max_length=200, required=False)
    client_organisation = forms.CharField(label="Business", max_length=200, required=False)
    client_email = forms.EmailField(label="Email", max_length=limit_of(Client, "email"), required=False)
    client_phone = forms.CharField(label="Phone", max_length=50, required=False)
    client_shares_phone = forms.BooleanField(label=SHARES_PHONE, required=False)
    client_time_zone = forms.ChoiceField(label="Client's time zone", required=False,
                                         error_messages={"invalid_choice": ZONE_REFUSED})
    client_quiet_start = forms.TimeField(label="Quiet hours from", required=False,
                                         widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    client_quiet_end = forms.TimeField(label="to", required=False,
                                       widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    summary = forms.CharField(label="The complaint in a line", max_length=300)
    temperature = forms.ChoiceField(label="How does the client feel right now?", choices=TEMPERATURE_CHOICES,
                                    widget=forms.RadioSelect)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client_time_zone"].choices = time_zone_choices()
        self.fields["client_time_zone"].initial = timezone.get_current_timezone_name()

    def clean_client(self):
        """A client the picker would not offer this user (REPS_SEE_OWN_CASES_ONLY) is refused, posted or not."""
        client = self.cleaned_data.get("client")
        if client is not None and not client_may_be_picked(self.user, client,
                                                            self.data.get("client_q", "")[:CLIENT_Q_LIMIT]):
            raise forms.ValidationError(  # the rep's own pick, after the finder's text changed: say how to find them
                "You can pick a client of someone else's case only as the finder found them: type their whole "
                "email address or phone number in the finder again, then pick them.", code="invalid_choice")
        return client

    def clean(self):
        data = super().clean()
        if not data.get("client") and not (data.get("client_name") or "").strip() and "client_name" not in self.errors:
            self.add_error("client_name", "Pick an existing client or give the new client's name.")
        return data

    def concern(self):
        keys = ("description", "impact", "impact_deadline", "feeling")
        return {k: self.cleaned_data.get(k) for k in keys}

    def new_client(self):
        d = self.cleaned_data
        return dict(name=d["client_name"], organisation=d["client_organisation"], email=d["client_email"],
                    phone=d["client_phone"], time_zone=d["client_time_zone"] or "UTC",
                    quiet_hours_start=d["client_quiet_start"], quiet_hours_end=d["client_quiet_end"],
                    shares_phone=d["client_shares_phone"])


class ClientDetailsForm(AgreementMixin, CaseForm):
    """The case's client, edited later (a new time zone, "don't call me after 9pm"). Bound to the
    client's current values; the service checks the rules (name, both quiet-hour ends, a real zone)."""

    name = forms.CharField(label="Name", max_length=200, required=False)
    organisation = forms.CharField(label="Business", max_length=200, required=False)
    email = forms.EmailField(label="Email", max_length=limit_of(Client, "email"), required=False)
    phone = forms.CharField(label="Phone", max_length=50, required=False)
    time_zone = forms.ChoiceField(label="Time zone", error_messages={"invalid_choice": ZONE_REFUSED})
    quiet_hours_start = forms.TimeField(label="Quiet hours from", required=False,
                                        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    quiet_hours_end = forms.TimeField(label="to", required=False,
                                      widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                                      help_text="In the client's time zone; leave both empty for none.")

    # The details as the page showed them (services.client_details.details_digest): a change made since by
    # someone else is not undone by this form unseen.
    details_shown = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)

    # The case page shows this form among two dozen others, so until its card is opened the select
    # ships only the "Common" group (the client's zone, the viewer's, UTC): the ~600 other options
    # were a third of the page's bytes. Opening the card loads them (htmx, cases:time_zone_options);
    # without JavaScript, a link reloads the page with ?zones=all (show_all_zones). The field keeps
    # every zone for validation, and a bound (refused) form shows them all.
    zones_deferred = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        client = self.case.client if self.case is not None else None
        # The client's own zone first (a legacy name such as "US/Eastern" stays selectable there).
        likely = client.time_zone if client is not None else ""
        field = self.fields["time_zone"]
        field.choices = time_zone_choices(likely)
        if client is not None and not self.is_bound:
            self.initial.update({name: getattr(client, name) for name in self.fields if hasattr(client, name)})
            self.initial["details_shown"] = details_digest(client)
            field.widget.choices = field.choices[:1]
            field.widget.attrs.update(zone_options_loader(likely))
            self.zones_deferred = True

    def clean(self):
        data = super().clean()
        client = self.case.client if self.case is not None else None
        if client is None or not self.is_bound or data.get("details_shown") == details_digest(client):
            return data
        now = [f"{label} {_said(getattr(client, f))}" for f, label in SHOWN_FIELDS.items()
               if f in data and _said(data[f]) != _said(getattr(client, f))]
        self.add_error(None, "Since this page was opened someone changed the client's details. What you have here "
                             f"differs from what they are now: {'; '.join(now) or 'nothing'}. Check the fields, "
                             "then send again.")
        self.data = self.data.copy()  # drawn again, the form knows it showed the details as they are now
        self.data["details_shown"] = details_digest(client)
        return data

    def show_all_zones(self):
        field = self.fields["time_zone"]
        field.widget.choices = field.choices
        for name in zone_options_loader(""):
            field.widget.attrs.pop(name, None)
        self.zones_deferred = False


def _said(value):
    """A client's detail as the refusal writes it."""
    if value in (None, ""):
        return "(none)"
    return value.strftime("%H:%M") if hasattr(value, "strftime") else str(value)
