"""The recipe as content plus the phrase coach. Imports nothing from `cases` (and no models at all),
so it is safe to import from anywhere, including app loading."""
from .coach import CoachContext, CoachWarning, WarningCode, check_text, check_text_as_dicts
from .content import (
    AvoidPhrase,
    DeescalationMove,
    DeescalationScript,
    StepGuidance,
    all_guidance,
    deescalation_script,
    guidance_for,
    has_guidance,
)

__all__ = [
    "AvoidPhrase",
    "CoachContext",
    "CoachWarning",
    "DeescalationMove",
    "DeescalationScript",
    "StepGuidance",
    "WarningCode",
    "all_guidance",
    "check_text",
    "check_text_as_dicts",
    "deescalation_script",
    "guidance_for",
    "has_guidance",
]
