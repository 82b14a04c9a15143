"""Imports between the apps point one way: notifications -> cases, never back (lazy imports inside
functions included). cases sends its notices through a port (cases.notices) that the notifications
app plugs its outbox into at start-up."""
import ast
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

ROOT = Path(__file__).resolve().parent.parent
IMPORTERS = {"import_module", "__import__", "import_string"}


def imported_modules(path):
    """Every module a file imports, wherever the import sits (module level, inside a function or a
    class, under `if TYPE_CHECKING`), plus string literals handed to import_module/import_string."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                yield node.module
                yield from (f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in IMPORTERS and node.args and isinstance(node.args[0], ast.Constant):
                if isinstance(node.args[0].value, str):
                    yield node.args[0].value


def imports_of(app, other):
    return sorted(
        f"{path.relative_to(ROOT)} imports {module}"
        for path in (ROOT / app).rglob("*.py")
        for module in set(imported_modules(path))
        if module == other or module.startswith(other + ".")
    )


def test_cases_never_imports_notifications():
    assert imports_of("cases", "notifications") == []


def test_the_check_sees_an_import_hidden_inside_a_function(tmp_path):
    source = tmp_path / "lazy.py"
    source.write_text("def f():\n    from notifications.outbox import outbox_enqueue\n    return outbox_enqueue\n"
                      "def g():\n    import notifications.tasks\n"
                      "def h():\n    return importlib.import_module('notifications.sweeps')\n")

    found = set(imported_modules(source))

    assert {"notifications.outbox", "notifications.tasks", "notifications.sweeps"} <= found


def test_notifications_may_import_cases():
    """The allowed direction: the sweeps call the cases services."""
    assert imports_of("notifications", "cases")


def test_the_notifications_app_plugs_the_outbox_into_the_cases_notice_port():
    from cases import notices
    from notifications.outbox import outbox_enqueue

    assert notices._sender is outbox_enqueue


def test_a_notice_with_no_sender_connected_is_refused_loudly(monkeypatch):
    from cases import notices

    monkeypatch.setattr(notices, "_sender", None)

    with pytest.raises(ImproperlyConfigured, match="notifications app"):
        notices.notify(key="k", kind="escalation_raised", to=["sam@example.com"], context={})


def test_notify_hands_every_argument_to_the_connected_sender(monkeypatch):
    from cases import notices

    calls = []
    monkeypatch.setattr(notices, "_sender", lambda **kw: calls.append(kw) or "queued")

    result = notices.notify(key="k:1", kind="item_assigned", to=["alex@example.com"], context={"a": 1}, case=None)

    assert result == "queued"
    assert calls == [{"key": "k:1", "kind": "item_assigned", "to": ["alex@example.com"], "context": {"a": 1},
                      "case": None}]
