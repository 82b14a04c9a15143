"""A sweep's cost grows with the rows that are due, not with the open cases: the number of queries a
sweep runs is the same with 10 or 250 open cases that have nothing due (see also `make bench`)."""
import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from benchmarks.seed import seed_due, seed_not_due
from notifications import registry, sweeps
from tests.factories import ClientFactory
from tests.notifications.conftest import at

NOW = dt.datetime(2026, 3, 3, 11, 0, tzinfo=dt.timezone.utc)  # a Tuesday, inside business hours
DUE = 3


def _queries_of_one_run(name):
    """Run the sweep inside a savepoint that is rolled back, so it can be measured again."""
    with at(NOW), CaptureQueriesContext(connection) as ctx:
        with transaction.atomic():
            done = sweeps.SWEEPS[name](NOW)
            transaction.set_rollback(True)
    return done, len(ctx.captured_queries)


# The client mailbox sweep reads an IMAP folder, not due rows: tests/mailin/test_imap.py runs it against a
# real dovecot; here it is checked to cost nothing while no mailbox is configured.
ROW_SWEEPS = [s.name for s in registry.SWEEPS if s.due_rows]


@pytest.mark.django_db
def test_the_client_mailbox_sweep_costs_nothing_while_no_mailbox_is_configured(settings):
    settings.MAILIN_IMAP_HOST = ""
    with at(NOW), CaptureQueriesContext(connection) as ctx:
        done = sweeps.SWEEPS["client_mailbox"](NOW)

    assert done == 0 and ctx.captured_queries == []


@pytest.mark.django_db
@pytest.mark.parametrize("name", ROW_SWEEPS)
def test_a_sweeps_queries_do_not_depend_on_how_many_rows_are_not_due(name, rep, supervisor):
    client = ClientFactory(time_zone="UTC")
    seed_due(DUE, now=NOW, owner=rep, client=client)
    seed_not_due(10, now=NOW, owner=rep, client=client)
    few_done, few = _queries_of_one_run(name)

    seed_not_due(250, now=NOW, owner=rep, client=client)
    many_done, many = _queries_of_one_run(name)

    assert few_done == many_done == DUE
    assert few == many
