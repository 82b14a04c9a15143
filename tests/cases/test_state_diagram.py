from pathlib import Path

from cases.management.commands.state_diagram import mermaid

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_state_diagram_is_the_one_generated_from_the_fsm():
    assert mermaid() in README.read_text()


def test_generated_diagram_has_every_transition():
    diagram = mermaid()

    for name in ["complete_identify", "complete_acknowledge", "complete_recommit", "complete_gather",
                 "complete_plan", "complete_manage_anxiety", "complete_deliver", "loose_ends", "reopen",
                 "force_close"]:
        assert name in diagram
