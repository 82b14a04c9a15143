"""All cases, for supervisors: every case of the team, filtered and sorted. A page costs three queries
whatever the number of cases: the capped count and the page's ids read the filtered cases alone, and
the page's rows (the client, the owner, the next promise's kind and the overdue mark) are read by id,
one statement written once per process (cases.frozen): the row's subqueries are neither compiled on
each request nor carried into the count.

Default scope: the open cases; a step, "Resolved", "All" or a resolved window widens it.
Default order: the next promise due first (cases with no pending promise last), then the newest."""
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .frozen import FrozenRead
from .models import OPEN_STEPS, Case, Step
from .paging import order_by, ordered_as
from .selectors import REP_GROUP, SUPERVISOR_GROUP
from .selectors_ui import LIST_ROW_FIELDS, _overdue_q as overdue_q, list_rows

OPEN, ALL = "", "all"  # the scope choices besides one step
# Each sort: its label, and its terms (cases.paging): (field, descending, nullable), the id last.
_NEWEST = (("opened_at", True, False), ("id", True, False))
SORTS = {
    "due": ("Next promise due", (("next_promise_due_at", False, True), *_NEWEST)),
    "newest": ("Newest first", _NEWEST),
    "oldest": ("Oldest first", (("opened_at", False, False), ("id", False, False))),
    "resolved": ("Recently resolved", (("resolved_at", True, True), *_NEWEST)),
    "reference": ("Reference", (("reference", False, True), ("id", False, False))),
}
DEFAULT_SORT = "due"
# What a row (and a line of the download) shows: a list row's fields and the stalled and override marks;
# nothing else is read (every column read is a value decoded for each of a page's rows).
ROW_FIELDS = (*LIST_ROW_FIELDS, "stalled_flagged_at", "closed_by_override")


def all_cases(*, step=OPEN, owner_id=None, temperature="", overdue=False, escalated=False, stalled=False,
              opened_from=None, opened_until=None, resolved_from=None, resolved_until=None, sort=DEFAULT_SORT,
              now=None):
    """The filtered cases, sorted (the bare cases: a page's rows come from page_rows, the download's from
    for_download). Windows are half-open [from, until) aware datetimes; any may be None."""
    now = now or timezone.now()
    qs = Case.objects.all()
    resolved_window = resolved_from is not None or resolved_until is not None
    if step == ALL:
        pass
    elif step in Step.values:
        qs = qs.filter(step=step)
    elif not resolved_window:
        qs = qs.filter(step__in=OPEN_STEPS)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if temperature:
        qs = qs.filter(temperature=temperature)
    if overdue:
        qs = qs.filter(overdue_q(now))
    if escalated:
        qs = qs.filter(open_escalation_count__gt=0)
    if stalled:
        qs = qs.filter(stalled_flagged_at__isnull=False)
    qs = qs.filter(_window("opened_at", opened_from, opened_until))
    qs = qs.filter(_window("resolved_at", resolved_from, resolved_until))
    return qs.order_by(*order_by(sort_terms(sort)))


_PAGE_ROWS = FrozenRead(lambda ids, now: list_rows(None, now).only(*ROW_FIELDS).filter(pk__any=ids))


def page_rows(ids, now):
    """A page's cases by id, in the order of `ids`, with what a row shows."""
    ids = list(ids)
    return ordered_as(_PAGE_ROWS(frozenset(ids), now), ids)


def for_download(cases):
    """The filtered cases with what a line of the download shows."""
    return cases.select_related("client", "owner").only(*LIST_ROW_FIELDS)


def sort_terms(sort):
    return SORTS.get(sort, SORTS[DEFAULT_SORT])[1]


def _case_owners():
    User = get_user_model()
    team = Q(is_active=True, groups__name__in=[REP_GROUP, SUPERVISOR_GROUP])
    owns = Exists(Case.objects.filter(owner=OuterRef("pk")))
    return User.objects.filter(team | owns).distinct().order_by("first_name", "last_name", "username")


_CASE_OWNERS = FrozenRead(_case_owners)  # no values: Django took ~3 ms to compile it on every page


def case_owners():
    """Whom the owner filter offers: active reps and supervisors, and anyone who owns a case (a rep who
    has left still owns their old cases); one query, written once per process (cases.frozen)."""
    return _CASE_OWNERS()


def _window(field, since, until):
    q = Q()
    if since is not None:
        q &= Q(**{f"{field}__gte": since})
    if until is not None:
        q &= Q(**{f"{field}__lt": until})
    return q


def csv_rows(cases, tz):
    """The download's rows in the viewer's zone (`tz` is passed in: the stream is read after the view has
    returned and the request's zone is no longer active). Reads the rows in chunks."""
    def stamp(value):
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else ""

    for case in cases.iterator(chunk_size=500):
        yield (case.reference, case.client.name, case.client.organisation,
               case.owner.get_full_name() or case.owner.username, case.get_step_display(),
               case.get_temperature_display(), stamp(case.opened_at), stamp(case.resolved_at),
               stamp(case.next_promise_due_at), case.open_escalation_count)


def csv_header(tz_name):
    return ("Reference", "Client", "Organisation", "Owner", "Step", "Temperature", f"Opened ({tz_name})",
            f"Resolved ({tz_name})", f"Next promise due ({tz_name})", "Open escalations")
