"""The search box (top bar and the search page)."""
from django import forms

from ..search import QUERY_MAX_LENGTH


class SearchForm(forms.Form):
    q = forms.CharField(label="Search all cases", required=False, max_length=QUERY_MAX_LENGTH,
                        error_messages={"max_length": f"Search for at most {QUERY_MAX_LENGTH} characters."})
