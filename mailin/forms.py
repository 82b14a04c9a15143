from django import forms

from cases.models import Mood


class MailReadForm(forms.Form):
    client_mood = forms.ChoiceField(label="How does the client sound?", choices=Mood.choices,
                                    widget=forms.RadioSelect,
                                    error_messages={"required": "Say how the client sounds in their email.",
                                                    "invalid_choice": "Choose one of the moods listed."})
    # The newest email the page showed (its pk; 0 for none), drawn by the template from the emails it lists,
    # never from what was posted: services.client_mail_read refuses when a later one came in since.
    newest_shown = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)

    def clean(self):
        """A post without the page's newest email (a forged one, or a form from elsewhere) answers for no page
        the reader read: refused, rather than read as "no page was drawn" (found by an audit: a furious email
        that came in after the page was drawn was marked read, calm, by leaving the field out)."""
        data = super().clean()
        if data.get("newest_shown") is None:
            raise forms.ValidationError("This form does not say which emails you read: read the client's emails "
                                        "below, then say how they sound.")
        return data
