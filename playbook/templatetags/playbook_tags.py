"""{% load playbook_tags %} then {% playbook_panel case.step %}, {% deescalation_script %},
{% coach_warnings warnings %}."""
from django import template

from playbook.coach import MAX_WARNINGS
from playbook.content import deescalation_script as get_deescalation_script
from playbook.content import guidance_for, has_guidance

register = template.Library()


@register.inclusion_tag("playbook/_step_panel.html")
def playbook_panel(step_value, open_lists=False):
    """The step's guidance; renders nothing for a step without any (e.g. "resolved")."""
    return {"guidance": guidance_for(step_value) if has_guidance(step_value) else None, "open_lists": open_lists}


@register.inclusion_tag("playbook/_deescalation.html")
def deescalation_script():
    return {"script": get_deescalation_script()}


@register.inclusion_tag("playbook/_coach_warnings.html")
def coach_warnings(warnings, field_id=""):
    """`warnings`: CoachWarning objects or their stored dicts (both render the same); at most
    MAX_WARNINGS are shown, whatever a stored list holds."""
    return {"warnings": list(warnings or [])[:MAX_WARNINGS], "field_id": field_id}
