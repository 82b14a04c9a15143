"""The client's two forms on their status page (shape only; the rules are in cases.services.client_word).
No login: the page is public, the signed link is the key, and Django's CSRF token guards the posts."""
from django import forms

from ..models import ClientAnswerKind
from ..models.client_word import ANSWER_TEXT, SCORES, SURVEY_COMMENT
from ..services.client_word import PAGE_MOVED_ON
from .base import limit_text_fields, trim_refused_text


class _ClientForm(forms.Form):
    field_map = {}  # a service's refusal names these fields by their own names (add_rule_error)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_text_fields(self)

    def full_clean(self):
        super().full_clean()
        if self.is_bound and self.errors:
            trim_refused_text(self)


class ClientAnswerForm(_ClientForm):
    answer = forms.ChoiceField(choices=ClientAnswerKind.choices, error_messages={
        "required": "Choose “It works” or “Not yet”.", "invalid_choice": "Choose “It works” or “Not yet”."})
    text = forms.CharField(label="What still does not work? (needed for “Not yet”)", required=False,
                           max_length=ANSWER_TEXT, widget=forms.Textarea(attrs={"rows": 3}))
    # The delivery attempt the page was drawn for: a post without it is refused as one from an out-of-date
    # page (found by an audit: it was taken for the attempt showing now, whatever page it came from).
    attempt = forms.CharField(max_length=40, widget=forms.HiddenInput, error_messages={"required": PAGE_MOVED_ON})


class ClientSurveyForm(_ClientForm):
    score = forms.TypedChoiceField(
        label="How satisfied are you with how we handled your case?", coerce=int,
        choices=[(s, str(s)) for s in SCORES], widget=forms.RadioSelect,
        error_messages={"required": "Choose a number from 1 (not at all) to 5 (completely).",
                        "invalid_choice": "Choose a number from 1 (not at all) to 5 (completely)."})
    comment = forms.CharField(label="Anything you would like to tell us? (optional)", required=False,
                              max_length=SURVEY_COMMENT, widget=forms.Textarea(attrs={"rows": 3}))
