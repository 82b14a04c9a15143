"""The "Message the client" form: what kind of message, the text the client reads, and for a status
update how the client feels now. Shape only; cases.services.client_messages decides what may be sent."""
from django import forms

from ..models import ClientMessageKind, Mood, Step
from ..models.client_messages import MESSAGE_TEXT
from .base import CaseForm, text_area

# The kind the form offers first in each step (when the step allows it).
FIRST_KIND = {
    Step.ACKNOWLEDGE: ClientMessageKind.ACKNOWLEDGEMENT, Step.RECOMMIT: ClientMessageKind.ACKNOWLEDGEMENT,
    Step.GATHER: ClientMessageKind.ACKNOWLEDGEMENT, Step.PLAN: ClientMessageKind.PLAN,
    Step.MANAGE_ANXIETY: ClientMessageKind.UPDATE, Step.DELIVER: ClientMessageKind.DELIVERY,
    Step.RESOLVED: ClientMessageKind.FOLLOW_UP,
}


class ClientMessageForm(CaseForm):
    coach_context = "status_update"

    kind = forms.ChoiceField(label="What it is", choices=ClientMessageKind.choices)
    text = forms.CharField(label="Your message", max_length=MESSAGE_TEXT, widget=text_area(6),
                           help_text="The client reads exactly this, with their status link and how to reply.")
    client_mood = forms.ChoiceField(label="For a status update: how the client feels now", required=False,
                                    choices=[("", "—")] + list(Mood.choices))
    send_anyway = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        if kinds is not None:
            self.fields["kind"].choices = [(k.value, k.label) for k in kinds]
        case = self.case
        if case is not None:
            self.fields["text"].label = f"Your message to {case.client.name}"
            first = FIRST_KIND.get(Step(case.step))
            if first is not None and (kinds is None or first in kinds):
                self.initial.setdefault("kind", first.value)
            self.initial.setdefault("client_mood", case.temperature)

    def clean(self):
        data = super().clean()
        if data.get("kind") == ClientMessageKind.UPDATE and not data.get("client_mood"):
            self.add_error("client_mood", "Record how the client feels now: a status update notes their mood.")
        return data
