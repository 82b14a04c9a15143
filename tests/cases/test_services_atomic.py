"""Every service that locks a case runs in one transaction of its own: PostgreSQL refuses a row lock
outside a transaction, and a web request is not one (no ATOMIC_REQUESTS). The rest of the suite runs
each test inside a transaction, which hides a missing one; these tests do not."""
import ast
from pathlib import Path

import pytest

from cases.models import PromiseKind, PromiseStatus, Step
from tests.cases.helpers import advance_to, open_case
from tests.cases.ledger_web_support import follow_up_call_on_its_day, pending

SERVICES = Path(__file__).resolve().parents[2] / "cases" / "services"
LOCKS = ("lock_case(", "lock_case_nowait(", "select_for_update(")
# The lock helpers themselves: each says its caller holds the transaction.
HELPERS = {"lock_case", "lock_case_nowait"}


def _unguarded(path):
    """Public functions of `path` that take a row lock (themselves or through a private helper of the
    module) with no transaction.atomic of their own."""
    functions = {node.name: node for node in ast.parse(path.read_text()).body if isinstance(node, ast.FunctionDef)}
    source = {name: ast.unparse(node) for name, node in functions.items()}
    locking = {name for name, body in source.items() if any(lock in body for lock in LOCKS)}
    while True:  # a helper that calls a locking helper locks too
        more = {name for name, body in source.items() if name not in locking
                and any(f"{helper}(" in body for helper in locking if helper.startswith("_"))}
        if not more:
            break
        locking |= more
    for name in sorted(locking):
        node = functions[name]
        atomic = any("atomic" in ast.unparse(d) for d in node.decorator_list) or "transaction.atomic(" in source[name]
        if not name.startswith("_") and name not in HELPERS and not atomic:
            yield f"{path.name}: {name}"


def test_every_public_service_that_locks_a_row_opens_its_own_transaction():
    assert [f for path in sorted(SERVICES.glob("*.py")) for f in _unguarded(path)] == []


@pytest.mark.django_db(transaction=True)
def test_the_follow_up_call_is_logged_through_the_page_outside_any_test_transaction(client, rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.RESOLVED, rep)
    promise = pending(case, PromiseKind.FOLLOW_UP)
    client.force_login(rep)

    response = follow_up_call_on_its_day(client, case)

    promise.refresh_from_db()
    assert response.status_code == 302
    assert promise.status == PromiseStatus.KEPT
    assert case.deliveries.get().follow_up_logged_at is not None
