"""The one error the services raise when a rule of the recipe refuses an action."""


class CaseRuleError(Exception):
    """A refusal a rep can read. `field` names the form field it belongs to, when there is one;
    `gaps` lists everything still missing for a step gate."""

    def __init__(self, message, *, field=None, gaps=None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.gaps = list(gaps or [])

    def __str__(self):
        return self.message
