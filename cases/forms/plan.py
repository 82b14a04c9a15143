"""The forms of steps 5 and 6: action items (and their hand-back), cadence, estimate, status updates, renegotiation."""
from django import forms

from ..models import (
    ActionItem, Channel, ItemKind, Mood, Promise, StatusUpdate,
)
from ..services.items import assignee_changed_since, handback_mark
from ..services.marks import item_changed_since, item_mark, item_shown_part
from ..services.plan import cadence_changed_since, cadence_mark, eta_changed_since, eta_mark
from ..text import limit_of
from .base import AgreementMixin, CaseForm, ShownMixin, UserField, _as_drawn, datetime_field, text_area


# --- Step 5: plan ---------------------------------------------------------------------------------
ITEM_MARK_LENGTH = limit_of(ActionItem, "description") + 40  # marks.item_mark: kind, due time, words


def _item_shown_field():
    """The item as the form was drawn for it (marks.item_mark); a post without it is not checked."""
    return forms.CharField(widget=forms.HiddenInput, required=False, empty_value=None, strip=False,
                           max_length=ITEM_MARK_LENGTH)


class ItemShownMixin(ShownMixin):
    """Done, Cancel: refused at the top when the item changed since the form was drawn."""

    shown_name, shown_length = "item_shown", ITEM_MARK_LENGTH
    mark, changed_since = staticmethod(item_mark), staticmethod(item_changed_since)


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
        if self.obj is not None:  # bound too: an untouched due time keeps this instant (base.CaseForm._read_times)
            self.initial.update(description=self.obj.description, kind=self.obj.kind,
                                assignee=self.obj.assignee_id, due_at=self.obj.due_at)
        elif self.user is not None:
            self.initial.setdefault("assignee", self.user.pk)


class ActionItemEditForm(AgreementMixin, ActionItemForm):
    agreement_label = "If this changes a promised item (its due time, or what will be done): how the client agreed"
    assignee_shown = forms.IntegerField(widget=forms.HiddenInput, required=False)  # items.assignee_changed_since
    item_shown = _item_shown_field()  # marks.item_changed_since

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.obj is not None:
            self.initial.setdefault("assignee_shown", self.obj.assignee_id or 0)
            self.initial.setdefault("item_shown", item_mark(self.obj))

    def clean(self):
        data = super().clean()
        if self.obj is not None and self.is_bound:
            stale = assignee_changed_since(self.obj, data.get("assignee_shown"), data.get("assignee"))
            if stale:
                self.add_error("assignee", stale)
            self.data = self.data.copy()  # drawn again, the form names who holds the item now
            self.data["assignee_shown"] = str(self.obj.assignee_id or 0)
            shown = data.get("item_shown")
            for part in ("description", "kind", "due_at"):
                stale = item_changed_since(self.obj, shown, part, data.get(part))
                if stale:
                    self.add_error(part, stale)
                    self._draw_as_now(part, shown)
            self.data["item_shown"] = item_mark(self.obj)
        return data

    def _draw_as_now(self, part, shown):
        """A part left as the old page showed it is drawn again as the item has it now; one typed stays."""
        field = self.fields[part]
        drawn = (lambda v: _as_drawn(field, v) if v else "") if part == "due_at" else (lambda v: v or "")
        sent = (self.data.get(part) or "").replace("\r\n", "\n").strip()
        if sent == drawn(item_shown_part(shown, part)).strip():
            self.data[part] = drawn(getattr(self.obj, part))


class ItemHandBackForm(CaseForm):
    note = forms.CharField(label="Why you cannot do it", widget=text_area(2),
                           max_length=limit_of(ActionItem, "handback_note"))


class ItemHandBackAnswerForm(CaseForm):
    accept = forms.TypedChoiceField(label="Your answer", coerce=lambda v: v == "accept", widget=forms.RadioSelect,
                                    choices=[("accept", "Take it back (then reassign or cancel it)"),
                                             ("decline", "Decline: they keep it")])
    note = forms.CharField(label="Note (optional)", max_length=300, required=False)
    handback_shown = forms.IntegerField(widget=forms.HiddenInput, required=False)  # items.handback_changed_since

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.obj is not None:
            self.initial.setdefault("handback_shown", handback_mark(self.obj))

    def clean(self):
        data = super().clean()
        if self.obj is not None and self.is_bound:  # the service refuses a stale answer (items.handback_changed_since)
            self.data = self.data.copy()  # drawn again, the form answers the hand-back waiting now
            self.data["handback_shown"] = str(handback_mark(self.obj))
        return data


class ItemDoneForm(ItemShownMixin, CaseForm):
    note = forms.CharField(label="Note (optional)", max_length=300, required=False)  # the button: blocks/_items.html


class ItemCancelForm(ItemShownMixin, AgreementMixin, CaseForm):
    agreement_label = "If the client was given its due time: how they agreed to drop it"

    reason = forms.CharField(label="Why it is no longer needed", max_length=limit_of(ActionItem, "cancel_reason"))


class CadenceForm(ShownMixin, AgreementMixin, CaseForm):
    UNITS = {"minutes": 1, "hours": 60, "days": 1440}
    field_map = {"minutes": "every"}
    shown_name, shown_beside = "cadence_shown", "every"
    mark, changed_since = staticmethod(cadence_mark), staticmethod(cadence_changed_since)

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

    def shown_record(self):
        return self.case

    def minutes(self):
        return self.cleaned_data["every"] * self.UNITS[self.cleaned_data["unit"]]


class EtaForm(ShownMixin, AgreementMixin, CaseForm):
    future_fields = ("eta_latest",)
    client_zone_fields = ("eta_earliest", "eta_latest")
    # An end the old page showed, moved since, would otherwise be read as a new time.
    shown_name, shown_beside = "eta_shown", "eta_latest"
    mark, changed_since = staticmethod(eta_mark), staticmethod(eta_changed_since)

    eta_earliest = datetime_field("Fixed at the earliest by")
    eta_latest = datetime_field("and at the latest by")
    note = forms.CharField(label="Note (optional)", max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.case is not None:  # bound too: an untouched end keeps this instant (base.CaseForm._read_times)
            self.initial.update(eta_earliest=self.case.eta_earliest, eta_latest=self.case.eta_latest)

    def shown_record(self):
        return self.case


# --- Step 6: manage anxiety -----------------------------------------------------------------------
class StatusUpdateForm(CaseForm):
    coach_context = "status_update"
    field_map = {"summary": "text"}
    past_fields = ("given_at",)

    text = forms.CharField(label="What you told the client: the outcome so far, with a time or range",
                           max_length=limit_of(StatusUpdate, "summary"), widget=text_area(3))
    client_line = forms.CharField(
        label="What the client will read", required=False, max_length=limit_of(StatusUpdate, "client_line"),
        help_text="Optional, one line on the client's status page with this update. Only this line is shown "
                  "to the client, never the text above.")
    channel = forms.ChoiceField(label="How", choices=Channel.choices)
    client_mood = forms.ChoiceField(label="How the client feels now", choices=Mood.choices, widget=forms.RadioSelect)
    given_at = datetime_field("Given at (leave empty for now)", required=False)
    # Issue 11: the update goes to the client as an email (cases.services.client_messages), checked
    # when the agreed channel is email.
    send_email = forms.BooleanField(
        label="Send to the client by email", required=False,
        help_text="The text above goes to the client as written, from the team's address; their reply comes back "
                  "to this case.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.case is not None:
            self.initial.setdefault("channel", self.case.cadence_channel or Channel.PHONE)
            self.initial.setdefault("send_email", self.case.cadence_channel == Channel.EMAIL
                                    and bool(self.case.client.email))

    def clean(self):
        data = super().clean()
        if data.get("send_email") and data.get("given_at"):
            self.add_error("given_at", "An email goes now: leave this empty to send it.")
        return data


class RenegotiateForm(CaseForm):
    future_fields = ("new_due_at",)
    client_zone_fields = ("new_due_at",)

    new_due_at = datetime_field("New deadline")
    agreed_channel = forms.ChoiceField(label="How the client agreed", choices=Channel.choices)
    agreed_text = forms.CharField(label="What the client said when agreeing", widget=text_area(2),
                                  max_length=limit_of(Promise, "agreed_text"))
