"""{% field_row field %} (cases/templatetags/case_page.py) writes, word for word, what
cases/parts/_field.html writes for the same field: every form of the case page, empty and refused (with
the rep's input and the errors), at the step where the case page draws it."""
import pytest
from django import forms
from django.template import Context, Template
from django.template.loader import get_template

from cases.models import Step
from cases.selectors_ui import assignable_users
from cases.templatetags.case_page import field_row
from cases.views.actions import ACTIONS
from tests.cases.helpers import advance_to

FORMS_WITHOUT_A_ROW = [name for name, spec in ACTIONS.items() if not spec.lookup]


def both_ways(form):
    included = get_template("cases/parts/_field.html")
    tag = Template("{% load case_page %}{% field_row field %}")
    for field in form:
        yield field.name, included.render({"field": field, "form": form}), tag.render(Context({"field": field}))


def forms_of(name, case, user):
    spec = ACTIONS[name]
    users = list(assignable_users())
    empty = spec.bind(None, case=case, user=user, users=users)
    data = {f.html_name: "x <b>&\"" for f in empty}
    refused = spec.bind(data, case=case, user=user, users=users)
    refused.is_valid()
    return empty, refused


@pytest.mark.parametrize("name", FORMS_WITHOUT_A_ROW)
def test_the_python_field_row_writes_what_the_field_template_writes(name, case, rep):
    advance_to(case, Step.PLAN, rep)
    case.refresh_from_db()
    compared = 0
    for form in forms_of(name, case, rep):
        for field_name, by_template, by_tag in both_ways(form):
            assert by_tag == by_template, field_name
            compared += 1
    assert compared > 0


class Grouped(forms.Form):
    pick = forms.ChoiceField(help_text="Pick one & go", choices=[
        ("Calm", [("calm", "Calm <ok>")]),
        ("Hot", [("upset", "Upset"), ("irate", "Irate")]),
    ])
    when = forms.DateTimeField(required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    note = forms.CharField(widget=forms.Textarea, max_length=10)
    agreed = forms.BooleanField(required=False)


@pytest.mark.parametrize("data", [None, {"pick": "irate", "note": "x" * 11, "agreed": "on"}, {"pick": "nope"}])
def test_grouped_selects_and_every_other_widget_come_out_the_same_too(data):
    form = Grouped(data)
    if data is not None:
        form.is_valid()
    for field_name, by_template, by_tag in both_ways(form):
        assert by_tag == by_template, field_name


def test_a_field_with_two_errors_names_one_element_by_its_error_id():
    """aria-describedby names one id: a field's errors are one element (found after an accessibility audit: one
    <p> per error repeated the id, so only the first was read out with the field)."""
    class Two(forms.Form):
        summary = forms.CharField()

    form = Two(data={"summary": "x"})
    form.is_valid()
    form.add_error("summary", "Say more than one letter.")
    form.add_error("summary", "Say what the complaint is about.")

    html = str(field_row(form["summary"]))
    assert html.count('id="id_summary_error"') == 1
    assert "Say more than one letter. Say what the complaint is about." in html
