"""What the team-number tests (test_metrics_*.py) share: a fixed NOW and a T0 ten days before it, the
clock frozen at a moment, the dashboard and a rep's row on it, and cases taken through the services to
a known step at a known time (planned, identified, delivered, arrived at Deliver)."""
import datetime as dt

import time_machine

from cases import metrics, services
from cases.models import Step
from tests.cases.helpers import advance_to, open_case, plan_ready

NOW = dt.datetime(2025, 6, 30, 12, 0, tzinfo=dt.UTC)
T0 = NOW - dt.timedelta(days=10)
H = dt.timedelta(hours=1)


def at(moment):
    return time_machine.travel(moment, tick=False)


def board(days=30):
    return metrics.team_dashboard(days=days, now=NOW)


def row(dashboard, user):
    return next(r.measures for r in dashboard.reps if r.user == user)


def next_step(case, user):
    order = list(Step)
    return advance_to(case, order[order.index(Step(case.step)) + 1], user)


def case_in_plan(owner, client, when):
    with at(when):
        case = advance_to(open_case(owner, client), Step.PLAN, owner)
        return plan_ready(case, owner)


def deliver(case, user, *, mood="", follow_up_on=None):
    """Record the delivery (with the client's mood) and resolve through the gate."""
    services.delivery_record(user=user, case=case, verified_with_client=True, client_satisfied=True,
                             prevention_note="Rollback tested before every upgrade", client_mood=mood,
                             follow_up_on=follow_up_on or dt.date.today() + dt.timedelta(days=7))
    case.refresh_from_db()
    return services.case_transition(user=user, case=case, name="complete_deliver")


def open_and_identify(owner, client, *, opened, identified):
    with at(opened):
        case = open_case(owner, client)
    with at(identified):
        return next_step(case, owner)


def reach_deliver(case, user, when):
    with at(when):
        for item in case.action_items.filter(status="open"):
            services.action_item_complete(user=user, item=item)
        case.refresh_from_db()
        return services.case_transition(user=user, case=case, name="complete_manage_anxiety")


def planned_and_agreed(owner, client, when):
    case = case_in_plan(owner, client, when)  # estimate: between +1h and +5h
    with at(when):
        return services.case_transition(user=owner, case=case, name="complete_plan")


def held_alone_as_expected(parts):
    """[(part id, its `alone`, what it should be)] of HeldStay rows `parts` whose flag is wrong: a part is
    alone when no other part of its stay has the same owner (counted here, apart from the code's rule)."""
    from collections import Counter

    rows = list(parts.values_list("pk", "case_id", "entered_at", "step", "owner_id", "alone"))
    per_owner = Counter(row[1:5] for row in rows)
    return [(row[0], row[5], per_owner[row[1:5]] == 1) for row in rows if row[5] != (per_owner[row[1:5]] == 1)]


# The team page's collectors run PostgreSQL statements, or the portable path `make run` takes on SQLite:
# tests of a figure run both (here both on PostgreSQL).
PATHS = ("postgresql", "portable")


def on_path(path, monkeypatch):
    """The PostgreSQL statements, or the portable path (`path` one of PATHS)."""
    if path == "portable":
        from cases.metrics import bounded, escalations, outcomes, stays

        for module in (bounded, stays, outcomes, escalations):
            monkeypatch.setattr(module, "on_postgresql", lambda: False)
