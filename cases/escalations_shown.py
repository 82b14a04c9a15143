"""What a page showed of a case's open escalations, read back from its post: the ids it listed (hidden
`shown` inputs) and, of those, the ones it showed as taken and by whom (hidden `taken` inputs,
"<escalation id>:<supervisor id>"). cases.services.escalations refuses an action over an escalation raised
or taken since; the supervisor's escalation page and the case page's override both post them, so both are
read here."""
import re

from .text import whole_number

_TAKEN = re.compile(r"^([0-9]{1,18}):([0-9]{1,18})$")
_MOST = 1000  # more than any case has; a forged post's flood is cut here


def shown_escalations(data):
    """The ids listed; anything not a number is left out, so a post without them has seen none."""
    numbers = (whole_number(value) for value in data.getlist("shown")[:_MOST])
    return {n for n in numbers if n is not None}


def taken_shown(data):
    """{escalation id: supervisor id} of those shown as taken; anything malformed is left out (shown as
    not taken)."""
    matches = (_TAKEN.match(value) for value in data.getlist("taken")[:_MOST])
    return {int(m[1]): int(m[2]) for m in matches if m}
