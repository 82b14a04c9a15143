"""The case and its seven steps. `Case.step` is protected: only the transition methods below change
it, and only the services in cases/services/ call them (after locking the row and checking the
gate and the user's permission). Conditions read only this row, so listing the buttons a user may
press costs no query; the counters they read are recomputed by the services on every record write.
"""
import datetime as dt
import functools

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, FSMFieldMixin, transition

from ..permissions import FSM_PERMISSIONS
from ..text import clipped
from ..workflow import COMPLETE_TRANSITIONS, OPEN_STEPS, STALL_WATCH_STEPS, Transition  # noqa: F401
from .choices import TEMPERATURE_CHOICES, Channel, EscalationReason, Mood, Step
from .people import Client

T = Transition
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


_INTAKE_MOODS = frozenset(value for value, _label in TEMPERATURE_CHOICES)

# The escalation queue's heat tiers, hottest first (cases/supervisor_views/selectors.py says the order).
HEAT_IRATE, HEAT_BROKEN_PROMISE, HEAT_UPSET, HEAT_OTHER = 0, 1, 2, 3


def system_broken(prefix=""):
    """An escalation that makes its queued case hot: a broken promise the system raised. `prefix` reaches the
    escalation from the model queried ("escalations__" from Case). Case.queue_broken keeps it for the case's
    open ones (services.common.refresh_counters, the broken-promise sweep)."""
    return models.Q(**{f"{prefix}reason": EscalationReason.BROKEN_PROMISE, f"{prefix}raised_by_system": True})


def queue_heat(broken=None):
    """A queued case's heat tier, as SQL: irate (the temperature, or a rep's flag), else a broken promise
    the system escalated (`broken`: the Q saying so, by default the case's own `queue_broken`; per escalation,
    system_broken), else angry
    or upset, else the rest. Written once: the queue's index (Case.Meta) and its filtered views
    (per escalation, `broken` naming the escalation's fields) read the same tiers."""
    return models.Case(
        models.When(models.Q(flagged_irate=True) | models.Q(temperature=Mood.IRATE), then=models.Value(HEAT_IRATE)),
        models.When(models.Q(queue_broken=True) if broken is None else broken, then=models.Value(HEAT_BROKEN_PROMISE)),
        models.When(temperature__in=[Mood.ANGRY, Mood.UPSET], then=models.Value(HEAT_UPSET)),
        default=models.Value(HEAT_OTHER),
        output_field=models.IntegerField(),
    )


def _fsm(t, **extra):
    """django-fsm's decorator arguments for one declared transition (cases/workflow.py). A transition
    that may lead to several steps returns the one it takes (`Transition.target_for`); django-fsm's
    RETURN_VALUE refuses any step the declaration does not list."""
    target = RETURN_VALUE(*t.targets) if len(t.targets) > 1 else t.target
    return dict(source=list(t.sources), target=target, permission=FSM_PERMISSIONS[t.permission], **extra)


# --- Conditions: row-only, cheap, called whenever available transitions are listed. ---------------
def _in_words(parts):
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def identify_gaps(case):
    """The counters say whether a gap is there (no query); only when a concern is incomplete are the concerns
    read, to say which part each one lacks (found by an audit: the gate listed every part while the concern's
    card said only two were missing)."""
    gaps = []
    if case.concern_count < 1:
        gaps.append("Capture at least one concern: what is wrong, its impact, and how the client feels.")
    elif case.incomplete_concern_count:
        for number, concern in enumerate(case.concerns.all(), start=1):
            missing = concern.missing_parts()
            if missing:
                named = (f"“{clipped(concern.description.strip(), 60)}”" if concern.description.strip()
                         else f"Concern {number}")
                gaps.append(f"{named} still needs {_in_words(missing)}.")
    if not case.temperature:
        gaps.append("Record the client's emotional temperature.")
    return gaps


def acknowledge_gaps(case):
    if case.ack_count < 1:
        return ["Record how you acknowledged the concern, in your own words."]
    return []


def recommit_gaps(case):
    if case.recommit_count < 1:
        return ["Record the recommitment you made on behalf of the team."]
    return []


def gather_gaps(case):
    gaps = []
    if case.answered_fact_count < 1:
        gaps.append("Ask at least one clarifying question and record the client's answer.")
    if not (case.root_problem or "").strip():
        gaps.append("Write down the root problem the client agreed is the one to solve.")
    return gaps


def plan_gaps(case, now=None):
    now = now or timezone.now()
    gaps = []
    if case.open_item_count < 1:
        gaps.append("Add at least one action item with an owner and a due time.")
    if case.unassigned_item_count:
        gaps.append(f"Give every action item an owner ({case.unassigned_item_count} without one).")
    if case.undated_item_count:
        gaps.append(f"Give every action item a due time ({case.undated_item_count} without one).")
    if case.earliest_item_due_at and case.earliest_item_due_at <= now:
        gaps.append("Every action item must be due in the future: move the past due times.")
    if not (case.cadence_minutes and case.cadence_channel):
        gaps.append("Agree how often and how the client will hear from you (the update cadence).")
    if not (case.eta_earliest and case.eta_latest):
        gaps.append("Give the client an estimate as a range: earliest and latest.")
    elif case.eta_earliest > case.eta_latest:
        gaps.append("The earliest estimate must not be later than the latest.")
    return gaps


def manage_anxiety_gaps(case):
    if case.open_item_count:
        n = case.open_item_count
        return [f"{n} action item{'s are' if n > 1 else ' is'} still open: mark done or cancel with a reason."]
    return []


def deliver_gaps(case):
    """As identify_gaps: `delivery_ready` says whether a gap is there; only then is this stay's delivery read,
    to name the parts it still lacks."""
    if case.delivery_ready:
        return []
    delivery = case.delivery_this_stay()
    missing = delivery.missing_parts() if delivery is not None else []
    if delivery is None or "the client satisfied" in missing:
        from ..client_word import not_yet_refusal  # it reads the models

        not_yet = not_yet_refusal(case)
        if not_yet:  # the rep may not tick it over the client's own word: the way on is loose ends
            return [not_yet]
    if not missing:
        return ["Record the delivery: the fix verified with the client, the client satisfied, how "
                "recurrence will be prevented, and a follow-up date."]
    return [f"The delivery still needs {_in_words(missing)}."]


GAPS_BY_STEP = {
    Step.IDENTIFY: identify_gaps,
    Step.ACKNOWLEDGE: acknowledge_gaps,
    Step.RECOMMIT: recommit_gaps,
    Step.GATHER: gather_gaps,
    Step.PLAN: plan_gaps,
    Step.MANAGE_ANXIETY: manage_anxiety_gaps,
    Step.DELIVER: deliver_gaps,
}


def _no_gaps(fn):
    def condition(case):
        return not fn(case)

    condition.__name__ = f"no_{fn.__name__}"
    return condition


# The mood chip for a client whose email nobody has read yet (cases.templatetags.case_ui.mood_chip).
UNREAD_MOOD = "unread"


@functools.cache
def _fsm_fields(model):
    return tuple(field for field in model._meta.fields if isinstance(field, FSMFieldMixin))


class Case(ConcurrentTransitionMixin, models.Model):
    reference = models.CharField(max_length=20, unique=True, null=True, blank=True, editable=False)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="cases")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_cases")
    # A supervisor added while the client is irate; removed when the client calms down (never by deleting
    # the user: a user with history is deactivated, SECURITY.md; deleting them dropped the irate rule's
    # co-owner without a word on the timeline).
    co_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="co_owned_cases"
    )
    watchers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="watched_cases")
    summary = models.CharField(max_length=300)
    temperature = models.CharField(max_length=20, choices=Mood.choices, blank=True)
    intake_temperature = models.CharField(max_length=20, choices=TEMPERATURE_CHOICES, blank=True)
    flagged_irate = models.BooleanField(default=False)
    # When the flag last went up or down (services.irate.set_irate_flag): the mark a page's "Flag" or "Clear"
    # button carries (services.marks.irate_mark), so a page drawn before a change cannot undo it.
    irate_flag_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    step = FSMField(default=Step.IDENTIFY, choices=Step.choices, protected=True, db_index=True)

    root_problem = models.TextField(blank=True, max_length=4000)
    expected_resolution = models.TextField(blank=True, max_length=4000,
                                           help_text="What would make this right for the client.")

    eta_earliest = models.DateTimeField(null=True, blank=True)
    eta_latest = models.DateTimeField(null=True, blank=True)
    eta_given_at = models.DateTimeField(null=True, blank=True)

    cadence_minutes = models.PositiveIntegerField(null=True, blank=True)
    cadence_channel = models.CharField(max_length=20, choices=Channel.choices, blank=True)
    cadence_business_hours_only = models.BooleanField(default=False)
    cadence_set_at = models.DateTimeField(null=True, blank=True)

    # Counters kept by the services (cases/services/counters.py) so conditions read only this row.
    concern_count = models.PositiveIntegerField(default=0)
    incomplete_concern_count = models.PositiveIntegerField(default=0)
    ack_count = models.PositiveIntegerField(default=0)
    recommit_count = models.PositiveIntegerField(default=0)
    answered_fact_count = models.PositiveIntegerField(default=0)
    open_item_count = models.PositiveIntegerField(default=0)
    unassigned_item_count = models.PositiveIntegerField(default=0)
    undated_item_count = models.PositiveIntegerField(default=0)
    earliest_item_due_at = models.DateTimeField(null=True, blank=True)
    open_escalation_count = models.PositiveIntegerField(default=0)
    # The escalation queue's order, kept with open_escalation_count: when the oldest open (or taken)
    # escalation was raised, and whether one of them is a broken promise the system escalated.
    queue_since = models.DateTimeField(null=True, blank=True, editable=False)
    queue_broken = models.BooleanField(default=False, editable=False)
    next_promise_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    delivery_ready = models.BooleanField(default=False)

    # Client email (mailin): a case opened from an email nobody owns yet waits here until a rep claims
    # it (first hearer owns it; it belongs meanwhile to the mail intake user, cases.services.client_mail),
    # and when the client writes, their mood is unknown until whoever works the case has read it.
    awaiting_claim = models.BooleanField(default=False)
    client_wrote_at = models.DateTimeField(null=True, blank=True,
                                           help_text="Unread client email since: the client's mood is unknown.")
    opened_at = models.DateTimeField(default=timezone.now)

    @property
    def mood_now(self):
        """What every page shows as the client's mood: "unread" (unknown) while their email waits to be
        read, else the last recorded temperature."""
        return self.mood_shown(self.temperature, self.client_wrote_at)

    @staticmethod
    def mood_shown(temperature, client_wrote_at):
        """mood_now for a row read without its model (the client page's values)."""
        return UNREAD_MOOD if client_wrote_at else temperature

    def take_temperature(self, mood):
        """Record the client's mood now (every service that learns it comes here); the fields changed,
        for save(update_fields=...). The mood at intake is the first one recorded in identify: set when
        a case opened by phone is logged, and for a case opened from email (nobody heard the client yet)
        by whichever mood is recorded first there, by hand or by reading their email. Never later: a mood
        chosen at delivery cannot become the intake mood."""
        self.temperature = mood
        if self.intake_temperature or mood not in _INTAKE_MOODS or self.step != Step.IDENTIFY:
            return ["temperature"]
        self.intake_temperature = mood
        return ["temperature", "intake_temperature"]
    step_entered_at = models.DateTimeField(default=timezone.now)
    # Where the stalled-case sweep counts this stay's time from: step_entered_at, except after a reopen into
    # the step a supervisor's override closed the case from, where the time the case had already sat in it
    # carries on (reopen: an override and a quick reopen would otherwise restart the clock of a stalling case).
    stall_clock_from = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True, help_text="When the case reached deliver.")
    resolved_at = models.DateTimeField(null=True, blank=True)
    reopened_count = models.PositiveIntegerField(default=0)
    closed_by_override = models.BooleanField(default=False)
    # The step a supervisor's override closed the case from: the steps after it show as skipped.
    closed_from_step = models.CharField(max_length=20, choices=Step.choices, blank=True)
    # Set once by the stalled-case sweep; cleared when the case moves to another step.
    stalled_flagged_at = models.DateTimeField(null=True, blank=True)
    # The client's status link (cases/status_links.py): a link opens the case only while it carries the
    # current version; cases.services.status_links bumps it to revoke every link issued so far.
    status_link_version = models.PositiveIntegerField(default=0, editable=False)
    status_link_issued_at = models.DateTimeField(null=True, blank=True, editable=False,
                                                 help_text="When the link the client holds now was issued.")
    # The link live when the case closed may show only that it is resolved, until this time.
    status_link_final_version = models.PositiveIntegerField(null=True, blank=True, editable=False)
    status_link_final_until = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # What search reads, accent-stripped and lower-cased, written only by cases/search.py (through
    # services.common.refresh_counters and client_update). On PostgreSQL migration 0006 indexes them:
    # GIN on to_tsvector('simple', search_text) and a pg_trgm GIN on search_names.
    search_text = models.TextField(blank=True, default="", editable=False)
    search_names = models.TextField(blank=True, default="", editable=False)

    class Meta:
        ordering = ["-opened_at"]
        permissions = [
            ("work_any_case", "Can work any case (supervisor)"),
            ("override_gate", "Can close a case whose gate is not met"),
            ("reassign_case", "Can reassign a case directly"),
            ("work_escalations", "Can take and resolve escalations"),
        ]
        indexes = [
            models.Index(fields=["owner", "step"]),
            # The team page's cases opened in a window (cases/metrics/dashboard.py).
            models.Index(fields=["opened_at"], include=["owner"], name="case_opened_window"),
            models.Index(
                fields=["stall_clock_from"],
                name="case_stall_candidates",
                condition=models.Q(step__in=[s.value for s in STALL_WATCH_STEPS])
                & models.Q(stalled_flagged_at__isnull=True),
            ),
            models.Index(fields=["opened_at"], name="case_awaiting_claim", condition=models.Q(awaiting_claim=True)),
            # The team page's cases still in each step, by owner, and since when (cases/metrics/stays.py): index-only.
            models.Index(fields=["step", "owner"], include=["step_entered_at", "id"], name="case_in_step_now",
                         condition=models.Q(step__in=[s.value for s in OPEN_STEPS])),
            # Lists (migration 0009): All cases' default order over the open cases, read in index order;
            # the cases with an open escalation, with what their heat reads (the filtered queue, which
            # groups the escalations it matches).
            models.Index(fields=["next_promise_due_at", "-opened_at", "-id"], name="case_open_due_order",
                         condition=models.Q(step__in=[s.value for s in OPEN_STEPS])),
            models.Index(fields=["id"], include=["temperature", "flagged_irate"], name="case_escalated",
                         condition=models.Q(open_escalation_count__gt=0)),
            # The escalation queue as it opens, in its order, read from this index alone (migration 0034):
            # the columns its heat reads are included so that the scan never visits the table.
            models.Index(queue_heat(), models.F("queue_since"), models.F("id"), name="case_queue_order",
                         include=["temperature", "flagged_irate", "queue_broken"],
                         condition=models.Q(open_escalation_count__gt=0)),
        ]
        constraints = [
            models.CheckConstraint(
                name="case_eta_range_ordered",
                condition=models.Q(eta_earliest__isnull=True)
                | models.Q(eta_latest__isnull=True)
                | models.Q(eta_earliest__lte=models.F("eta_latest")),
            ),
        ]

    def __str__(self):
        return f"{self.reference or 'new case'}: {self.summary}"

    # --- derived ---------------------------------------------------------------------------------
    @property
    def state_fields(self):
        """The FSM fields, for django-fsm-2's ConcurrentTransitionMixin, which looks them up among every
        field of the model for each instance made (dozens on a list page): found once per model."""
        return _fsm_fields(type(self))

    @property
    def step_enum(self):
        return Step(self.step)

    @property
    def is_open(self):
        return self.step in OPEN_STEPS

    @property
    def stay_mark(self):
        """This stay in the step: its name and the microsecond the case entered it. A page posts it back
        (step_shown) so that a move drawn in an earlier stay of the same step is refused
        (services.transitions.ensure_stay_shown)."""
        entered = (self.step_entered_at - _EPOCH) // dt.timedelta(microseconds=1)
        return f"{self.step}@{entered}"

    @property
    def closed_how(self):
        """How a closed case was closed, in words: "resolved", or "closed by a supervisor" (an override)."""
        return "closed by a supervisor" if self.closed_by_override else "resolved"

    @property
    def is_irate(self):
        return self.flagged_irate or self.temperature == Mood.IRATE

    def delivery_this_stay(self):
        """The delivery record of this stay in `deliver` (a case back from loose ends starts a new one), or None."""
        return self.deliveries.filter(created_at__gte=self.step_entered_at).order_by("-created_at").first()

    def gate_gaps(self):
        """What is missing before the case may leave its current step, in a rep's words."""
        fn = GAPS_BY_STEP.get(Step(self.step))
        return fn(self) if fn else []

    # --- transitions: set only this row's columns ------------------------------------------------
    def _enter(self):
        self.step_entered_at = self.stall_clock_from = timezone.now()
        self.stalled_flagged_at = None

    @transition(step, **_fsm(T.COMPLETE_IDENTIFY, conditions=[_no_gaps(identify_gaps)]))
    def complete_identify(self):
        self._enter()

    @transition(step, **_fsm(T.COMPLETE_ACKNOWLEDGE, conditions=[_no_gaps(acknowledge_gaps)]))
    def complete_acknowledge(self):
        self._enter()

    @transition(step, **_fsm(T.COMPLETE_RECOMMIT, conditions=[_no_gaps(recommit_gaps)]))
    def complete_recommit(self):
        self._enter()

    @transition(step, **_fsm(T.COMPLETE_GATHER, conditions=[_no_gaps(gather_gaps)]))
    def complete_gather(self):
        self._enter()

    @transition(step, **_fsm(T.COMPLETE_PLAN, conditions=[_no_gaps(plan_gaps)]))
    def complete_plan(self):
        self._enter()

    @transition(step, **_fsm(T.COMPLETE_MANAGE_ANXIETY, conditions=[_no_gaps(manage_anxiety_gaps)]))
    def complete_manage_anxiety(self):
        self._enter()
        self.delivered_at = timezone.now()

    @transition(step, **_fsm(T.COMPLETE_DELIVER, conditions=[_no_gaps(deliver_gaps)]))
    def complete_deliver(self):
        self._enter()
        self.resolved_at = timezone.now()

    @transition(step, **_fsm(T.LOOSE_ENDS))
    def loose_ends(self, reason):
        self._enter()
        self.delivery_ready = False

    @transition(step, **_fsm(T.REOPEN))
    def reopen(self, reason):
        """Back to plan, or to the step before plan a supervisor's override closed the case from."""
        target = T.REOPEN.target_for(self)
        # Back in the step the override closed it from: the stall clock resumes where the override paused it
        # (force_close), so the time it sat there before counts; while closed, it does not.
        sat = self.resolved_at - self.stall_clock_from if target == self.closed_from_step else dt.timedelta(0)
        self._enter()
        self.stall_clock_from -= sat
        self.delivery_ready = False
        self.resolved_at = None
        self.delivered_at = None
        self.reopened_count += 1
        # Open again: how it was last closed no longer describes it (the override stays on the timeline
        # and in the team's numbers, which count the force_close event).
        self.closed_by_override = False
        self.closed_from_step = ""
        return target

    @transition(step, **_fsm(T.FORCE_CLOSE))
    def force_close(self, reason):
        self.closed_from_step = self.step
        # The stall clock pauses (reopen resumes it), unless this stay was already flagged as stalled: that
        # stall is escalated and counted, and a reopen starts a clock of its own.
        paused = self.stall_clock_from if self.stalled_flagged_at is None else None
        self._enter()
        self.stall_clock_from = paused or self.step_entered_at
        self.resolved_at = timezone.now()
        self.closed_by_override = True
