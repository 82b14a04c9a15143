"""The send slots of a sweep's batch (notifications.coalesce.Slots) are read from the partial index
outbox_coalesce however many pairs the batch names: PostgreSQL proves a partial index's condition from
an IN list of at most 100 values, so a query that leaves the condition to that proof scans the whole
outbox (every email ever sent) once per batch as soon as a batch names more pairs."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.coalesce import Slots


@pytest.mark.django_db
@pytest.mark.parametrize("pairs", [3, 250])
def test_the_slots_of_a_batch_are_read_from_the_coalescing_index(pairs):
    keys = [f"{case_id}:rep-{case_id % 20}@example.com" for case_id in range(1, pairs + 1)]

    with CaptureQueriesContext(connection) as queries:
        Slots(keys, timezone.now())

    (read,) = queries.captured_queries
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + read["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "outbox_coalesce" in plan and "Seq Scan" not in plan, plan
