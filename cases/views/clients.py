"""The client page, and the client's history shown at intake when a rep picks an existing client.

The client page's repeated parts (its case rows, broken promises and the list of moods; the mood trend
is the case page's, cases/templatetags/case_records.py) are written here in Python, as
cases/templatetags/case_rows.py writes the long lists' rows: the markup the template loops they replaced
printed (the rows up to the whitespace between tags, the moods word for word;
tests/cases/test_client_page_queries.py renders both), every value that is not already safe markup
escaped by `_e`. A busy client's page is some hundred such items: through the template engine they were
most of its time."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from ..models import Case, PromiseKind, Step
from ..permissions import may_own_cases
from ..selectors_clients import client_history as client_history_query, client_page
from ..templatetags.case_rows import _e, _safe, case_url, due, mood, stamp
from ..templatetags.case_records import mood_trend
from ..templatetags.case_ui import promise_label


@login_required
@require_safe
def client_detail(request, pk):
    """`?open=N` and `?past=N` page the client's open and past cases."""
    context = client_page(request.user, pk, open_page=request.GET.get("open"), past_page=request.GET.get("past"))
    write = _Writer(context["client"])
    context.update(
        open_rows=_join(write.open_row(row) for row in context["open_page"].cases),
        past_rows=_join(write.past_row(row) for row in context["past_page"].cases),
        broken_rows=_join(write.broken_row(p) for p in context["promises"].broken_promises),
        mood_trend=mood_trend(context["moods"], 560, 72),
        mood_items=_join(write.mood_item(point) for point in context["moods"]),
    )
    return render(request, "cases/client_detail.html", context)


@login_required
@require_safe
def client_history(request, pk=None):
    """The intake form's history panel: `/clients/<pk>/history/`, or `/clients/history/?client=<pk>`
    (what the client select sends with htmx on change, with what was typed in the finder: `client_q`).
    Nothing picked, an unknown client or one the picker would not offer: an empty panel, so a stale
    history never stays on screen."""
    if not may_own_cases(request.user):
        raise PermissionDenied("Only reps and supervisors can log a case.")
    history = client_history_query(request.user, pk if pk is not None else request.GET.get("client"),
                                   request.GET.get("client_q", "").strip())
    return render(request, "cases/_client_history.html", {"history": history})


# --- the page's repeated parts ---------------------------------------------------------------------
_STEP_LABELS = dict(Step.choices)
_KIND_LABELS = dict(PromiseKind.choices)


def _person(row):
    """`owner|person` for a row carrying owner__first_name, owner__last_name and owner__username."""
    return f"{row['owner__first_name']} {row['owner__last_name']}".strip() or row["owner__username"]


def _mood_now(row):
    """Case.mood_now for a row."""
    return Case.mood_shown(row["temperature"], row["client_wrote_at"])


def _case_link(reference):
    return f'<a class="ref" href="{_e(case_url("cases:case_detail", reference))}">{_e(reference)}</a>'


class _Writer:
    """The repeated parts of one page, for one client, at one time now."""

    def __init__(self, client, now=None):
        self.client, self.now = client, now or timezone.now()

    def open_row(self, row):
        escalated = ' <span class="chip chip--warn">Escalated</span>' if row["open_escalation_count"] else ""
        if row["next_promise_due_at"]:
            promise = (f'<span class="muted">{_e(promise_label(row["next_promise_kind"], self.client))}</span> '
                       f'{due(row["next_promise_due_at"], self.client, self.now)}')
        else:
            promise = '<span class="muted">none pending</span>'
        return (f'\n<tr>\n<td>{_case_link(row["reference"])}</td>\n<td>{_e(row["summary"])}</td>\n'
                f'<td>{_e(_STEP_LABELS.get(row["step"], row["step"]))}</td>\n<td>{_e(_person(row))}</td>\n'
                f'<td>{stamp(row["opened_at"], clock=False)}</td>\n<td>{mood(_mood_now(row))}{escalated}</td>\n'
                f'<td>{promise}</td>\n</tr>')

    def past_row(self, row):
        override = ' <span class="chip">supervisor override</span>' if row["closed_by_override"] else ""
        return (f'\n<tr>\n<td>{_case_link(row["reference"])}</td>\n<td>{_e(row["summary"])}</td>\n'
                f'<td>{_e(_person(row))}</td>\n<td>{stamp(row["opened_at"], clock=False)}</td>\n'
                f'<td>{stamp(row["resolved_at"], clock=False) or "—"}{override}</td>\n'
                f'<td>{mood(_mood_now(row))}</td>\n</tr>')

    def broken_row(self, p):
        late = stamp(p["kept_at"]) if p["kept_at"] else '<span class="muted">not made good</span>'
        kind = _e(_KIND_LABELS.get(p["kind"], p["kind"]))
        return (f'\n<tr>\n<td>{_e(p["source"])} <span class="muted">({kind})</span></td>\n'
                f'<td>{stamp(p["due_at"])}</td>\n<td>{_case_link(p["case__reference"])}</td>\n'
                f'<td>{_e(_person(p))}</td>\n<td>{late}</td>\n</tr>')

    def mood_item(self, point):
        at, m, label = point
        return (f'<li>{stamp(at)} · <span class="chip mood mood--{_e(m.value)}">{_e(m.label)}</span> '
                f'<span class="muted">{_e(label)}</span></li>')


def _join(parts):
    """The parts, each built from literal tags and `_e`-escaped values only (case_rows._safe)."""
    return _safe("".join(parts))
