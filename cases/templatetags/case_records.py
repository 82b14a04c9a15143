"""{% load case_records %}: the case page's longest lists, its status updates and its timeline, one Python
call per record rather than some forty template nodes and an include each. Each writes, word for word,
what the loop body it replaced printed (tests/cases/test_record_rows.py renders both, with hostile
text); the coach's warnings, when a record has any, still come from playbook/_coach_warnings.html."""
from django import template
from django.template.defaultfilters import capfirst
from django.template.loader import get_template

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
