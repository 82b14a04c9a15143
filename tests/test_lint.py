"""`make lint` inside the suite: CI runs only `make test`, so a ruff or bandit finding fails it here.
Both tools read their configuration (and every accepted exception, with its reason) from
pyproject.toml; the test runs exactly what the Makefile's `lint` target runs."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

COMMANDS = {
    "ruff": [str(BIN / "ruff"), "check", "--no-fix", "--output-format=concise", "."],
    "bandit": [str(BIN / "bandit"), "-q", "-c", "pyproject.toml", "-r", ".", "-f", "custom",
               "--msg-template", "{relpath}:{line}: {test_id} [{severity}/{confidence}] {msg}"],
}


@pytest.mark.parametrize("tool", sorted(COMMANDS))
def test_the_code_passes_the_linter(tool):
    result = subprocess.run(COMMANDS[tool], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)

    assert result.returncode == 0, f"`make lint` ({tool}) found problems:\n{result.stdout}{result.stderr}"


def test_the_makefile_lint_target_runs_the_same_tools():
    makefile = (ROOT / "Makefile").read_text()
    target = makefile.split("\nlint:", 1)[1].split("\n\n", 1)[0]

    assert "ruff check ." in target and "bandit" in target and "-c pyproject.toml" in target
