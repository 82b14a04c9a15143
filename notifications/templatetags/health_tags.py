"""{% load health_tags %}{% system_health_banner %}: tells supervisors (cases.permissions.is_supervisor), at
the top of every page, when the background work is not working. Nothing for everyone else, and
nothing when all is well. The health is cached for 30 s, so a page costs no query for it."""
from django import template

from cases.permissions import is_supervisor

from ..health import cached_system_health

register = template.Library()


@register.inclusion_tag("notifications/_health_banner.html", takes_context=True)
def system_health_banner(context):
    user = context.get("user")
    if user is None or not is_supervisor(user):
        return {"health": None}
    return {"health": cached_system_health()}
