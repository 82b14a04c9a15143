"""{% load case_page %}: a form field on the case page, written in Python.

`{% field_row field %}` writes what `{% include "cases/parts/_field.html" %}` writes for that field, word
for word (tests/cases/test_case_page_fields.py renders every case-page form both ways and compares).
Django draws a widget through its form templates: a select with a dozen options is some thirty template
renders (the select, each option, each option's attrs), a label two more; on the case page that was a
third of the rendering time. Radio buttons and labels are written here, and the other widgets by
case_rows.widget_html (as the list filters are), from the widget's own context (`widget.get_context`, the
same dict Django's templates read); any other widget (a project widget with its own template) and the
field row around it go through the template as before."""
from django import template
from django.forms.renderers import DjangoTemplates
from django.template.loader import get_template
from django.utils.html import format_html

from .case_rows import _e, _input_html, _safe, attrs_html, widget_html

register = template.Library()

_LABEL = "django/forms/label.html"
_RADIO_OPTION = "django/forms/widgets/radio_option.html"
_MOOD_FIELDS = ("temperature",)  # with every field whose name holds "mood": the choices are mood chips


def radios_html(field):
    """The radio buttons of _field.html: a fieldset with the label as its legend, each choice a label
    around its input (a mood chip for a mood field); None when a choice has a template not written here."""
    chip = "mood" in field.name or field.name in _MOOD_FIELDS
    choices = []
    for radio in field.subwidgets:
        if radio.data["template_name"] != _RADIO_OPTION or not isinstance(radio.renderer, DjangoTemplates):
            return None
        css = f" chip mood mood--{_e(radio.data['value'])}" if chip else ""
        choices.append(f'<label class="choice{css}">{_input_html(radio.data)} {_e(radio.choice_label)}</label>')
    # Django ties the help text and the error to a widget by aria-describedby, but not for a group drawn
    # in a fieldset (BoundField.use_fieldset): the fieldset gets it, so the error is read on entering the group.
    described = field.aria_describedby
    group = f' aria-describedby="{_e(described)}"' if described else ""
    return f'<fieldset class="choices"{group}><legend>{_e(field.label)}</legend>{"".join(choices)}</fieldset>\n  '


def label_html(field):
    """`{{ field.label_tag }}` (BoundField.label_tag with no arguments), written here."""
    form = field.form
    if form.template_name_label != _LABEL or not isinstance(form.renderer, DjangoTemplates):
        return field.label_tag()
    contents = _e(field.label)
    suffix = field.field.label_suffix if field.field.label_suffix is not None else form.label_suffix
    if suffix and field.label and field.label[-1] not in ":?.!":
        contents = f"{contents}{_e(suffix)}"
    widget = field.field.widget
    id_ = widget.attrs.get("id") or field.auto_id
    if not id_:
        return contents
    attrs = {}
    id_for_label = widget.id_for_label(id_)
    if id_for_label:
        attrs["for"] = id_for_label
    if field.field.required and hasattr(form, "required_css_class"):
        attrs["class"] = form.required_css_class
    return f"<label{attrs_html(attrs)}>{contents}</label>"


@register.simple_tag
def field_row(field):
    """cases/parts/_field.html for `field` (its form is field.form). Written with f-strings over `_e`
    (format_html's lazy-string checks cost more than the escaping: cases/templatetags/case_rows.py)."""
    kind = field.field.widget.__class__.__name__.lower()
    # In _field.html every branch of the first {% if %} but the last ends with a line break and indent.
    if kind == "radioselect":
        main = radios_html(field)
        if main is None:
            return get_template("cases/parts/_field.html").render({"field": field, "form": field.form})
    elif field.is_hidden:
        main = f"{widget_html(field)}\n  "
    elif kind == "checkboxinput":
        main = f'<label class="check">{widget_html(field)} {_e(field.label)}</label>\n  '
    else:
        main = f"{label_html(field)} {widget_html(field)}"
    auto_id = _e(field.auto_id)
    coach = (f'<div id="{auto_id}-coach" class="coach-slot" aria-live="polite"></div>'
             if getattr(field.form, "coach_context", None) and field.name == "text" else "")
    help_text = f'<small class="help" id="{auto_id}_helptext">{_e(field.help_text)}</small>' if field.help_text else ""
    # One element for all of a field's errors: the id aria-describedby names is on one element only.
    errors = f'<p class="error" id="{auto_id}_error">{_e(" ".join(field.errors))}</p>' if field.errors else ""
    css = f'{" has-error" if field.errors else ""}{" is-hidden" if field.is_hidden else ""}'
    body = f"{main}\n  {coach}\n  {help_text}\n  {errors}"
    return _safe(f'\n<div class="field field--{_e(kind)}{css}">\n  {body}\n</div>\n')


@register.simple_tag
def once_field():
    """The form's one-time token (cases/once.py): the same form sent twice is saved once."""
    from ..once import FIELD, new_token

    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_token())


@register.simple_tag
def item_shown_field(item):
    """The hidden mark of an item as a hand-written button's page shows it (services.marks.item_mark): the
    "Mark done" button of the items block, checked as the item forms check theirs."""
    from ..services.marks import item_mark

    return format_html('<input type="hidden" name="item_shown" value="{}">', item_mark(item))
