"""The domain's enumerations live in cases/choices.py (importable without the models, so the workflow
declaration can read them); the models re-export them from here."""
from ..choices import *  # noqa: F401,F403
from ..choices import __all__  # noqa: F401
