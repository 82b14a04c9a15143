"""{% load form_focus %}: a full-page form that comes back with errors says so at its top and puts focus on
the first field in error, without JavaScript (the case page's blocks do the same in views/page.py).

`{% error_summary form "name,other" as summary %}` marks the first field in error `autofocus` (call it
before the fields are drawn) and gives the summary's lines, each {"id", "label", "message"}, in the
order the page draws the fields (the names given; the form's own order for any other), for
cases/parts/_form_errors.html to link to each field."""
from django import template

register = template.Library()


def _target_id(field):
    """The id a link to the field points at: the control itself (a radio group's first button)."""
    return field.id_for_label or (f"{field.auto_id}_0" if field.auto_id else "")


@register.simple_tag
def error_summary(form, page_order=""):
    if form is None or not form.is_bound or not form.errors:
        return []
    order = [name for name in page_order.split(",") if name]
    names = [name for name in order if name in form.fields]
    names += [name for name in form.fields if name not in names]
    lines = []
    for name in names:
        field = form[name]
        if not field.errors or field.is_hidden:
            continue
        if not lines:
            form.fields[name].widget.attrs["autofocus"] = True
        lines.append({"id": _target_id(field), "label": field.label, "message": field.errors[0]})
    return lines
