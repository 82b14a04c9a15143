"""{% load case_page %}: a form field on the case page, written in Python.

`{% field_row field %}` writes what `{% include "cases/parts/_field.html" %}` writes for that field, word
for word (tests/cases/test_case_page_fields.py renders every case-page form both ways and compares).
Django draws a widget through its form templates: a select with a dozen options is some thirty template
renders (the select, each option, each option's attrs), a label two more; on the case page that was a
third of the rendering time. Inputs, checkboxes, selects, radio buttons, textareas and labels are written
here from the widget's own context (`widget.get_context`, the same dict Django's templates read); any
other widget (a project widget with its own template) and the field row around it go through the
template as before."""
from django import template
from django.forms.renderers import DjangoTemplates
from django.template.loader import get_template
from django.utils.html import conditional_escape, format_html, format_html_join

register = template.Library()

_INPUT_TEMPLATES = frozenset(f"django/forms/widgets/{name}.html" for name in (
    "input", "text", "number", "email", "url", "password", "hidden", "date", "datetime", "time", "checkbox",
    "search", "tel", "color",
))
_SELECT = "django/forms/widgets/select.html"
_OPTION = "django/forms/widgets/select_option.html"
_TEXTAREA = "django/forms/widgets/textarea.html"
_LABEL = "django/forms/label.html"
_RADIO_OPTION = "django/forms/widgets/radio_option.html"
_MOOD_FIELDS = ("temperature",)  # with every field whose name holds "mood": the choices are mood chips


def attrs_html(attrs):
    """django/forms/widgets/attrs.html (and django/forms/attrs.html): False leaves the attribute out,
    True writes its bare name, anything else name="str(value)"."""
    return format_html_join("", "{}", (
        (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, str(value)),)
        for name, value in attrs.items() if value is not False
    ))


def _input_html(w):
    """django/forms/widgets/input.html for the widget context `w`."""
    value = format_html(' value="{}"', str(w["value"])) if w["value"] is not None else ""
    return format_html('<input type="{}" name="{}"{}{}>', w["type"], w["name"], value, attrs_html(w["attrs"]))


def radios_html(field):
    """The radio buttons of _field.html: a fieldset with the label as its legend, each choice a label
    around its input (a mood chip for a mood field); None when a choice has a template not written here."""
    chip = "mood" in field.name or field.name in _MOOD_FIELDS
    choices = []
    for radio in field.subwidgets:
        if radio.data["template_name"] != _RADIO_OPTION or not isinstance(radio.renderer, DjangoTemplates):
            return None
        css = format_html(" chip mood mood--{}", radio.data["value"]) if chip else ""
        choices.append((css, _input_html(radio.data), radio.choice_label))
    return format_html('<fieldset class="choices"><legend>{}</legend>{}</fieldset>\n  ', field.label,
                       format_html_join("", '<label class="choice{}">{} {}</label>', choices))


def _widget_html(widget, w):
    """The widget's markup from its context `w`, or None when its template is not one written here."""
    name = widget.template_name
    if name in _INPUT_TEMPLATES:
        return _input_html(w)
    if name == _TEXTAREA:
        return format_html('<textarea name="{}"{}>\n{}</textarea>', w["name"], attrs_html(w["attrs"]),
                           w["value"] if w["value"] else "")
    if name == _SELECT:
        parts = []
        for group_name, group, _index in w["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            for option in group:
                if option["template_name"] != _OPTION:
                    return None
                parts.append(format_html('\n  <option value="{}"{}>{}</option>', str(option["value"]),
                                         attrs_html(option["attrs"]), option["label"]))
                parts.append("\n")  # select_option.html ends with a line break
            if group_name:
                parts.append(format_html("\n  </{}>", "optgroup"))
        return format_html('<select name="{}"{}>{}\n</select>', w["name"], attrs_html(w["attrs"]),
                           format_html_join("", "{}", ((part,) for part in parts)))
    return None


def widget_html(field):
    """`{{ field }}` (BoundField.as_widget), with the widget's markup written here when it can be."""
    widget = field.field.widget
    if not isinstance(field.form.renderer, DjangoTemplates) or field.field.show_hidden_initial:
        return str(field)
    if field.field.localize:
        widget.is_localized = True
    attrs = field.build_widget_attrs({}, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    context = widget.get_context(field.html_name, field.value(), attrs)
    html = _widget_html(widget, context["widget"])
    return html if html is not None else str(field)


def label_html(field):
    """`{{ field.label_tag }}` (BoundField.label_tag with no arguments), written here."""
    form = field.form
    if form.template_name_label != _LABEL or not isinstance(form.renderer, DjangoTemplates):
        return field.label_tag()
    contents = field.label
    suffix = field.field.label_suffix if field.field.label_suffix is not None else form.label_suffix
    if suffix and contents and contents[-1] not in ":?.!":
        contents = format_html("{}{}", contents, suffix)
    widget = field.field.widget
    id_ = widget.attrs.get("id") or field.auto_id
    if not id_:
        return conditional_escape(contents)
    attrs = {}
    id_for_label = widget.id_for_label(id_)
    if id_for_label:
        attrs["for"] = id_for_label
    if field.field.required and hasattr(form, "required_css_class"):
        attrs["class"] = form.required_css_class
    return format_html("<label{}>{}</label>", attrs_html(attrs), contents)


@register.simple_tag
def field_row(field):
    """cases/parts/_field.html for `field` (its form is field.form)."""
    kind = field.field.widget.__class__.__name__.lower()
    # In _field.html every branch of the first {% if %} but the last ends with a line break and indent.
    if kind == "radioselect":
        main = radios_html(field)
        if main is None:
            return get_template("cases/parts/_field.html").render({"field": field, "form": field.form})
    elif field.is_hidden:
        main = format_html("{}\n  ", widget_html(field))
    elif kind == "checkboxinput":
        main = format_html('<label class="check">{} {}</label>\n  ', widget_html(field), field.label)
    else:
        main = format_html("{} {}", label_html(field), widget_html(field))
    auto_id = field.auto_id
    coach = (format_html('<div id="{}-coach" class="coach-slot" aria-live="polite"></div>', auto_id)
             if getattr(field.form, "coach_context", None) and field.name == "text" else "")
    help_text = (format_html('<small class="help" id="{}_helptext">{}</small>', auto_id, field.help_text)
                 if field.help_text else "")
    errors = format_html_join("", '<p class="error" id="{}_error">{}</p>', ((auto_id, e) for e in field.errors))
    return format_html('\n<div class="field field--{}{}{}">\n  {}\n  {}\n  {}\n  {}\n</div>\n',
                       kind, " has-error" if field.errors else "", " is-hidden" if field.is_hidden else "",
                       main, coach, help_text, errors)


@register.simple_tag
def once_field():
    """The form's one-time token (cases/once.py): the same form sent twice is saved once."""
    from ..once import FIELD, new_token

    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_token())
