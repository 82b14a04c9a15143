"""The client's own word on the staff pages: the case page's "Not yet" banner (one query, and only while
the case is in `deliver`) and the team page's satisfaction figure (one aggregate over the window).
Template tags so that each page gets it from one include, whatever else builds the page's context."""
from django import template

from ..client_word import current_answer
from ..forms.moves import TransitionForm
from ..metrics.satisfaction import satisfaction_figure
from ..workflow import MOVE_LABELS, Transition

register = template.Library()
LOOSE_ENDS = Transition.LOOSE_ENDS.method


@register.inclusion_tag("cases/parts/_client_not_yet.html", takes_context=True)
def client_not_yet(context, case):
    """The client's "Not yet" of this delivery attempt, and the loose-ends move when the page offers it
    (the page's `moves` are the transitions the user may take now)."""
    answer = current_answer(case)
    if answer is None or answer.works:
        return {"answer": None}
    offered = LOOSE_ENDS in dict(context.get("moves") or ())
    limit = TransitionForm.base_fields["reason"].max_length
    reason = f"The client said on their status page: “{answer.text}”"[:limit]
    return {"answer": answer, "case": case, "csrf_token": context.get("csrf_token"), "reason": reason,
            "reason_limit": limit, "loose_ends": LOOSE_ENDS if offered else "", "label": MOVE_LABELS[LOOSE_ENDS]}


@register.inclusion_tag("supervisor/_satisfaction.html")
def client_satisfaction(window):
    return {"figure": satisfaction_figure(window)}
