"""What every case form shares: the widgets, the teammate picker, the date horizon, the mapping of a
service's refusal onto a field, and `CaseForm` itself."""
import datetime as dt
import json
import zoneinfo
from functools import lru_cache
from urllib.parse import urlencode

from django import forms
from django.urls import reverse
from django.utils import timezone

from ..bounds import check_within_horizon
from ..errors import CaseRuleError
from ..models import Channel, Promise
from ..text import limit_of
from ..selectors_ui import assignable_list

MINE, CLIENTS = "mine", "client"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def _as_drawn(field, instant):
    """The text a datetime field shows for `instant`: on the viewer's clock, in the widget's format."""
    return field.widget.format_value(field.prepare_value(instant))


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


# The IANA regions of real places. Left out: "localtime", "Factory", "posixrules", the "Etc/GMT+5"
# offsets, abbreviations ("EST", "CET") and the old country aliases ("US/Eastern", "GB", "Japan").
ZONE_REGIONS = ("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe",
                "Indian", "Pacific")
UTC = "UTC"
ODD_ZONES = ("localtime", "Factory", "posixrules")


def _place(name):
    """'America/Argentina/Buenos_Aires' -> 'Buenos Aires (Argentina)': the city first, so typing its
    first letters in the closed select (the browser's type-ahead) finds it."""
    parts = name.replace("_", " ").split("/")[1:]
    return parts[-1] + (f" ({', '.join(parts[:-1])})" if len(parts) > 1 else "")


def _of_a_place(name):
    """A zone the picker lists: a real place in one of ZONE_REGIONS ("Europe/London")."""
    return "/" in name and name.split("/", 1)[0] in ZONE_REGIONS


@lru_cache(maxsize=1)
def zones_by_region():
    """[(region, [(zone, label), ...]), ...], regions and places in alphabetical order."""
    groups = {}
    for name in zoneinfo.available_timezones():
        if _of_a_place(name):
            groups.setdefault(name.split("/", 1)[0], []).append((name, _place(name)))
    return tuple((region, tuple(sorted(groups[region], key=lambda c: c[1]))) for region in sorted(groups))


def is_known_zone(name):
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        return False
    return True


ZONE_REFUSED = "Choose a time zone from the list, such as Europe/London."


def is_offered_zone(name):
    """Whether the picker offers `name`: UTC, or a real place's zone (not an alias, offset or "localtime")."""
    return name == UTC or (_of_a_place(name) and is_known_zone(name))


def time_zone_choices(*likely):
    """The time-zone picker's grouped choices: a short "Common" group first (the `likely` zones, then the
    viewer's own, then UTC), then one group per region. A select with groups stays a native, accessible
    control and its type-ahead finds a city. A likely zone outside the regions (a client's legacy
    "US/Eastern") still appears in "Common", so an existing value stays selectable."""
    mine = timezone.get_current_timezone_name()
    common = []
    for name in (*likely, mine, UTC):
        if name and name not in common and name not in ODD_ZONES and is_known_zone(name):
            common.append(name)
    labelled = [(n, n.replace("_", " ") + (" (your time zone)" if n == mine and n != UTC else "")) for n in common]
    return [("Common", labelled), *zones_by_region()]


def zone_options_loader(selected):
    """htmx attributes that fill a time-zone <select> with every group (cases:time_zone_options) the
    first time the <details> around it opens, keeping `selected` selected."""
    return {"hx-get": f"{reverse('cases:time_zone_options')}?{urlencode({'selected': selected})}",
            "hx-trigger": "toggle once from:closest details", "hx-target": "this", "hx-swap": "innerHTML"}


def limit_text_fields(form):
    """Every text field has a limit (from its model field; Django renders it as `maxlength`), and an
    over-long text is refused in plain words. A line break counts once, as the browser's `maxlength`
    counts it: a browser sends each as CR LF, so a many-line text the page let through arrived longer than
    the limit and was refused and cut (found by a review). The text is read with LF breaks, as the services'
    normalise() would store it, before the limit is checked."""
    for fld in form.fields.values():
        if isinstance(fld, forms.CharField) and fld.max_length:
            fld.error_messages["max_length"] = (f"Keep it under {fld.max_length:,} characters. The text is cut at "
                                                "the limit: check its end before saving again.")
            fld.to_python = _with_lf_breaks(fld.to_python)


def _lf(value):
    """Line breaks as the browser's maxlength counts them and the services store them: one character."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def _with_lf_breaks(to_python):
    def read(value):
        return to_python(_lf(value))
    return read


def trim_refused_text(form):
    """A refused over-long text comes back cut to its limit: a 1 MB post must not make a 1 MB page."""
    cut = {}
    for name, fld in form.fields.items():
        key, limit = form.add_prefix(name), getattr(fld, "max_length", None)
        value = form.data.get(key) if limit and name in form.errors else None
        if isinstance(value, str) and len(_lf(value)) > limit:
            cut[key] = _lf(value)[:limit]
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
    record a per-row form edits. `users`: the teammates for its pickers (a list, or a function giving it,
    called only if the form has a picker; default: fetched here). `field_map` maps a service's error field
    to this form's field."""

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
            users = assignable_list() if users is None else users() if callable(users) else users
            for fld in pickers:
                fld.set_users(self.pick_from(users))
        if self.client_zone_fields and case is not None:
            self._add_zone_choice()
        if self.is_bound:
            self._read_times()
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
            label="Times typed in", initial=MINE, required=False,
            widget=forms.HiddenInput if same else forms.RadioSelect,
            help_text="" if same else "A time left as shown stays as it is: only the times you change are read "
                                      "in the zone chosen here.",
            choices=[(MINE, f"my time ({mine})"), (CLIENTS, f"{self.case.client.name}'s time ({theirs})")],
        )
        # The client's zone the choice named: times typed "in the client's time" are not read in a zone changed
        # since (found by an audit: 15:00 typed as London's was read as New York's, five hours off).
        self.fields["client_zone_shown"] = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput,
                                                           initial=theirs)

    def _read_times(self):
        """How each posted time is read. One left as the form drew it keeps the instant the record holds
        (`initial`), whatever "Times typed in" says: "as drawn" is the text that instant shows on the
        viewer's clock, worked out here from the record, never taken from the post. So a time nobody touched
        is never moved: not re-read on the client's clock (hours off), nor refused as ambiguous when it falls
        in the hour a fall-back repeats (found by a review). Only a time the person changed is read as typed."""
        theirs = "entry_zone" in self.fields and self.data.get("entry_zone") == CLIENTS
        zone = self.case.client.tz if theirs else None
        shown = self.data.get("client_zone_shown") if theirs else None
        self.zone_changed = bool(shown) and shown != self.case.client.time_zone
        for name, field in self.fields.items():  # this form's own copies of the fields
            if isinstance(field, forms.DateTimeField):
                field.clean = self._time_reader(name, field, zone if name in self.client_zone_fields else None)

    def _time_reader(self, name, field, zone):
        """`field.clean`, keeping the stored instant of an untouched time. A changed time typed "in the
        client's time" (`zone`) is read on the client's clock by Django's own parsing: one that does not
        exist there (a DST gap) or is ambiguous (the hour repeated) is refused beside its field, naming the
        client's zone; one that exists only there is taken."""
        read = field.clean

        def clean(value):
            stored = self.initial.get(name)  # read when cleaning: a subclass fills `initial` after this runs
            if isinstance(stored, dt.datetime) and isinstance(value, str) and value.strip() == _as_drawn(field, stored):
                return stored
            if zone is None:
                return read(value)
            with timezone.override(zone):
                return read(value)
        return clean

    def clean(self):
        data = super().clean()
        if getattr(self, "zone_changed", False):
            client = self.case.client
            self.add_error("entry_zone", f"Since this page was opened {client.name}'s time zone changed to "
                                         f"{client.time_zone}: check the times you typed, then send again.")
            self.data = self.data.copy()
            self.data["client_zone_shown"] = client.time_zone  # drawn again, naming the zone as it is now
        self._check_horizon(data)
        now = timezone.now()
        for name in self.future_fields:
            value = data.get(name)
            if value and value <= now and value != self.initial.get(name):
                self.add_error(name, "Choose a time in the future.")
        for name in self.past_fields:
            if data.get(name) and data[name] > now:
                self.add_error(name, "That time is in the future.")
        return data


def agreement_fields(label="If this moves a promised time: how the client agreed"):
    """The client's agreement to a new deadline (cases.services.agreements.agreement_from checks it)."""
    return {
        "agreed_channel": forms.ChoiceField(label=label, required=False,
                                            choices=[("", "—")] + list(Channel.choices)),
        "agreed_text": forms.CharField(label="What the client said", required=False, widget=text_area(2),
                                       max_length=limit_of(Promise, "agreed_text")),
    }


class ShownMixin:
    """A form carrying a mark of the record as its page showed it (a hidden `shown_name`, present when there is
    a record: `shown_record`), refused once the record has changed (`changed_since`: the refusal, beside
    `shown_beside` or at the form's top) and drawn again marked for the record as it is now, what was typed
    kept. The mark and the refusal are the service module's (`mark`, `changed_since`, set as staticmethods),
    which checks them again under the row lock; a post without the mark is not checked."""

    shown_name = ""
    shown_beside = None
    shown_length = 40

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        record = self.shown_record()
        if record is not None:
            self.fields[self.shown_name] = forms.CharField(widget=forms.HiddenInput, required=False, strip=False,
                                                           empty_value=None, max_length=self.shown_length)
            self.initial.setdefault(self.shown_name, self.mark(record))

    def shown_record(self):
        return self.obj

    def clean(self):
        data = super().clean()
        record = self.shown_record()
        if record is not None and self.is_bound:
            stale = self.changed_since(record, data.get(self.shown_name))
            if stale:
                self.add_error(self.shown_beside, stale)
            self.data = self.data.copy()  # drawn again, marked for the record as it is now
            self.data[self.shown_name] = self.mark(record)
        return data


class AgreementMixin:
    agreement_label = "If this moves a promised time: how the client agreed"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, fld in agreement_fields(self.agreement_label).items():
            self.fields[name] = fld

    def agreement(self):
        return {"agreed_channel": self.cleaned_data.get("agreed_channel") or "",
                "agreed_text": self.cleaned_data.get("agreed_text") or ""}
