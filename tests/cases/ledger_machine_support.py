"""What the ledger state machine (test_ledger_properties.py) draws from and checks against: the texts,
people, channels, times and clocks its rules pick from, the step changes the workflow declares, the gate
texts that must have substance, and the wrapper that lets a rule be refused."""
import datetime as dt

from hypothesis import strategies as st

from cases.errors import CaseRuleError
from cases.models import (
    Acknowledgement, Case, Channel, Concern, Delivery, Fact, Promise, Recommitment, StatusUpdate, Step,
)
from cases.workflow import ORDER, Transition

GOOD = [
    "The client agreed to the new time on the phone",
    "Restore the mail server from last night's backup",
    "We will call you back before noon with news",
    "Orders are flowing again, the shop is back online",
    "Upgrades now run with a tested rollback plan",
    "Dennis said that works for him",
]
JUNK = ["", "ok", "x", ".", "ok ok", "\u200b", "fine\u200bby\u200bme", "  \n ", "a b", "ok\u200b ok\u200b"]
# Good texts twice as often as junk, so that records get written and the case moves on.
TEXTS = st.one_of(st.sampled_from(GOOD), st.sampled_from(GOOD), st.sampled_from(JUNK),
                  st.text(alphabet="ab .\u200b\n", max_size=12))
WHO = st.sampled_from(["rep", "rep", "rep", "teammate", "other", "supervisor"])
CHANNELS = st.sampled_from(["", Channel.PHONE, Channel.EMAIL, "fax"])
AGREEMENTS = st.one_of(st.just((Channel.PHONE, GOOD[5])), st.tuples(CHANNELS, TEXTS))
MINUTES_AHEAD = st.one_of(st.integers(-90, 600),
                          st.sampled_from([1440, 6 * 1440, 8 * 1440, 29 * 1440, 31 * 1440, 91 * 1440, 4 * 365 * 1440]))
CLOCK_STEPS = st.one_of(st.integers(1, 120), st.integers(2, 48).map(lambda h: h * 60),
                        st.integers(1, 10).map(lambda d: d * 1440))
STARTS = [
    dt.datetime(2031, 3, 3, 9, 30, tzinfo=dt.timezone.utc),  # a Monday morning
    dt.datetime(2031, 3, 7, 16, 45, tzinfo=dt.timezone.utc),  # a Friday afternoon
    dt.datetime(2031, 3, 8, 23, 10, tzinfo=dt.timezone.utc),  # a Saturday night
    dt.datetime(2031, 10, 25, 22, 30, tzinfo=dt.timezone.utc),  # the night clocks go back in Europe
]
ZONES = ["Europe/London", "America/Los_Angeles", "Asia/Tokyo", "Pacific/Kiritimati", "UTC"]
QUIET = [None, (dt.time(22), dt.time(7)), (dt.time(12), dt.time(13)), (dt.time(8), dt.time(18))]
START_STEPS = [Step.IDENTIFY, Step.GATHER, Step.PLAN, Step.PLAN, Step.MANAGE_ANXIETY, Step.MANAGE_ANXIETY,
               Step.MANAGE_ANXIETY, Step.DELIVER, Step.DELIVER, Step.RESOLVED]

# Every step change the workflow declares: (from, to) -> the transitions that make it.
DECLARED_MOVES = {}
for _t in Transition:
    for _source in _t.sources:
        for _target in _t.targets:
            DECLARED_MOVES.setdefault((_source.value, _target.value), set()).add(_t.method)
NEXT = {ORDER[i].value: ORDER[i + 1].value for i in range(len(ORDER) - 1)}
GATE_TEXTS = [
    (Acknowledgement, "text"), (Recommitment, "text"), (StatusUpdate, "summary"), (Fact, "question"), (Fact, "answer"),
    (Concern, "description"), (Concern, "impact"), (Delivery, "prevention_note"), (Delivery, "follow_up_note"),
    (Case, "root_problem"), (Promise, "agreed_text"),
]


def refused_is_fine(fn):
    """A rule body: a refusal is a fine outcome."""
    def wrapper(*args, **kwargs):
        try:
            fn(*args, **kwargs)
        except CaseRuleError:
            pass
    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper
