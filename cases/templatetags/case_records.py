"""{% load case_records %}: the case page's longest lists, its status updates and its timeline, one Python
call per record rather than some forty template nodes and an include each, and the mood trend (the case
page's and the client page's). Each writes, word for word, what the template it replaced printed
(tests/cases/test_record_rows.py keeps those templates and renders both, with hostile text); the coach's
warnings, when a record has any, still come from playbook/_coach_warnings.html."""
from django import template
from django.template.defaultfilters import capfirst
from django.template.loader import get_template

from ..models import Mood
from .case_rows import _e, _once, _safe, mood
from .case_ui import clip, person, when

register = template.Library()
_NO_WARNINGS = {}


def _coach_warnings(warnings):
    """`{% coach_warnings warnings %}` (playbook.templatetags.playbook_tags), the empty case rendered
    once per process."""
    from playbook.templatetags.playbook_tags import coach_warnings

    if not warnings:
        return _once(_NO_WARNINGS, "", lambda: get_template("playbook/_coach_warnings.html").render(
            coach_warnings(warnings)))
    return get_template("playbook/_coach_warnings.html").render(coach_warnings(warnings))


@register.simple_tag
def update_record(u):
    """One <li> of cases/blocks/_updates.html."""
    client_line = (f'<p class="record__client-line"><span class="muted">The client reads:</span> '
                   f'“{_e(u.client_line)}”</p>') if u.client_line else ""
    return _safe(
        f'\n  <li class="record">\n    {clip(u.summary, "p.record__main")}\n    {client_line}\n'
        f'    <p class="muted">{_e(when(u.given_at))} by {_e(str(u.get_channel_display()).lower())} · '
        f'{_e(person(u.created_by))} · client {mood(u.client_mood)}</p>\n'
        f'    {_coach_warnings(u.coach_warnings)}\n  </li>\n  '
    )


@register.simple_tag
def timeline_event(e):
    """One <li> of cases/parts/_events.html."""
    folded = getattr(e, "folded_promise", None)
    what = f"Action item added, due {_e(when(folded.due_at))}" if folded else _e(capfirst(e.verb))
    steps = ""
    if e.to_step:
        before = f"{_e(e.get_from_step_display())} → " if e.from_step else ""
        steps = f' <span class="muted">({before}{_e(e.get_to_step_display())})</span>'
    warnings = e.data.get("coach_warnings") if isinstance(e.data, dict) else None
    return _safe(
        f'<li class="timeline__event{" is-step" if e.to_step else ""}{" is-bad" if "broken" in e.verb else ""}">\n'
        f'  <time datetime="{_e(e.created_at.isoformat())}">{_e(when(e.created_at))}</time>\n'
        f'  <span class="timeline__what"><strong>{what}</strong>{steps} · <span class="muted">{_e(e.actor_label)}'
        f'</span></span>\n'
        f'  {clip(e.note, "p.timeline__note") if e.note else ""}\n'
        f'  {_coach_warnings(warnings) if warnings else ""}\n</li>\n'
    )


def trend_layout(points, width, height):
    """Where each (when, Mood, label) point sits (irate low, delighted high, evenly spaced), the line
    through them, and the drawing's size."""
    top = len(Mood) - 1
    pad = 6
    n = len(points)
    coords = []
    for i, (_, point_mood, _label) in enumerate(points):
        x = pad + (width - 2 * pad) * (i / (n - 1) if n > 1 else 0.5)
        y = pad + (height - 2 * pad) * (1 - point_mood.score / top)
        coords.append((round(x, 1), round(y, 1)))
    return {"points": [{"when": w, "mood": m, "label": lbl, "x": c[0], "y": c[1]}
                       for (w, m, lbl), c in zip(points, coords)],
            "polyline": " ".join(f"{x},{y}" for x, y in coords), "width": width, "height": height}


def _runs(drawn):
    """The drawn points in runs of one mood: (first point, last point, how many)."""
    runs = []
    for p in drawn:
        if runs and runs[-1][0]["mood"] == p["mood"]:
            runs[-1] = (runs[-1][0], p, runs[-1][2] + 1)
        else:
            runs.append((p, p, 1))
    return runs


@register.simple_tag
def mood_trend(points, width=240, height=56):
    """The client's mood over the (when, Mood, label) points as an inline SVG line plus labelled chips, so
    the trend reads without colour or graphics too. The line goes through every point; a run of readings
    in the same mood is one dot (where it began) and one chip ("Calm ×12", its title from first to last),
    so a long case reads as its turns, not as eighty chips."""
    if not points:
        return _safe('<p class="muted">No mood recorded yet.</p>\n')
    trend = trend_layout(points, width, height)
    drawn, w, h = trend["points"], _e(trend["width"]), _e(trend["height"])
    line = f'<polyline points="{_e(trend["polyline"])}" class="trend__line" fill="none"/>' if len(drawn) > 1 else ""
    dots, chips = [], []
    for first, last, count in _runs(drawn):
        value, label = _e(first["mood"].value), _e(first["mood"].label)
        title = f'{_e(first["label"])}, {_e(when(first["when"]))}'
        if count > 1:
            title += f' to {_e(last["label"].lower())}, {_e(when(last["when"]))} ({count} readings)'
        dots.append(f'<circle cx="{first["x"]}" cy="{first["y"]}" r="4" class="trend__dot mood--{value}"><title>'
                    f'{title}: {label}</title></circle>')
        chips.append(f'<li><span class="chip mood mood--{value}" title="{title}">{label}'
                     f'{f" ×{count}" if count > 1 else ""}</span></li>')
    return _safe(
        f'\n<figure class="trend">\n  <svg class="trend__svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
        f'role="img" aria-label="Client\'s mood over the case, from {_e(drawn[0]["mood"].label.lower())} to '
        f'{_e(drawn[-1]["mood"].label.lower())}">\n'
        f'    <line x1="0" y1="{h}" x2="{w}" y2="{h}" class="trend__axis"/>\n'
        f'    {line}\n    {"".join(dots)}\n  </svg>\n  <figcaption>\n    <ol class="trend__chips">\n      '
        f'{"".join(chips)}\n    </ol>\n  </figcaption>\n</figure>\n\n'
    )
