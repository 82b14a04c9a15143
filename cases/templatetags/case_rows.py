"""{% load case_rows %}: what each row of a long list shows (My cases, search, all cases, the escalation
queue), rendered in Python rather than through an included template per row.

A list of 50 rows used to render the compact stepper, the mood chip and the countdown through an
inclusion tag each: a new context and some sixty template nodes per row, most of the page's time. Here
the stepper and the chip, which depend only on the step (and the closed-from step) or the mood, are
rendered once per process from the same templates the case page uses (cases/parts/_stepper.html,
_mood.html) and reused; the countdown is built with format_html, word for word what
cases/parts/_countdown.html writes (tests/cases/test_case_rows.py checks both agree). A link to a case
reverses its URL pattern once per process, and a filter form's selects, checkboxes and inputs are written
from the widget's own context (what Django's widget templates would print, without the ~dozen template
includes per select)."""
from django import template
from django.forms import widgets as forms
from django.conf import settings
from django.template.loader import get_template
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from .case_ui import client_time, mood_chip, relative, stepper, when

register = template.Library()

_STEPPERS = {}
_MOODS = {}
_URLS = {}
_SLOT = "0case0reference0"


def _once(cache, key, build):
    """`build()` the first time `key` is asked for, the kept string afterwards (while DEBUG is on, every
    time: a template edited under `make run` shows at once)."""
    if settings.DEBUG:
        return build()
    if key not in cache:
        cache[key] = build()
    return cache[key]


@register.simple_tag
def step_track(case):
    """The compact stepper of a case, as `{% stepper case.step compact=True closed_from=... %}` draws it."""
    closed_from = case.closed_from_step or ""
    return _once(_STEPPERS, (case.step, closed_from), lambda: get_template("cases/parts/_stepper.html").render(
        stepper(case.step, compact=True, closed_from=closed_from)))  # a SafeString


@register.simple_tag
def mood(value):
    """The client's temperature as a chip, as `{% mood_chip value %}` draws it."""
    return _once(_MOODS, value or "", lambda: get_template("cases/parts/_mood.html").render(mood_chip(value)))


@register.simple_tag
def due(due_at, client=None, now=None):
    """A due time in the viewer's zone with the time left, red when overdue, and the client's clock when
    it differs: the markup of cases/parts/_countdown.html (static/js/app.js keeps data-due current)."""
    if due_at is None:
        return ""
    delta = (due_at - (now or timezone.now())).total_seconds()
    iso = due_at.isoformat()
    theirs = client_time(due_at, client)
    return format_html(
        '<span class="countdown{}" data-due="{}"><time datetime="{}">{}</time> '
        '<span class="countdown__rel">({})</span>{}</span>',
        " is-overdue" if delta < 0 else "", iso, iso, when(due_at), relative(delta),
        format_html(' <span class="countdown__client muted">· {}</span>', theirs) if theirs else "",
    )


@register.simple_tag
def case_url(name, reference):
    """`{% url name reference %}` for a URL whose only argument is a case reference, reversed once."""
    head, tail = _once(_URLS, (name, get_script_prefix()), lambda: reverse(name, args=[_SLOT]).split(_SLOT))
    return f"{head}{reference}{tail}"


# --- filter forms ---------------------------------------------------------------------------------
def _attrs(attrs):
    """django/forms/widgets/attrs.html."""
    return format_html_join("", "{}", (
        (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
        for name, value in attrs.items() if value is not False and value is not None
    ))


@register.simple_tag
def control(field):
    """`{{ field }}` for a select, a checkbox or a one-line input, written here from the widget's context;
    any other widget, or a field with errors, is rendered by Django as usual."""
    widget = field.field.widget
    if field.errors or not isinstance(widget, (forms.Select, forms.Input)) or isinstance(
            widget, (forms.SelectMultiple, forms.RadioSelect, forms.FileInput)):
        return field.as_widget()
    attrs = field.build_widget_attrs({}, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs["id"] = field.auto_id
    w = widget.get_context(field.html_name, field.value(), attrs)["widget"]
    if isinstance(widget, forms.Select):
        if any(group_name for group_name, _group, _index in w["optgroups"]):
            return field.as_widget()
        options = format_html_join("", '\n  <option value="{}"{}>{}</option>', (
            (option["value"], _attrs(option["attrs"]), option["label"])
            for _name, group, _index in w["optgroups"] for option in group
        ))
        return format_html('<select name="{}"{}>{}\n</select>', w["name"], _attrs(w["attrs"]), options)
    value = format_html(' value="{}"', w["value"]) if w["value"] is not None else ""
    return format_html('<input type="{}" name="{}"{}{}>', w["type"], w["name"], value, _attrs(w["attrs"]))
