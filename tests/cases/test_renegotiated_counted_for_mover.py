"""The renegotiated share counts a move for the rep who moved the promise (Promise.moved_by), not for the
rep holding it then. Found by an audit: an owner gave an item to a teammate, moved its deadline with the
client, and took it back; the move sat on the teammate's share and the owner's read 0%."""
import datetime as dt
from importlib import import_module

import pytest
from django.apps import apps as django_apps

from cases import services
from cases.models import Promise, PromiseKind, PromiseStatus
from tests.cases.metrics_support import T0, at, board, case_in_plan, row

pytestmark = pytest.mark.django_db
MIN = dt.timedelta(minutes=1)


def _edit(user, item, **changes):
    fields = {"description": item.description, "kind": item.kind, "assignee": item.assignee, "due_at": item.due_at,
              **changes}
    services.action_item_update(user=user, item=item, **fields)
    item.refresh_from_db()
    return item


def _moved_while_a_teammate_held_it(alex, fran, dennis):
    case = case_in_plan(alex, dennis, T0)
    item = case.action_items.get()
    with at(T0 + 10 * MIN):
        item = _edit(alex, item, assignee=fran)
        item = _edit(alex, item, due_at=item.due_at + dt.timedelta(days=2), agreed_channel="phone",
                     agreed_text="The client said Thursday morning suits them better")
        _edit(alex, item, assignee=alex)
    return case


def test_a_move_made_while_a_teammate_held_the_item_counts_for_the_rep_who_made_it(rep, other_rep, dennis):
    alex, fran = rep, other_rep
    case = _moved_while_a_teammate_held_it(alex, fran, dennis)
    moved = case.promises.get(kind=PromiseKind.ACTION_ITEM, status=PromiseStatus.RENEGOTIATED)

    dashboard = board()

    assert (moved.owner, moved.moved_by) == (fran, alex)  # the history still says who held it
    assert (row(dashboard, alex).renegotiated, row(dashboard, fran).renegotiated) == (1, 0)
    assert dashboard.team.renegotiated == 1


def test_the_migration_names_the_mover_of_a_promise_moved_before_it_from_the_timeline(rep, other_rep, dennis):
    alex, fran = rep, other_rep
    case = _moved_while_a_teammate_held_it(alex, fran, dennis)
    Promise.objects.filter(case=case).update(moved_by=None)
    assert (row(board(), alex).renegotiated, row(board(), fran).renegotiated) == (0, 1)  # as before the rule

    import_module("cases.migrations.0044_promise_moved_by").moved_by_from_the_timeline(django_apps, None)

    assert case.promises.get(status=PromiseStatus.RENEGOTIATED).moved_by == alex
    assert (row(board(), alex).renegotiated, row(board(), fran).renegotiated) == (1, 0)
