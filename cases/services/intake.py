"""Opening a case and the records of step 1 (identify): clients, concerns, the temperature."""
from django.db import transaction

from ..errors import CaseRuleError
from ..models import Case, Client, Concern, Mood
from .common import display_name, ensure_can_work, event_record, lock_case, refresh_counters, require_text
from .irate import apply_irate_rule


def client_create(*, user, name, organisation="", email="", phone="", time_zone="UTC",
                  quiet_hours_start=None, quiet_hours_end=None):
    if not user.has_perm("cases.add_client"):
        raise CaseRuleError("Only reps and supervisors can add a client.")
    name = require_text(name, field="name", message="Give the client's name.")
    if (quiet_hours_start is None) != (quiet_hours_end is None):
        raise CaseRuleError("Quiet hours need both a start and an end.", field="quiet_hours_end")
    client = Client(name=name, organisation=organisation.strip(), email=email.strip(), phone=phone.strip(),
                    time_zone=time_zone or "UTC", quiet_hours_start=quiet_hours_start,
                    quiet_hours_end=quiet_hours_end)
    try:
        client.full_clean()
    except Exception as exc:  # ValidationError: surface the first message against its field
        field, messages = next(iter(exc.message_dict.items()))
        raise CaseRuleError(messages[0], field=field) from exc
    client.save()
    return client


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
