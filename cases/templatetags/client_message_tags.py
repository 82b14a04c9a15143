"""The case page's "Message the client" card, from one include whatever builds the page's context: the
latest messages with what became of each, and the form for whoever works the case."""
from django import template

from ..forms.client_messages import ClientMessageForm
from ..selectors_client_messages import kinds_allowed, latest_client_messages

register = template.Library()
AUTO_ID = "id_client_message_%s"


def message_form(case, user, data=None):
    return ClientMessageForm(data, case=case, user=user, kinds=kinds_allowed(case), auto_id=AUTO_ID)


@register.inclusion_tag("cases/parts/_client_messages.html", takes_context=True)
def client_messages(context, case):
    """`context` may hold a refused or to-be-confirmed form (`client_message_form`) and the coach's
    warnings awaiting "Send anyway" (`client_message_coach`)."""
    user, can_work = context.get("user"), bool(context.get("can_work"))
    offer = can_work and bool(case.client.email) and bool(kinds_allowed(case))
    form = context.get("client_message_form") or (message_form(case, user) if offer else None)
    return {"case": case, "client_msgs": latest_client_messages(case), "form": form,
            "coach": context.get("client_message_coach") or [], "no_email": can_work and not case.client.email,
            "csrf_token": context.get("csrf_token"), "request": context.get("request")}
