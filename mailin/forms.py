from django import forms

from cases.models import Mood


class MailReadForm(forms.Form):
    client_mood = forms.ChoiceField(label="How does the client sound?", choices=Mood.choices,
                                    widget=forms.RadioSelect,
                                    error_messages={"required": "Say how the client sounds in their email.",
                                                    "invalid_choice": "Choose one of the moods listed."})
