"""The case page's status-link panel reads here whether the user may give out or revoke the client's
link (cases.permissions) and whether one is live: from the case row, no query."""
from django import template

from ..permissions import can_manage_status_link
from ..status_links import final_page_until, live_link_until

register = template.Library()


@register.simple_tag
def status_link_info(case, user):
    return {"can_manage": can_manage_status_link(user, case), "live_until": live_link_until(case),
            "final_until": final_page_until(case)}
