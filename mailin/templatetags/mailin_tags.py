"""What the case page's client-mail card asks: may this user claim the case, or mark its email read
(the rules are cases.permissions')."""
from django import template

from cases.permissions import can_claim_case, can_read_client_mail

register = template.Library()


@register.filter
def may_claim(user, case):
    return can_claim_case(user, case)


@register.filter
def may_read_mail(user, case):
    return can_read_client_mail(user, case)
