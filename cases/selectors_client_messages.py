"""Reads for the case page's "Message the client" card: the latest messages sent to the client (one
query, whatever the case holds) and the kinds the case's step allows now (no query)."""
from .frozen import FrozenRead, held_by
from .models import ClientMessage, ClientMessageKind
from .models.client_messages import KIND_RECORD
from .workflow import refusal

SHOWN = 10


def kinds_allowed(case):
    """The kinds of message the case's step allows now (the service refuses the others)."""
    return [k for k in ClientMessageKind if refusal(KIND_RECORD[k], case.step, case.reference) is None]


_LATEST = FrozenRead(lambda pk: ClientMessage.objects.filter(case_id=pk).select_related("created_by")
                     .order_by("-queued_at", "-id")[:SHOWN])


def latest_client_messages(case):
    return held_by(_LATEST(case.pk), case)
