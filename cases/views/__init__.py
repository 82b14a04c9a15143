"""The rep's pages. Thin views: fetch through a selector that 404s on a case the user may not see,
bind a form, call one service, map CaseRuleError onto the form, render or redirect. With htmx the
same URLs answer with the part of the page that changed."""
from .case import case_action, case_detail
from .lists import my_cases
from .intake import case_new

__all__ = ["case_action", "case_detail", "case_new", "my_cases"]
