from django import forms

from .coach import CoachContext


class CoachForm(forms.Form):
    text = forms.CharField(required=False, max_length=10_000, strip=False)
    context = forms.ChoiceField(choices=[(c.value, c.value) for c in CoachContext])
