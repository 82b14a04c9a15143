"""{% load case_ui %}: the stepper, mood chips and trend, countdowns, times shown in the viewer's
zone with the client's local time beside them (a far date with its year), and long text clipped with
"show all"."""
from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils.html import format_html
from django.utils import timezone
from django.utils.dates import MONTHS_3, WEEKDAYS_ABBR
from django.utils.dateformat import format as date_format
from django.utils.translation import get_language

from cases.models import Mood, PromiseKind, Step
from cases.workflow import is_closed

register = template.Library()

SHORT_STEP = {
    Step.IDENTIFY: "Identify", Step.ACKNOWLEDGE: "Acknowledge", Step.RECOMMIT: "Recommit",
    Step.GATHER: "Gather", Step.PLAN: "Plan", Step.MANAGE_ANXIETY: "Manage anxiety", Step.DELIVER: "Deliver",
}


@register.inclusion_tag("cases/parts/_stepper.html")
def stepper(step, compact=False, closed_from=""):
    """Seven segments: done, current, to come (all done once resolved). `closed_from` is the step a
    supervisor's override closed the case from (Case.closed_from_step): on a closed case, that step and
    the ones after it were never met, so they show as skipped, never as done."""
    current = Step(step)
    order = list(Step)
    skipped_from = order.index(Step(closed_from)) if closed_from and current == Step.RESOLVED else None
    segments = []
    for s in order[:-1]:
        if skipped_from is not None and order.index(s) >= skipped_from:
            state = "skipped"
        else:
            state = "done" if order.index(s) < order.index(current) else "current" if s == current else "todo"
        segments.append({"step": s, "short": SHORT_STEP[s], "state": state})
    return {"segments": segments, "compact": compact, "resolved": is_closed(current),
            "current": current, "skipped_from": order[skipped_from] if skipped_from is not None else None}


@register.inclusion_tag("cases/parts/_mood.html")
def mood_chip(value):
    """`value`: a temperature, or "unread" (Case.mood_now: the client wrote and nobody has read it yet)."""
    mood = Mood(value) if value in Mood.values else None
    return {"mood": mood, "unread": value == "unread"}


def relative(delta_seconds):
    """'in 12 min', '2 h 5 min overdue': the same words the countdown script writes."""
    overdue = delta_seconds < 0
    minutes = int(abs(delta_seconds) // 60)
    if minutes < 1:
        text = "less than a minute"
    elif minutes < 60:
        text = f"{minutes} min"
    elif minutes < 48 * 60:
        text = f"{minutes // 60} h" + (f" {minutes % 60} min" if minutes % 60 else "")
    else:
        text = f"{minutes // 1440} days"
    return f"{text} overdue" if overdue else f"in {text}"


@register.inclusion_tag("cases/parts/_countdown.html")
def countdown(due_at, client=None, now=None):
    """A due time in the viewer's zone (plain text without JavaScript), the time left, red when overdue;
    static/js/app.js keeps the time left current from data-due."""
    if due_at is None:
        return {"due_at": None}
    delta = (due_at - (now or timezone.now())).total_seconds()
    return {"due_at": due_at, "iso": due_at.isoformat(), "relative": relative(delta), "overdue": delta < 0,
            "client_time": client_time(due_at, client)}


@register.filter
def client_time(value, client):
    """'09:00 EST at the client' when the client's clock differs from the viewer's, else ''."""
    if not value or client is None:
        return ""
    theirs = value.astimezone(client.tz)
    mine = timezone.localtime(value)
    if theirs.utcoffset() == mine.utcoffset():
        return ""
    # date_format(theirs, "H:i T" or "D j M[ Y] H:i T"), spelt out but for the zone's name.
    clock = f"{theirs.hour:02d}:{theirs.minute:02d}" if theirs.date() == mine.date() else _short(theirs)
    return f"{clock} {date_format(theirs, 'T')} for {client.name}"


@register.simple_tag
def client_clock(client):
    """The client's local time now: 'Tue 14:05 GMT'."""
    return date_format(timezone.now().astimezone(client.tz), "D H:i T")


NEAR_DAYS = 183  # within about six months a date reads without its year


def _shows_year(local, now=None):
    """The year is left out only for a date in the current year or within about six months of now."""
    now = timezone.localtime(now or timezone.now(), local.tzinfo)
    return local.year != now.year and abs((local - now).days) > NEAR_DAYS


@register.filter
def when(value):
    """A time in the viewer's zone, short: 'Tue 24 Nov 14:05'; a far date shows its year:
    'Tue 24 Nov 2026 14:05'."""
    if not value:
        return ""
    return _short(timezone.localtime(value))


# Month and weekday abbreviations as Django's date formats write them ("Nov", "Tue"), per language: a
# list page writes ~100 dates, and each lazy name costs a translation lookup.
_ABBRS = {}


def _abbrs():
    """(months, weekdays) in the active language: months[1] "Jan" .. months[12], weekdays[0] "Mon"."""
    language = get_language()
    names = _ABBRS.get(language)
    if names is None:
        names = _ABBRS[language] = (["", *(str(MONTHS_3[n]).title() for n in range(1, 13))],
                                    [str(WEEKDAYS_ABBR[n]) for n in range(7)])
    return names


def month_abbr(n):
    """MONTHS_3[n].title() (what the "M" date format writes) in the active language."""
    return _abbrs()[0][n]


def _short(local):
    """date_format(local, "D j M H:i"), with " Y" after the month for a far date; spelt out: long lists
    show dozens of these per page."""
    year = f" {local.year:04d}" if _shows_year(local) else ""
    months, weekdays = _abbrs()
    return (f"{weekdays[local.weekday()]} {local.day} {months[local.month]}{year} "
            f"{local.hour:02d}:{local.minute:02d}")


CLIP_AT = 400  # characters shown before "show all"
CLIP_SLACK = 80  # a text only a little longer than that is shown whole: hiding a line helps nobody


def _clip_point(text):
    """Where the shown part ends: the last space before CLIP_AT, unless that cuts too much."""
    space = text.rfind(" ", 0, CLIP_AT)
    return space if space > CLIP_AT * 0.6 else CLIP_AT


@register.filter(needs_autoescape=True)
def clip(value, wrap="", autoescape=True):
    """Long text, clipped without JavaScript: the first ~400 characters, then a <details> whose summary
    says "show all" and which holds the rest. Escaped, line breaks kept. `wrap` puts each part in a
    paragraph: "p" or "p.some-class" (a <details> may not sit inside a <p>, so the template gives the
    filter the paragraph instead of wrapping it); without it the parts are inline, for a <dd> or <div>.
        {{ update.summary|clip:"p.record__main" }}"""
    text = "" if value is None else str(value)
    tag, _, css = wrap.partition(".")
    open_tag = format_html('<{} class="{}">', tag, css) if tag and css else format_html("<{}>", tag) if tag else ""
    close_tag = format_html("</{}>", tag) if tag else ""

    def part(chunk):
        return format_html("{}{}{}", open_tag, linebreaksbr(chunk, autoescape=autoescape), close_tag)

    if len(text) <= CLIP_AT + CLIP_SLACK:
        return part(text)
    cut = _clip_point(text)
    head, rest = text[:cut].rstrip(), text[cut:].lstrip()
    return format_html('{}<details class="clip"><summary>show all</summary>{}</details>',
                       part(head + "…"), part(rest))


@register.simple_tag
def promise_label(kind, client):
    first = client.name.split()[0] if client and client.name else "the client"
    return {
        PromiseKind.STATUS_UPDATE: f"Update {first}",
        PromiseKind.ACTION_ITEM: "Action item due",
        PromiseKind.ETA: f"Fixed for {first} at the latest",
        PromiseKind.FOLLOW_UP: f"Follow-up call to {first}",
    }.get(kind, "Next promise")


@register.filter
def person(user):
    if user is None:
        return "nobody yet"
    return user.get_full_name() or user.username


@register.filter
def field_type(bound_field):
    return bound_field.field.widget.__class__.__name__.lower()
