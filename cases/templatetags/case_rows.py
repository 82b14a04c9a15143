"""{% load case_rows %}: what each row of a long list shows (My cases, search, all cases, the escalation
queue), rendered in Python rather than through an included template per row.

A list of 50 rows used to render the compact stepper, the mood chip and the countdown through an
inclusion tag each: a new context and some sixty template nodes per row, most of the page's time. Here
the stepper and the chip, which depend only on the step (and the closed-from step) or the mood, are
rendered once per process from the same templates the case page uses (cases/parts/_stepper.html,
_mood.html) and reused; the countdown is built in Python, word for word what
cases/parts/_countdown.html writes (tests/cases/test_case_rows.py checks both agree). A link to a case
reverses its URL pattern once per process, and a form's inputs, selects and textareas (the list filters
here, the case page's fields in case_page.py) are written from the widget's own context by widget_html
(what Django's widget templates print, without the ~dozen template includes per select). Whole rows
(case_list_row, search_row, all_cases_row, queue_row) are written the same way: one call per row, word
for word the template loop body each replaced (tests/cases/test_list_rows.py renders both)."""
import unicodedata
from html import escape as html_escape

from django import template
from django.forms.renderers import DjangoTemplates
from django.conf import settings
from django.template.loader import get_template
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.template.defaultfilters import timesince_filter, truncatechars
from django.utils.translation import get_language
from django.utils.safestring import SafeData, mark_safe

from ..models import EscalationStatus, Mood, Step
from .case_ui import client_time, month_abbr, mood_chip, person, promise_label, relative, stepper, when

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
    theirs = f' <span class="countdown__client muted">· {_e(theirs)}</span>' if theirs else ""
    return _safe(
        f'<span class="countdown{" is-overdue" if delta < 0 else ""}" data-due="{_e(iso)}">'
        f'<time datetime="{_e(iso)}">{_e(when(due_at))}</time> '
        f'<span class="countdown__rel">({_e(relative(delta))})</span>{theirs}</span>'
    )


@register.simple_tag
def case_url(name, reference):
    """`{% url name reference %}` for a URL whose only argument is a case reference, reversed once."""
    head, tail = _once(_URLS, (name, get_script_prefix()), lambda: reverse(name, args=[_SLOT]).split(_SLOT))
    return f"{head}{reference}{tail}"


# --- form widgets (the list filters here, the case page's fields in case_page.py) ---------------------
_INPUT_TEMPLATES = frozenset(f"django/forms/widgets/{name}.html" for name in (
    "input", "text", "number", "email", "url", "password", "hidden", "date", "datetime", "time", "checkbox",
    "search", "tel", "color",
))
_SELECT = "django/forms/widgets/select.html"
_OPTION = "django/forms/widgets/select_option.html"
_TEXTAREA = "django/forms/widgets/textarea.html"


def attrs_html(attrs):
    """django/forms/widgets/attrs.html (and django/forms/attrs.html): False leaves the attribute out,
    True writes its bare name, anything else name="str(value)"."""
    return "".join(f" {_e(name)}" if value is True else f' {_e(name)}="{_e(str(value))}"'
                   for name, value in attrs.items() if value is not False)


def _input_html(w):
    """django/forms/widgets/input.html for the widget context `w`."""
    value = f' value="{_e(str(w["value"]))}"' if w["value"] is not None else ""
    return f'<input type="{_e(w["type"])}" name="{_e(w["name"])}"{value}{attrs_html(w["attrs"])}>'


def _widget_html(widget, w):
    """The widget's markup from its context `w`, or None when its template is not one written here."""
    name = widget.template_name
    if name in _INPUT_TEMPLATES:
        return _input_html(w)
    if name == _TEXTAREA:
        value = _e(w["value"]) if w["value"] else ""
        return f'<textarea name="{_e(w["name"])}"{attrs_html(w["attrs"])}>\n{value}</textarea>'
    if name == _SELECT:
        parts = []
        for group_name, group, _index in w["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{_e(group_name)}">')
            for option in group:
                if option["template_name"] != _OPTION:
                    return None
                # select_option.html ends with a line break
                parts.append(f'\n  <option value="{_e(str(option["value"]))}"{attrs_html(option["attrs"])}>'
                             f'{_e(option["label"])}</option>\n')
            if group_name:
                parts.append("\n  </optgroup>")
        return f'<select name="{_e(w["name"])}"{attrs_html(w["attrs"])}>{"".join(parts)}\n</select>'
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


@register.simple_tag
def control(field):
    """`{{ field }}` of a filter form, written by widget_html (word for word what Django's widget templates
    print; any other widget is rendered by Django)."""
    return _safe(widget_html(field))


# --- whole rows -----------------------------------------------------------------------------------
# Each writes, word for word, what the loop body it replaced printed (tests/cases/test_list_rows.py
# renders both): a row is one call instead of some hundred template nodes and an include per item. They
# are f-strings over `_e` (conditional_escape without Django's lazy-string wrappers, which cost more than
# the escaping on a 50-row page): every value that is not already safe markup goes through `_e`.
def _safe(html):
    """The row's markup, built by this module from literal tags and `_e`-escaped values only
    (tests/cases/test_list_rows.py feeds it hostile names)."""
    # Every interpolated value went through _e.
    return mark_safe(html)  # nosec B308 B703 # noqa: S308


def _e(value):
    """conditional_escape(value), for the str, numbers and SafeStrings these rows print."""
    if isinstance(value, SafeData):
        return value
    return html_escape(str(value))


def _client(case, between=" ", wrap=('<span class="muted">· ', "</span>")):
    organisation = case.client.organisation
    name = _e(case.client.name)
    return f"{name}{between}{wrap[0]}{_e(organisation)}{wrap[1]}" if organisation else name


_STEP_LABELS = dict(Step.choices)


def _step_display(case):
    """case.get_step_display(), without the model's per-call flattening of the field's choices."""
    return str(_STEP_LABELS.get(case.step, case.step))


def _step_label(case):
    return _e(_step_display(case)) if case.is_open else "Resolved"


def _promise(case, now, none):
    if not case.next_promise_due_at:
        return f'<span class="muted">{none}</span>'
    return (f'<span class="muted">{_e(promise_label(case.next_promise_kind, case.client))}</span> '
            f'{due(case.next_promise_due_at, case.client, now)}')


def _csrf(context):
    token = context.get("csrf_token")
    if token and token != "NOTPROVIDED":  # noqa: S105 -- the csrf_token tag's "no token" marker
        return f'<input type="hidden" name="csrfmiddlewaretoken" value="{_e(token)}">'
    return ""


@register.simple_tag(takes_context=True)
def case_list_row(context, case, now):
    """One <li> of cases/_case_list.html (My cases)."""
    user = context.get("user")
    mine = case.owner_id == getattr(user, "pk", None)
    holds_item = getattr(case, "holds_item", False)
    chips = "\n".join((
        mood(case.mood_now),
        '<span class="chip chip--warn">Escalated</span>' if case.open_escalation_count else "",
        '<span class="chip chip--hot">Irate</span>' if case.is_irate else "",
        "" if mine else
        f'<span class="chip">{"Your item · " if holds_item else ""}owner {_e(person(case.owner))}</span>',
    ))
    my_due = getattr(case, "my_item_due_at", None)
    if not mine and holds_item and my_due:
        when_due = f'<span class="muted">Your item due</span> {due(my_due, case.client, now)}'
    else:
        when_due = _promise(case, now, "No promise pending")
    return _safe(
        f'<li class="case-row{" is-overdue" if case.is_overdue else ""}">\n<div class="case-row__main">\n'
        f'<a class="case-row__link" href="{_e(case_url("cases:case_detail", case.reference))}">\n'
        f'<span class="case-row__ref">{_e(case.reference)}</span>\n'
        f'<span class="case-row__client">{_client(case)}</span>\n</a>\n'
        f'<p class="case-row__summary">{_e(case.summary)}</p>\n<p class="case-row__meta">\n{chips}\n</p>\n</div>\n'
        f'<div class="case-row__step">\n{step_track(case)}\n'
        f'<span class="case-row__steplabel">{_step_label(case)}</span>\n</div>\n'
        f'<div class="case-row__due">\n{when_due}\n</div>\n</li>'
    )


def _broken_promise(case, e):
    """supervisor/_broken_promise.html for escalation `e` on `case`."""
    p = e.promise
    theirs = client_time(p.due_at, case.client)
    theirs = f' <span class="muted">({_e(theirs)})</span>' if theirs else ""
    late = f" · done late {_e(when(p.kept_at))}" if p.kept_at else ""
    return (
        '\n<p class="broken-promise"><strong class="broken-promise__label">Promise broken:</strong>\n'
        f'  <span class="broken-promise__what">“{_e(p.source)}”</span>\n'
        f'  <span class="broken-promise__facts">to {_e(case.client.name)} · held by {_e(person(p.owner))} ·\n'
        f'  due <time datetime="{_e(p.due_at.isoformat())}">{_e(when(p.due_at))}</time>'
        f'{theirs}{late}</span>\n</p>'
    )


# Under four weeks, `timesince` says a number of whole minutes in days, hours and minutes: the same words
# for the same minutes, whatever the dates (the calendar's months come in only from four weeks on). A
# queue of 50 rows asked Django for them 50 times a request, a tenth of the page's time; here each
# distinct number of minutes is asked once per process (and language).
_SINCE_CACHED_BELOW = 28 * 24 * 3600
_SINCE_WORDS = {}


def _timesince(value, now):
    """`value|timesince:now`."""
    seconds = (now - value).total_seconds() if now is not None and value is not None else -1
    if not 0 <= seconds < _SINCE_CACHED_BELOW:
        return timesince_filter(value, now)
    key = (int(seconds // 60), get_language())
    words = _SINCE_WORDS.get(key)
    if words is None:
        if len(_SINCE_WORDS) > 50_000:
            _SINCE_WORDS.clear()
        words = _SINCE_WORDS[key] = timesince_filter(value, now)
    return words


def stamp(value, clock=True):
    """`value|date:"j M Y H:i"` (`"j M Y"` without the clock) in the current time zone, spelt out; ''
    for None."""
    if not value:
        return ""
    local = timezone.localtime(value)
    text = f"{local.day} {month_abbr(local.month)} {local.year:04d}"
    return f"{text} {local.hour:02d}:{local.minute:02d}" if clock else text


def _since(value, now):
    """`value|date:'j M Y H:i'` (spelt out) and `value|timesince:now`."""
    if not value:
        return "", ""
    return _e(stamp(value)), _e(_timesince(value, now))


def _truncated(text, length):
    """`text|truncatechars:length`: Truncator only when the text is longer (it returns a shorter one as it
    is, NFC-normalised)."""
    text = unicodedata.normalize("NFC", str(text))
    return text if len(text) <= length else truncatechars(text, length)


@register.simple_tag(takes_context=True)
def queue_row(context, case, now, showing_resolved):
    """One <tr> of supervisor/queue.html (the escalation queue)."""
    reasons = "".join(f'<span class="chip chip--warn">{_e(label)}{f" ×{n}" if n > 1 else ""}</span> '
                      for label, n in case.reasons)
    who = "Raised by " + _e(", ".join(case.raised_by))
    if case.taken_by:
        who += " · taken by " + _e(", ".join(case.taken_by))
        if case.waiting:
            who += f" · {case.waiting} not taken"
    if showing_resolved:
        title, since = _since(case.last_resolved_at, now)
        waited = f'<td title="{title}">{since} ago</td>'
    else:
        title, since = _since(case.oldest_escalation_at, now)
        waited = f'<td title="Oldest escalation raised {title}">{since}</td>'
    listed = [e.pk for e in case.escalations_listed if e.status != EscalationStatus.RESOLVED]
    shown = "".join(f'<input type="hidden" name="shown" value="{pk}">' for pk in listed)  # a newer one is refused
    link = _e(case_url("supervisor:case_escalations", case.reference))
    hidden = case.open_escalation_count - len(listed)  # open ones a filter leaves out: read them before taking
    if not case.waiting:
        take = ""
    elif hidden > 0:
        take = (f'<p class="muted">{hidden} more open, not shown by the filter: '
                f'<a href="{link}">open the case to take them</a></p>\n')
    else:
        take = (f'<form method="post" action="{_e(case_url("supervisor:case_take", case.reference))}">'
                f'{_csrf(context)}{shown}<button type="submit" class="button--primary button--small">'
                f'Take{f" all {case.waiting}" if case.waiting > 1 else ""}</button></form>\n')
    organisation = case.client.organisation
    organisation = f' <span class="muted">· {_e(organisation)}</span>' if organisation else ""
    flagged = (' <span class="chip chip--hot">Flagged irate</span>'
               if case.flagged_irate and case.temperature != Mood.IRATE else "")
    broken = "".join(_broken_promise(case, e) for e in case.broken)
    return _safe(
        f'<tr class="heat-{_e(case.heat)}">\n<td>\n<a class="case-row__ref" href="{link}">{_e(case.reference)}</a>\n'
        f'<span class="case-row__client">{_e(case.client.name)}</span>'
        f'{organisation}\n'
        f'<p class="case-row__summary muted">{_e(_truncated(case.summary, 90))}</p>\n</td>\n'
        f'<td class="queue__why">\n<p><strong class="queue__count">{_e(case.escalation_count)}</strong> {reasons}</p>\n'
        f'{broken}\n'
        f'<p class="muted queue__who">{who}</p>\n</td>\n<td>\n{step_track(case)}\n'
        f'<span class="case-row__steplabel">{_step_label(case)}</span>\n</td>\n'
        f'<td>{mood(case.mood_now)}{flagged}</td>\n'
        f'<td>{_e(person(case.owner))}</td>\n<td>{_promise(case, now, "None pending")}</td>\n{waited}\n'
        f'<td>\n{take}<a href="{link}">Open</a>\n</td>\n</tr>'
    )


_BELOW = ('<br><span class="muted">', "</span>")
_INSIDE = ('<div class="muted">', "</div>")


@register.simple_tag
def all_cases_row(case, now):
    """One <tr> of supervisor/all_cases.html."""
    irate = '<span class="chip chip--hot">Irate</span>' if case.is_irate else ""
    stalled = (f'<span class="chip chip--warn" title="Flagged {_e(when(case.stalled_flagged_at))}">Stalled</span>'
               if case.stalled_flagged_at else "")
    if case.is_open:
        step = f"{case.step_enum.number}. {_e(_step_display(case))}"
    else:
        override = ' <span class="muted">(override)</span>' if case.closed_by_override else ""
        step = f"Resolved {_e(when(case.resolved_at))}{override}"
    escalations = (f'<span class="chip chip--warn">{_e(case.open_escalation_count)} open</span>'
                   if case.open_escalation_count else '<span class="muted">—</span>')
    return _safe(
        f'<tr class="{"is-overdue" if case.is_overdue else ""}">\n'
        f'<td><a href="{_e(case_url("cases:case_detail", case.reference))}">{_e(case.reference)}</a>\n'
        f'{irate}\n{stalled}</td>\n'
        f'<td>{_client(case, between="", wrap=_BELOW)}</td>\n'
        f'<td>{_e(person(case.owner))}</td>\n<td>{step}</td>\n<td>{mood(case.mood_now)}</td>\n'
        f'<td>{_e(when(case.opened_at))}</td>\n<td>{_promise(case, now, "None pending")}</td>\n'
        f'<td>{escalations}</td>\n</tr>'
    )


@register.simple_tag(takes_context=True)
def search_row(context, case, now):
    """One <tr> of cases/_search_results.html."""
    user = context.get("user")
    you = ' <span class="muted">(you)</span>' if case.owner_id == getattr(user, "pk", None) else ""
    link = _e(case_url("cases:case_detail", case.reference))
    return _safe(
        f'<tr>\n<td><a href="{link}"><strong>{_e(case.reference)}</strong></a>\n'
        f'<div class="muted search-results__summary">{_e(_truncated(case.summary, 90))}</div></td>\n'
        f'<td>{_client(case, between="", wrap=_INSIDE)}</td>\n<td>{_e(person(case.owner))}{you}</td>\n'
        f'<td>{_step_label(case)}</td>\n<td>{mood(case.mood_now)}</td>\n'
        f'<td>{_promise(case, now, "No promise pending")}</td>\n</tr>'
    )
