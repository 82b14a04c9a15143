"""The system's periodic work, one function per sweep: `sweep_x(now=None) -> int` handles one
bounded batch (SWEEP_BATCH_SIZE) of due rows and returns how many it acted on. Beat runs each every
minute (notifications/tasks.py); `manage.py run_sweeps` runs them all once. The sweeps are listed in
notifications/registry.py; see base.py for the locking and idempotency rules every sweep follows.

`SWEEPS` maps each sweep's name to its function, in the registry's order (notices before delivery,
so one run also sends what it queued); each function is also importable from here by its name."""
from django.utils.module_loading import import_string

from .. import registry

SWEEPS = {s.name: import_string(s.function) for s in registry.SWEEPS}
globals().update({fn.__name__: fn for fn in SWEEPS.values()})

__all__ = ["SWEEPS", *(fn.__name__ for fn in SWEEPS.values())]
