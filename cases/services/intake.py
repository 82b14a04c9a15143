"""Opening a case and the records of step 1 (identify): clients (created, and edited later), concerns,
the temperature."""
import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..errors import CaseRuleError
from ..models import OPEN_STEPS, Case, Client, Concern, Mood, Promise, PromiseKind, PromiseStatus
from ..schedule import next_allowed_for_client
from .common import display_name, ensure_can_work, event_record, lock_case, refresh_counters, require_text
from .irate import apply_irate_rule
from .promises import promise_replace


def client_create(*, user, name, organisation="", email="", phone="", time_zone="UTC",
                  quiet_hours_start=None, quiet_hours_end=None):
    if not user.has_perm("cases.add_client"):
        raise CaseRuleError("Only reps and supervisors can add a client.")
    client = Client()
    _client_fill(client, name=name, organisation=organisation, email=email, phone=phone,
                 time_zone=time_zone or "UTC", quiet_hours_start=quiet_hours_start,
                 quiet_hours_end=quiet_hours_end)
    client.save()
    return client


CLIENT_FIELDS = ("name", "organisation", "email", "phone", "time_zone", "quiet_hours_start", "quiet_hours_end")
SCHEDULE_FIELDS = ("time_zone", "quiet_hours_start", "quiet_hours_end")  # what promise deadlines depend on


def _client_fill(client, *, name, organisation, email, phone, time_zone, quiet_hours_start, quiet_hours_end):
    """Set and check a client's details (the same rules at intake and on edit); nothing is saved."""
    client.name = require_text(name, field="name", message="Give the client's name.")
    if (quiet_hours_start is None) != (quiet_hours_end is None):
        raise CaseRuleError("Quiet hours need both a start and an end.", field="quiet_hours_end")
    client.organisation, client.email = (organisation or "").strip(), (email or "").strip()
    client.phone, client.time_zone = (phone or "").strip(), (time_zone or "").strip()
    client.quiet_hours_start, client.quiet_hours_end = quiet_hours_start, quiet_hours_end
    try:
        client.full_clean()
    except ValidationError as exc:  # surface the first message against its field
        field, messages = next(iter(exc.message_dict.items()))
        raise CaseRuleError(messages[0], field=field) from exc


def _shown(value):
    return value.strftime("%H:%M") if isinstance(value, dt.time) else value


@transaction.atomic
def client_update(*, user, client, name, organisation, email, phone, time_zone, quiet_hours_start,
                  quiet_hours_end, case=None):
    """A rep learns later that the client is in another zone or must not be called after 9pm. Only
    someone who may work a case of this client may edit (`case`: the case it is edited from). Pending
    status-update promises of the client's open cases that now fall due inside the quiet hours (or
    outside business hours, for such a cadence) are re-placed at the next allowed time."""
    # The client row first: two edits of one client queue here, then each case (then its promise)
    # is locked in turn, as every other service does.
    client = Client.objects.select_for_update(no_key=True).get(pk=client.pk)
    if case is not None:
        case = lock_case(case)
        ensure_can_work(user, case)
        if case.client_id != client.pk:
            raise CaseRuleError(f"{case.reference} is not a case of {client.name}.")
    elif not _works_for_client(user, client):
        raise CaseRuleError(f"Only someone working a case of {client.name} may change their details.")
    before = {f: getattr(client, f) for f in CLIENT_FIELDS}
    _client_fill(client, name=name, organisation=organisation, email=email, phone=phone, time_zone=time_zone,
                 quiet_hours_start=quiet_hours_start, quiet_hours_end=quiet_hours_end)
    changed = [f for f in CLIENT_FIELDS if getattr(client, f) != before[f]]
    if not changed:
        return client
    client.save(update_fields=changed)
    moved = _replace_update_promises(client, actor=user) if set(changed) & set(SCHEDULE_FIELDS) else []
    data = {"changed": {f: [_shown(before[f]), _shown(getattr(client, f))] for f in changed}, "moved": moved}
    note = "Changed: " + ", ".join(f.replace("_", " ") for f in changed) + "."
    if moved:
        note += f" {len(moved)} pending update deadline(s) moved to when the client may be reached."
    cases = [case] if case is not None else client.cases.filter(step__in=OPEN_STEPS)
    for c in cases:
        event_record(case=c, actor=user, verb="client details updated", note=note, data=data)
    return client


def _works_for_client(user, client):
    if user.has_perm("cases.work_any_case"):
        return True
    return client.cases.filter(Q(owner=user) | Q(co_owner=user)).exists()


def _replace_update_promises(client, *, actor):
    """Re-place each pending status-update promise of the client's open cases that the new settings
    no longer allow; overdue ones are left to the broken-promise sweep. Returns the old promises' pks."""
    now = timezone.now()
    candidates = (Promise.objects.filter(case__client=client, case__step__in=OPEN_STEPS, due_at__gt=now,
                                         kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING)
                  .select_related("case").order_by("case_id", "id"))
    moved = []
    for candidate in candidates:
        allowed = next_allowed_for_client(candidate.due_at, client,
                                          business_hours_only=candidate.case.cadence_business_hours_only)
        if allowed == candidate.due_at:
            continue
        case = lock_case(candidate.case)
        promise = Promise.objects.select_for_update().get(pk=candidate.pk)
        if promise.status != PromiseStatus.PENDING or promise.due_at <= now:
            continue
        promise.case = case
        new_due_at = next_allowed_for_client(promise.due_at, client,
                                             business_hours_only=case.cadence_business_hours_only)
        if new_due_at == promise.due_at:
            continue
        promise_replace(promise=promise, new_due_at=new_due_at, actor=actor, note="Client's quiet hours changed")
        refresh_counters(case)
        moved.append(promise.pk)
    return moved


def _concern_fields(description, impact, feeling):
    return (description or "").strip(), (impact or "").strip(), (feeling or "").strip()


@transaction.atomic
def case_open(*, user, client, summary, temperature, concern=None):
    """The rep who logs a complaint owns it. `concern` is an optional dict with description, impact,
    impact_deadline and feeling for the first concern."""
    if not user.has_perm("cases.add_case"):
        raise CaseRuleError("Only reps and supervisors can log a case.")
    summary = require_text(summary, field="summary", message="Say in a line what the complaint is about.")
    if temperature not in Mood.values:
        raise CaseRuleError("Record how the client feels right now (calm to irate).", field="temperature")
    case = Case.objects.create(client=client, owner=user, summary=summary, temperature=temperature,
                               intake_temperature=temperature)
    case.reference = f"C-{case.pk:06d}"
    case.save(update_fields=["reference"])
    event_record(case=case, actor=user, verb="opened", to_step=case.step,
                 note=f"Logged by {display_name(user)}; client is {Mood(temperature).label.lower()}.")
    if concern and any((concern.get(k) or "").strip() for k in ("description", "impact", "feeling")):
        _concern_create(user=user, case=case, **concern)
    apply_irate_rule(case=case, actor=user)
    refresh_counters(case)
    return case


def _concern_create(*, user, case, description="", impact="", impact_deadline=None, feeling=""):
    description, impact, feeling = _concern_fields(description, impact, feeling)
    if not (description or impact or feeling):
        raise CaseRuleError("Describe the concern before saving it.", field="description")
    concern = Concern.objects.create(case=case, description=description, impact=impact,
                                     impact_deadline=impact_deadline, feeling=feeling, created_by=user)
    missing = concern.missing_parts()
    event_record(case=case, actor=user, verb="concern added", note=description,
                 data={"missing": missing} if missing else {})
    return concern


@transaction.atomic
def concern_add(*, user, case, description="", impact="", impact_deadline=None, feeling=""):
    """A concern may be captured in any step (one may surface in `gather`); incomplete ones are kept
    and the identify gate says what each still needs."""
    case = lock_case(case)
    ensure_can_work(user, case)
    concern = _concern_create(user=user, case=case, description=description, impact=impact,
                              impact_deadline=impact_deadline, feeling=feeling)
    refresh_counters(case)
    return concern


@transaction.atomic
def concern_update(*, user, concern, description, impact, impact_deadline=None, feeling):
    case = lock_case(concern.case)
    ensure_can_work(user, case)
    concern.description, concern.impact, concern.feeling = _concern_fields(description, impact, feeling)
    if not (concern.description or concern.impact or concern.feeling):
        raise CaseRuleError("A concern cannot be emptied; describe it.", field="description")
    concern.impact_deadline = impact_deadline
    concern.save(update_fields=["description", "impact", "feeling", "impact_deadline"])
    event_record(case=case, actor=user, verb="concern edited", note=concern.description)
    refresh_counters(case)
    return concern


@transaction.atomic
def case_set_temperature(*, user, case, temperature, note=""):
    case = lock_case(case)
    ensure_can_work(user, case)
    if temperature not in Mood.values:
        raise CaseRuleError("Choose how the client feels.", field="temperature")
    old = case.temperature
    case.temperature = temperature
    case.save(update_fields=["temperature", "updated_at"])
    event_record(case=case, actor=user, verb="temperature recorded", note=note,
                 data={"from": old, "to": temperature})
    apply_irate_rule(case=case, actor=user)
    return case


@transaction.atomic
def case_flag_irate(*, user, case, flagged, note=""):
    """A rep may flag a client as irate whatever the recorded temperature says."""
    case = lock_case(case)
    ensure_can_work(user, case)
    case.flagged_irate = bool(flagged)
    case.save(update_fields=["flagged_irate", "updated_at"])
    event_record(case=case, actor=user, verb="flagged irate" if flagged else "irate flag cleared", note=note)
    apply_irate_rule(case=case, actor=user)
    return case


@transaction.atomic
def case_intake(*, user, summary, temperature, client=None, new_client=None, concern=None):
    """The intake form in one action: an existing client, or a new one created with the case (both
    or neither), then the case with its first concern."""
    if client is None:
        if not new_client:
            raise CaseRuleError("Pick the client or enter a new one.", field="client")
        client = client_create(user=user, **new_client)
    return case_open(user=user, client=client, summary=summary, temperature=temperature, concern=concern)
