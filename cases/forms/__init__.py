"""The rep's forms. They check shape only (types, required, dates in the future or past); every rule of
the recipe lives in cases.services, whose CaseRuleError is mapped back onto a field by
`add_rule_error`. Datetimes are read in the viewer's time zone (activated by the middleware), and
where a form offers it, in the client's zone instead."""
from .base import (  # noqa: F401
    CLIENTS, MINE, CaseForm, DateInput, DateTimeLocalInput, UserField, add_rule_error, datetime_field,
    limit_text_fields, text_area, trim_refused_text,
    time_zone_choices,
)
from .intake import *  # noqa: F401,F403
from .moves import *  # noqa: F401,F403
from .plan import *  # noqa: F401,F403
from .steps import *  # noqa: F401,F403
from .client_messages import ClientMessageForm  # noqa: F401
