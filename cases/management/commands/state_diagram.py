"""Print the case state machine as a Mermaid diagram, generated from the FSM itself. The README's
diagram is this output (tests/cases/test_state_diagram.py keeps them equal)."""
from django.core.management.base import BaseCommand

from cases.models import Case
from cases.workflow import Transition


def mermaid():
    field = Case._meta.get_field("step")
    lines = ["stateDiagram-v2", "    [*] --> identify"]
    edges = []
    for transition in field.get_all_transitions(Case):
        if transition.name == Transition.FORCE_CLOSE.method:
            continue  # from every open step; shown once below
        # A transition with several targets (django-fsm's RETURN_VALUE: reopen) draws one edge to each.
        for target in getattr(transition.target, "allowed_states", None) or [transition.target]:
            edges.append(f"    {transition.source} --> {target}: {transition.name}")
    lines += sorted(set(edges), key=lambda e: (_order(e.split()[0]), _order(e.split()[2].rstrip(":")), e))
    lines.append("    note right of resolved: force_close (supervisor, with a reason) from any open step")
    return "\n".join(lines)


def _order(step):
    from cases.models import Step

    return list(Step).index(Step(step))


class Command(BaseCommand):
    help = "Print the case steps as a Mermaid state diagram."

    def handle(self, *args, **options):
        self.stdout.write(mermaid())
