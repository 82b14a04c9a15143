"""The case page's forms that wait until they are opened ("parts"). The page ships the forms of the
blocks its step works (cases.workflow's StepPolicy says which); every other form the user may use (an
earlier step's block, edit / cancel / hand back an item, renegotiate, escalate, reassign, hand over,
log a contact, the client's details) is a <details> whose body is fetched when it opens:

- with htmx, the <details> toggles -> GET cases:case_part (the part's form, or the block's body);
- without JavaScript, its body is a link to the same page with ?open=<key>, which renders it inline;
- a form posted and refused comes back open, bound, with the user's input and the error by the field.

Whether a part is offered at all is decided where the page decides it (cases.views.page, from the
workflow policy and cases.permissions); this module only knows how a part is named, labelled and drawn."""
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlencode

from django.urls import reverse

from .actions import ACTIONS

TIMELINE = "timeline"  # the whole timeline (the page shows the latest events only)
OLDER_UPDATES = "older_updates"  # the status updates before the latest UPDATES_LATEST
PROMISE_HISTORY = "promise_history"  # the promises settled (kept, broken, renegotiated, withdrawn)
# The long lists the page draws when opened: key -> (the anchor without JavaScript, what an htmx GET draws).
LISTS = {
    TIMELINE: ("case-timeline", "cases/parts/_timeline.html"),
    OLDER_UPDATES: ("updates-older", "cases/parts/_updates_older.html"),
    PROMISE_HISTORY: ("promise-history", "cases/parts/_promise_history.html"),
}
UPDATES_LATEST = 10  # status updates the page shows; the older ones are one click away
MAX_OPENED = 8  # ?open= values read from one request


@dataclass(frozen=True)
class PartSpec:
    summary: str  # the <summary>; {client} and {owner} are filled in
    target: str  # the page region the form's answer replaces
    submit: str
    button: str = "button--secondary"
    css: str = "inline-details"
    intro: str = ""


PARTS = {
    "concern_edit": PartSpec("Edit this concern", "blk-concerns", "Save concern", css="record__edit"),
    "item_edit": PartSpec("Edit…", "blk-items", "Save item"),
    "item_cancel": PartSpec("Cancel…", "blk-items", "Cancel the item", "button--warn"),
    "item_hand_back": PartSpec("Hand back…", "blk-items", "Hand it back to the owner"),
    "renegotiate": PartSpec("Agree a new deadline", "case-promises", "Save new deadline",
                            css="promise__renegotiate"),
    "escalate": PartSpec("Escalate to a supervisor", "blk-escalate", "Escalate", "button--warn", css=""),
    "contact_log": PartSpec("Log what the client said", "blk-team", "Log the contact", "button--primary", css=""),
    "ask_for_case": PartSpec("Ask for this case", "blk-team", "Ask for the case", css="",
                             intro="It becomes yours when {owner} or a supervisor accepts."),
    "client_details": PartSpec("Edit {client}'s details", "blk-client", "Save client details", css="",
                               intro="Pending deadlines that fall inside new quiet hours move to when they "
                                     "end (a follow-up call stays on its day)."),
    "handoff_request": PartSpec("Hand the case to a teammate", "blk-handoff", "Request handoff", css="",
                                intro="They become the owner when they accept; you stay on as a watcher."),
    "reassign": PartSpec("Reassign directly (supervisor)", "blk-handoff", "Reassign", "button--warn", css=""),
}


def opened_keys(request):
    """The parts a plain GET asks to render open: ?open=<key> (repeatable); ?zones=all, the old link to
    the client card with every time zone, opens that card."""
    keys = set(request.GET.getlist("open")[:MAX_OPENED])
    if request.GET.get("zones") == "all":
        keys.add("client_details")
    return keys


class CaseUrls:
    """The case page's URL and its parts' URLs, each reversed once per page."""

    KEY = "__key__"

    def __init__(self, case):
        self.page = reverse("cases:case_detail", args=[case.reference])
        self._part = reverse("cases:case_part", args=[case.reference, self.KEY])

    def part(self, key):
        return self._part.replace(self.KEY, key)

    def opened(self, key, anchor):
        return f"{self.page}?{urlencode({'open': key})}#{anchor}"


def page_url(case, key, anchor):
    return CaseUrls(case).opened(key, anchor)


def long_lists(urls, opened):
    """Each long list's URLs and whether it is drawn open (asked for by ?open=, or by its htmx GET)."""
    return {key: {"open": key in opened, "url": urls.part(key), "page_url": urls.opened(key, anchor)}
            for key, (anchor, _template) in LISTS.items()}


class Part:
    """One form the page offers but draws only when open: bound (a refused post), or asked for."""

    def __init__(self, forms, action, obj=None, *, opened=()):
        self.forms, self.action, self.obj = forms, action, obj
        self.spec = PARTS[action]
        self.key = ACTIONS[action].form_key(obj)
        self.open = forms.is_bound(self.key) or self.key in opened

    @property
    def case(self):
        return self.forms.case

    @cached_property
    def form(self):
        return self.forms.get(self.action, self.obj)

    @property
    def dom_id(self):
        return "part-" + self.key.replace(":", "-")

    @property
    def post_url(self):
        extra = [self.obj.pk] if self.obj is not None and ACTIONS[self.action].lookup else []
        return reverse(f"cases:{self.action}", args=[self.case.reference, *extra])

    @property
    def url(self):
        return self.forms.urls.part(self.key)

    @property
    def page_url(self):
        return self.forms.urls.opened(self.key, self.dom_id)

    def _fill(self, text):
        owner = self.case.owner
        return text.format(client=self.case.client.name, owner=owner.get_full_name() or owner.username)

    @property
    def summary(self):
        return self._fill(self.spec.summary)

    @property
    def intro(self):
        return self._fill(self.spec.intro)


class Parts(dict):
    """The parts a page offers, by key; `add` returns the part (or None when not offered)."""

    def __init__(self, forms, opened):
        super().__init__()
        self.forms, self.opened = forms, opened

    def add(self, action, obj=None, *, offered=True):
        if not offered:
            return None
        part = Part(self.forms, action, obj, opened=self.opened)
        self[part.key] = part
        return part
