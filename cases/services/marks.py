"""What a form was drawn for: a mark of the record as the page showed it (the form's hidden `*_shown` field),
and why a form drawn for a record that changed since must not act on it now ("" when it may). One mark per
record kind, written here and read by the forms and the services (found by an audit of late clicks: forms
drawn before a teammate's change and posted after it put back a renegotiated deadline, settled a reworded
item's new promise, or erased a concern's critical date). A post without a mark (None) is not checked."""
import datetime as dt
import hashlib

from django.utils import timezone

from ..formatting import local_time
from ..models import ItemKind
from ..text import clipped, normalise

CONCERN_PARTS = ("description", "impact", "impact_deadline", "feeling")


# --- Action items ---------------------------------------------------------------------------------
def item_mark(item):
    """An item as a page shows it (its kind, its due time to the second, its words): the hidden `item_shown` of
    the forms drawn for it (the "Mark done" button's through templatetags.case_page.item_shown_field). Written
    out, not digested: an edit refused draws an untouched part again from it (item_shown_part)."""
    due = int(item.due_at.timestamp()) if item.due_at else 0
    return f"{item.kind}|{due}|{item.description}"


def _marked(item_shown):
    """{kind, due_at (whole seconds), description} of a mark (item_mark) as a browser sends it back (line breaks
    as CR LF), or None when it is not one."""
    kind, _, rest = item_shown.replace("\r\n", "\n").replace("\r", "\n").partition("|")
    due, bar, description = rest.partition("|")
    if not bar or not due.isdigit():
        return None
    return {"kind": kind, "due_at": int(due), "description": description}


def _item_now(item):
    return {"kind": item.kind, "due_at": int(item.due_at.timestamp()) if item.due_at else 0,
            "description": item.description}


def _due_words(item):
    if not item.due_at:
        return "no due time"
    return local_time(item.due_at, timezone.get_current_timezone(), now=timezone.now())


def item_changed_since(item, item_shown, part=None, sent=None):
    """Why a form drawn when the item read as `item_shown` (item_mark) must not act on it now, or "": it was
    reworded, given another kind or another due time since (renegotiated with the client, say). With no
    `part` (Done, Cancel) any such change refuses: the click would settle a promise its sender never saw.
    With a `part` ("description", "kind", "due_at") and the value an edit `sent` for it, only a part that
    changed since and that the edit would set to something else than it is now: a time left as the old page
    showed it would be read as a new one and move the deadline back (found by an audit). None: no mark was
    drawn (as assignee_changed_since), nothing to check; the form is drawn again marking the item as it is now."""
    shown, now = _marked(item_shown) if item_shown is not None else None, _item_now(item)
    if item_shown is None or shown == now:
        return ""
    if part is None:
        return (f"Since this page was opened the item changed: it now reads “{clipped(item.description, 120)}” "
                f"({ItemKind(item.kind).label.lower()}, {_due_words(item)}). Nothing was saved: check it, then "
                "send again.")
    if shown is not None and shown[part] == now[part]:
        return ""
    if part == "due_at":
        if sent == item.due_at:
            return ""
        return f"Since this page was opened the due time moved to {_due_words(item)}: check it, then send again."
    if part == "kind":
        if sent == item.kind:
            return ""
        return (f"Since this page was opened the item became {ItemKind(item.kind).label.lower()}: check the kind, "
                "then send again.")
    if normalise(sent or "") == item.description:
        return ""
    return (f"Since this page was opened the item was reworded: “{clipped(item.description, 120)}”. Check what will be "
            "done against it, then send again.")


def item_shown_part(item_shown, part):
    """What the item's `part` was when the page was drawn (item_mark; the due time an aware datetime), or None
    when the mark is missing or not one: the form draws an untouched part again as it is now."""
    shown = _marked(item_shown) if item_shown is not None else None
    if shown is None:
        return None
    if part == "due_at":
        return dt.datetime.fromtimestamp(shown["due_at"], tz=dt.timezone.utc) if shown["due_at"] else None
    return shown[part]


# --- Concerns -------------------------------------------------------------------------------------
def concern_mark(concern):
    """A concern as a page shows it (its four parts), in a few characters: the concern form's hidden
    `concern_shown`."""
    text = "\x1f".join("" if v is None else v.isoformat() if hasattr(v, "isoformat") else str(v)
                       for v in (getattr(concern, part) for part in CONCERN_PARTS))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def concern_changed_since(concern, concern_shown):
    """Why a concern edit drawn when the concern was `concern_shown` (concern_mark) must not be saved, or "": a
    teammate edited it since, and the old form would put back every part they changed (found by an audit: a
    critical date recorded by the co-owner erased by the rep's rewording of the feeling). None: no mark was
    drawn, nothing to check."""
    if concern_shown is None or concern_shown == concern_mark(concern):
        return ""
    critical = (local_time(concern.impact_deadline, timezone.get_current_timezone(), now=timezone.now())
                if concern.impact_deadline else "no date")
    return (f"Since this page was opened the concern was edited. It now reads: “{clipped(concern.description, 80)}”; "
            f"impact “{clipped(concern.impact, 80)}”, critical by {critical}; the client feels "
            f"“{clipped(concern.feeling, 80)}”. Nothing was saved: check each part against it, then send again.")


# --- The irate flag -------------------------------------------------------------------------------
def irate_mark(case):
    """The rep's irate flag as a page shows it: up or down, and when it last changed (to the microsecond; empty
    when it never has): the hidden `irate_shown` of its "Flag as irate" / "Clear the flag" form."""
    changed = case.irate_flag_changed_at
    return f"{int(case.flagged_irate)}|{changed.astimezone(dt.timezone.utc).isoformat() if changed else ''}"


def irate_changed_since(case, irate_shown):
    """Why a Flag or Clear drawn when the flag read `irate_shown` (irate_mark) must not act now, or "": the flag
    went up or down since (a supervisor cleared it, a teammate raised it again), and the old page's button would
    undo what they did without anyone seeing it. None: no mark was drawn, nothing to check."""
    if irate_shown is None or irate_shown == irate_mark(case):
        return ""
    now = "flagged irate" if case.flagged_irate else "not flagged irate"
    return (f"Since this page was opened the irate flag was changed: the client is now {now}. Nothing was "
            "changed: look at how the client feels now, then send again if you still mean it.")
