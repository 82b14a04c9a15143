"""How the client agreed to a change of a promise they hold (a new deadline, a cadence, quiet hours, what an
item promises): the channel and what they said, with substance. Every move of a deadline the client holds
carries one (cases.services.promises.promise_move records it on the renegotiation)."""
from dataclasses import dataclass

from ..errors import CaseRuleError
from ..models import Channel, Promise
from ..text import limit_of, require_substance


@dataclass(frozen=True)
class Agreement:
    """How the client agreed to a new deadline: the channel, and what they said (with substance)."""

    channel: str
    text: str

    def describe(self):
        return f"Agreed by {Channel(self.channel).label.lower()}: “{self.text}”"


def agreement_from(channel, text, *, field="agreed_text", why=""):
    """The client's agreement to a change of a promise they hold; `why` (what the change is, when the form
    does not say) goes before the error when it is missing."""
    if channel not in Channel.values:
        raise CaseRuleError(why + "Say how the client agreed to the new deadline (phone, email...).",
                            field="agreed_channel")
    text = require_substance(text, field=field, limit=limit_of(Promise, "agreed_text"),
                             message=why + "Write what the client said when they agreed to the new deadline.")
    return Agreement(channel=channel, text=text)
