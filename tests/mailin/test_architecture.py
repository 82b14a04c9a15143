"""mailin sits on top of cases: it calls the cases services and reads through cases' selectors and
permissions; cases knows nothing of it (nor of notifications)."""
from tests.test_architecture import imports_of


def test_cases_never_imports_mailin():
    assert imports_of("cases", "mailin") == []


def test_mailin_never_imports_notifications():
    """Notices go through the cases.notices port, like every other notice of the cases app."""
    assert imports_of("mailin", "notifications") == []
