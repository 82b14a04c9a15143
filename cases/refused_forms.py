"""A refused form whose page comes back without it (a stale or forged post: the item was completed, the
escalations were resolved in another tab, the case closed) must not lose what was typed or why it was
refused: each error the page does not show is said at the top of the page, and each text the person typed
that the page does not show is said back to them ("Not saved. You wrote ..."). The case page and the
supervisor's escalation page both use it, and the client's status page says back what a client typed
(typed_texts) under a refusal."""
from django import forms
from django.contrib import messages
from django.utils.html import escape


def error_texts(form):
    """The form's error texts, its gate gaps (a case-page step form) in place of its form-wide errors."""
    gaps = list(getattr(form, "gaps", ()) or ())
    return [e for name, errors in form.errors.items() if name != "__all__" or not gaps for e in errors] + gaps


def typed_texts(form):
    """(label, text) of each text box of bound `form` filled in, within the field's limit (as a form shows it
    again); not a date or a number, which a form redraws otherwise than typed."""
    for name, field in form.fields.items():
        if type(field.widget) not in (forms.Textarea, forms.TextInput):
            continue
        value = str(form.data.get(form.add_prefix(name)) or "").strip()[:getattr(field, "max_length", None)]
        if value:
            yield field.label or name, value


def typed_but_not_shown(form, html):
    """(label, text) of each text typed into `form` (typed_texts) that `html` does not show."""
    return [(label, value) for label, value in typed_texts(form) if escape(value) not in html]


def say_what_the_page_hides(request, form, html, *, say_typed=True):
    """Messages for each error of `form` that `html` does not show and, with `say_typed`, for each text typed
    into it that `html` does not show (a page may show a form's error without the form: a closed case's).
    Returns whether there was any (the page is then drawn again, with the messages)."""
    unseen = [text for text in error_texts(form) if escape(text) not in html]
    for text in unseen:
        messages.error(request, text)
    typed = typed_but_not_shown(form, html) if say_typed else []
    for label, value in typed:
        messages.info(request, f"Not saved. You wrote in “{label}”: {value}")
    return bool(unseen or typed)
