"""Opening a case and the records of step 1 (identify): clients (created, and edited later), concerns,
the temperature."""
import datetime as dt
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from ..errors import CaseRuleError
from ..formatting import case_path
from ..models import (
    OPEN_STEPS, Case, Client, Concern, Mood, PromiseKind, PromiseStatus,
)
from ..notices import notify
from ..permissions import (
    can_edit_client_contact, can_edit_client_schedule, may_add_clients, may_own_cases,
)
from ..search import search_refresh
from ..selectors import is_team_address
from ..text import LINE, clean_text, is_copy, limit_of, normalise, require_substance
from ..workflow import Record, ensure_allows, policy
from .common import (
    Change, assign_reference, display_name, ensure_can_work, event_record, lock_case, lock_client, opening_moments,
    refresh_counters, require_text, what_changed,
)
from .client_identity import ensure_email_not_on_file, ensure_new_client_not_on_file
from .client_details import CLIENT_FIELDS, ensure_details_as_shown, mail_to_old_address_taken_back
from .client_messages import client_messages_rehold
from .client_schedule import (
    count_thinner_rhythms, ensure_time_left, promises_moved_by_schedule, rhythm_agreement, updates_up_to_date,
)
from .client_word import survey_answers_set_aside
from .delivery import SCHEDULE_CHANGED, surveys_owed_send
from .intake_again import ensure_not_logged_just_now, hold_typed_client
from .irate import apply_irate_rule
from .marks import CONCERN_PARTS, concern_changed_since
from .steps import ensure_notes_stay_own


def client_create(*, user, name, organisation="", email="", phone="", time_zone="UTC",
                  quiet_hours_start=None, quiet_hours_end=None, shares_phone=False):
    """A new client, unless they are already on file (client_identity: `shares_phone`, the rep's word that
    the caller is another person on a number on file)."""
    if not may_add_clients(user):
        raise CaseRuleError("Only reps and supervisors can add a client.")
    client = Client()
    _client_fill(client, name=name, organisation=organisation, email=email, phone=phone,
                 time_zone=time_zone or "UTC", quiet_hours_start=quiet_hours_start,
                 quiet_hours_end=quiet_hours_end)
    ensure_new_client_not_on_file(client, shares_phone=shares_phone)
    client.save()
    return client


SCHEDULE_FIELDS = ("time_zone", "quiet_hours_start", "quiet_hours_end")  # what promise deadlines depend on


def _client_fill(client, *, name, organisation, email, phone, time_zone, quiet_hours_start, quiet_hours_end):
    """Set and check a client's details (the same rules at intake and on edit); nothing is saved."""
    client.name = require_text(name, field="name", message="Give the client's name.", limit=limit_of(Client, "name"))
    if (quiet_hours_start is None) != (quiet_hours_end is None):
        raise CaseRuleError("Quiet hours need both a start and an end.", field="quiet_hours_end")
    if quiet_hours_start is not None and quiet_hours_start == quiet_hours_end:  # would mean none at all
        raise CaseRuleError("Quiet hours end at another time than they start; leave both empty for none.",
                            field="quiet_hours_end")
    client.organisation, client.email, client.phone, client.time_zone = (
        clean_text(value, field=f, limit=limit_of(Client, f))
        for f, value in (("organisation", organisation), ("email", email), ("phone", phone), ("time_zone", time_zone))
    )
    client.quiet_hours_start, client.quiet_hours_end = quiet_hours_start, quiet_hours_end
    try:
        client.full_clean()
    except ValidationError as exc:  # surface the first message against its field
        field, messages = next(iter(exc.message_dict.items()))
        raise CaseRuleError(messages[0], field=field) from exc
    if is_team_address(client.email):
        raise CaseRuleError("That is the address of someone on the team: record the client's own address "
                            "(or none).", field="email")


def _shown(value):
    return value.strftime("%H:%M") if isinstance(value, dt.time) else value


@transaction.atomic
def client_update(*, user, client, name, organisation, email, phone, time_zone, quiet_hours_start,
                  quiet_hours_end, case=None, agreed_channel="", agreed_text="", details_shown=None):
    """A rep learns later that the client is in another zone or must not be called after 9pm. Clients are
    shared between cases: contact details may be changed by anyone working one of the client's cases, the
    time zone and quiet hours (they move deadlines) only by a supervisor or a rep who owns every open case
    of the client (cases.permissions). `case` is the case it is edited from; its step must allow the change
    (on a closed case, contact details only). Pending status-update promises of the client's open cases that
    now fall due inside the quiet hours (or outside business hours, for such a cadence) are moved to the next
    allowed time: that moves a promise the client holds, so, like any renegotiation, it needs the client's
    recorded agreement (`agreed_channel`, `agreed_text`) and counts as a move; otherwise a rep could push a
    deadline out with quiet hours alone. The change is recorded on each open case of the client, each whose
    follow-up call is still to come (with the settings before it: delivery.schedules_held) and the case it
    was edited from; their other owners are told. A new email address takes back what still waits to leave
    for the old one (client_details.mail_to_old_address_taken_back). A form drawn before another's change
    of the details (`details_shown`: client_details.details_digest as drawn) is refused by name."""
    # Lock order: the client row, then all its cases by pk (no other service locks a client row), before any read:
    # a promise opened on the old settings is then in the scan below (an audit found one left inside new ones).
    client = Client.objects.select_for_update(no_key=True).get(pk=client.pk)
    list(Case.objects.select_for_update().filter(client=client).order_by("pk").values_list("pk", flat=True))
    if case is not None:
        case = lock_case(case)
        ensure_can_work(user, case)
        if case.client_id != client.pk:
            raise CaseRuleError(f"{case.reference} is not a case of {client.name}.")
    ensure_details_as_shown(client, details_shown)
    before = {f: getattr(client, f) for f in CLIENT_FIELDS}
    _client_fill(client, name=name, organisation=organisation, email=email, phone=phone, time_zone=time_zone,
                 quiet_hours_start=quiet_hours_start, quiet_hours_end=quiet_hours_end)
    changed = [f for f in CLIENT_FIELDS if getattr(client, f) != before[f]]
    if not changed:
        return client
    if "email" in changed:
        ensure_email_not_on_file(client)
    _ensure_may_change(user, client, case=case, changed=changed, name=before["name"])
    agreement = None
    if {"quiet_hours_start", "quiet_hours_end"} & set(changed):
        ensure_time_left(client)
        agreement = rhythm_agreement(client, before, agreed_channel=agreed_channel, agreed_text=agreed_text)
    if set(changed) & set(SCHEDULE_FIELDS):
        updates_up_to_date(client)
    client.save(update_fields=changed)
    if "email" in changed:  # first: an owed survey then queued for the new address is not taken back
        # Ratings before the revokes: one that counts again (its address is the client's again) is not asked again.
        survey_answers_set_aside(client=client, actor=user, old=before["email"])
        mail_to_old_address_taken_back(client, old=before["email"], actor=user)
    if "email" in changed and (client.email or "").strip():
        surveys_owed_send(user=user, client=client)
    moved = (promises_moved_by_schedule(client, actor=user, agreed_channel=agreed_channel, agreed_text=agreed_text,
                                         old_tz=zoneinfo.ZoneInfo(before["time_zone"]))
             if set(changed) & set(SCHEDULE_FIELDS) else {})
    if agreement is not None:  # wider quiet hours thin every later slot of each rhythm: counted once
        count_thinner_rhythms(client, actor=user, agreement=agreement, moved=moved)
    if set(changed) & set(SCHEDULE_FIELDS):
        client_messages_rehold(client, user)  # an email already waiting waits for the new quiet hours' end too
    search_refresh(client.cases.all())  # every case of the client is found by its new name, email, phone
    changes = _changes(before, client, changed)
    summary = "; ".join(f"{label} {old} → {new}" for label, old, new in changes)
    owed = Q(promises__kind=PromiseKind.FOLLOW_UP, promises__status=PromiseStatus.PENDING)  # still worked on
    cases = list(client.cases.filter(Q(step__in=OPEN_STEPS) | owed).distinct().select_related("owner").order_by("pk"))
    if case is not None and case not in cases:
        cases.append(case)
    events = {}
    for c in cases:
        note = f"{display_name(user)} changed the client's details: {summary}."
        if agreement is not None:
            note += f" {agreement.describe()}."
        if moved.get(c.pk):
            note += f" {len(moved[c.pk])} pending deadline(s) moved to when the client may be reached."
        data = {"changed": {f: [_shown(before[f]), _shown(getattr(client, f))] for f in changed},
                "moved": moved.get(c.pk, [])}
        if set(changed) & set(SCHEDULE_FIELDS):
            data["schedule_before"] = {f: None if before[f] is None else str(before[f]) for f in SCHEDULE_FIELDS}
        events[c.pk] = event_record(case=c, actor=user, verb=SCHEDULE_CHANGED, note=note, data=data)
    _tell_other_owners(client, cases, events, actor=user, changes=changes, moved=moved)
    return client


def _ensure_may_change(user, client, *, case, changed, name):
    """Refuse, on the first changed field, a change this user may not make (from this case's step);
    `name` is the client's name before the edit."""
    schedule = [f for f in changed if f in SCHEDULE_FIELDS]
    contact = [f for f in changed if f not in SCHEDULE_FIELDS]
    field = "time_zone" if "time_zone" in schedule else "quiet_hours_start"
    if case is not None:
        ensure_allows(case, Record.CLIENT_CONTACT)
        if schedule:
            try:
                ensure_allows(case, Record.CLIENT_SCHEDULE)
            except CaseRuleError as exc:
                raise CaseRuleError(exc.message, field=field) from exc
    if contact and not can_edit_client_contact(user, client):
        raise CaseRuleError(f"Only someone working a case of {name} may change their contact details (a supervisor, "
                            "or the owner of one still open or owing its follow-up call).", field=contact[0])
    if schedule and not can_edit_client_schedule(user, client):
        raise CaseRuleError(
            f"Only a supervisor, or a rep who owns every open case of {name} (and every case whose follow-up "
            "call is still to come), can change their time zone or quiet hours: they move the deadlines of all "
            "those cases. Ask a supervisor.", field=field)


def _quiet(start, end):
    return f"{_shown(start)}–{_shown(end)}" if start is not None and end is not None else "none"


def _changes(before, client, changed):
    """What changed, as (label, old, new) in a rep's words; the quiet hours as one window."""
    changes = []
    for f in changed:
        if f in ("quiet_hours_start", "quiet_hours_end"):
            continue
        changes.append((f.replace("_", " "), before[f] or "none", getattr(client, f) or "none"))
    if {"quiet_hours_start", "quiet_hours_end"} & set(changed):
        changes.append(("quiet hours", _quiet(before["quiet_hours_start"], before["quiet_hours_end"]),
                        _quiet(client.quiet_hours_start, client.quiet_hours_end)))
    return changes


def _tell_other_owners(client, cases, events, *, actor, changes, moved):
    """One email to each owner of those cases but the editor, naming their cases."""
    by_owner = {}
    for c in cases:
        if c.owner_id != actor.pk and c.owner.is_active and c.owner.email:
            by_owner.setdefault(c.owner, []).append(c)
    for owner, theirs in by_owner.items():
        links = [{"case_ref": c.reference, "case_path": case_path(c)} for c in theirs]
        context = {"client": client.name, "by": display_name(actor), "cases": links,
                   "changes": [{"label": label, "old": str(old), "new": str(new)} for label, old, new in changes],
                   "moved": sum(len(moved.get(c.pk, [])) for c in theirs)}
        if len(theirs) == 1:
            context.update(links[0])
        notify(key=f"client-details-changed:{events[theirs[0].pk].pk}:{owner.pk}", kind="client_details_changed",
               to=[owner.email], context=context, case=theirs[0])


def _concern_fields(description, impact, feeling):
    """A concern may be saved incomplete, but each part given must say something (see cases.text)."""
    description, impact = normalise(description), normalise(impact)
    if description:
        description = require_substance(description, field="description", limit=limit_of(Concern, "description"),
                                        message="Describe what is wrong in the client's words.")
    if impact:
        impact = require_substance(impact, field="impact", limit=limit_of(Concern, "impact"),
                                   message="Say how this affects the client's life or business.")
    if description and impact and is_copy(impact, [description]):
        raise CaseRuleError("That is the description again. Say how this affects the client's life or business.",
                            field="impact")
    return description, impact, clean_text(feeling, field="feeling", limit=limit_of(Concern, "feeling"))


@transaction.atomic
def case_open(*, user, client, summary, temperature, concern=None):
    """The rep who logs a complaint owns it. `concern` is an optional dict with description, impact,
    impact_deadline and feeling for the first concern."""
    if not may_own_cases(user):
        raise CaseRuleError("Only reps and supervisors can log a case.")
    summary = require_text(summary, field="summary", message="Say in a line what the complaint is about.",
                           limit=limit_of(Case, "summary"))
    if temperature not in Mood.values:
        raise CaseRuleError("Record how the client feels right now (calm to irate).", field="temperature")
    lock_client(client)
    case = Case.objects.create(client=client, owner=user, summary=summary, temperature=temperature,
                               intake_temperature=temperature, **opening_moments())
    assign_reference(case)
    event_record(case=case, actor=user, verb="opened", to_step=case.step, at=case.opened_at,
                 note=f"Logged by {display_name(user)}; client is {Mood(temperature).label.lower()}.")
    # A typed "critical by" alone is a concern begun: refused without its description, not dropped.
    if concern and (any(normalise(concern.get(k)) for k in ("description", "impact", "feeling"))
                    or concern.get("impact_deadline")):
        _concern_create(user=user, case=case, **concern)
    apply_irate_rule(case=case, actor=user)
    refresh_counters(case)
    return case


_PART_FIELDS = {"what is wrong": "description", "how this affects the client's life or business": "impact",
                "how the client feels": "feeling"}


def _ensure_whole(case, concern):
    """Past identify's gate (workflow: concerns_whole), a concern is added and kept whole: found by an audit,
    a concern emptied of its impact after the gate, or one added in gather with a description alone, left
    the case in a state the gate refuses, and nothing checked it again."""
    missing = concern.missing_parts()
    if missing and policy(case.step).concerns_whole:
        raise CaseRuleError(f"The concerns were identified before “{case.step_enum.label}”: a concern here needs "
                            f"{', '.join(missing)} too.", field=_PART_FIELDS[missing[0]])


def _concern_create(*, user, case, description="", impact="", impact_deadline=None, feeling=""):
    description, impact, feeling = _concern_fields(description, impact, feeling)
    if not (description or impact or feeling):
        raise CaseRuleError("Describe the concern before saving it.", field="description")
    concern = Concern(case=case, description=description, impact=impact, impact_deadline=impact_deadline,
                      feeling=feeling, created_by=user)
    _ensure_whole(case, concern)
    concern.save(force_insert=True)
    missing = concern.missing_parts()
    ensure_notes_stay_own(case)
    event_record(case=case, actor=user, verb="concern added", note=description,
                 data={"missing": missing} if missing else {})
    return concern


@transaction.atomic
def concern_add(*, user, case, description="", impact="", impact_deadline=None, feeling=""):
    """A concern may be captured in any step (one may surface in `gather`); incomplete ones are kept
    and the identify gate says what each still needs."""
    case = lock_case(case)
    ensure_can_work(user, case)
    ensure_allows(case, Record.CONCERN)
    concern = _concern_create(user=user, case=case, description=description, impact=impact,
                              impact_deadline=impact_deadline, feeling=feeling)
    refresh_counters(case)
    return concern


# A concern's parts as a concern edit names them on the timeline (its critical date in the client's time).
_CONCERN_LABELS = {"description": "what is wrong", "impact": "impact", "impact_deadline": "critical by",
                   "feeling": "how the client feels"}


@transaction.atomic
def concern_update(*, user, concern, description, impact, impact_deadline=None, feeling, concern_shown=None):
    """Edit a concern. `concern_shown`: the concern as the form was drawn (concern_changed_since)."""
    case = lock_case(concern.case)
    ensure_can_work(user, case)
    ensure_allows(case, Record.CONCERN)
    # Read again under the case's lock, which every concern write takes: what it was is what the timeline says.
    concern.refresh_from_db(fields=list(CONCERN_PARTS))
    if concern_shown is not None:
        stale = concern_changed_since(concern, concern_shown)
        if stale:
            raise CaseRuleError(stale)
    before = {part: getattr(concern, part) for part in CONCERN_PARTS}
    concern.description, concern.impact, concern.feeling = _concern_fields(description, impact, feeling)
    if not (concern.description or concern.impact or concern.feeling):
        raise CaseRuleError("A concern cannot be emptied; describe it.", field="description")
    _ensure_whole(case, concern)
    concern.impact_deadline = impact_deadline
    concern.save(update_fields=["description", "impact", "feeling", "impact_deadline"])
    ensure_notes_stay_own(case)
    changed, data = what_changed(*(Change(part, label, before[part], getattr(concern, part))
                                   for part, label in _CONCERN_LABELS.items()), tz=case.client.tz)
    event_record(case=case, actor=user, verb="concern edited",
                 note=f"{concern.description}\n{changed}" if changed else concern.description,
                 data={"concern": concern.pk, **data})
    refresh_counters(case)
    return concern


@transaction.atomic
def case_set_temperature(*, user, case, temperature, note=""):
    case = lock_case(case)
    ensure_can_work(user, case)
    ensure_allows(case, Record.TEMPERATURE)
    if temperature not in Mood.values:
        raise CaseRuleError("Choose how the client feels.", field="temperature")
    note = clean_text(note, field="note", limit=LINE)
    old = case.temperature
    case.save(update_fields=[*case.take_temperature(temperature), "updated_at"])
    event_record(case=case, actor=user, verb="temperature recorded", note=note,
                 data={"from": old, "to": temperature})
    apply_irate_rule(case=case, actor=user)
    return case


@transaction.atomic
def case_intake(*, user, summary, temperature, client=None, new_client=None, concern=None):
    """The intake form in one action: an existing client, or a new one created with the case (both
    or neither), then the case with its first concern. A client picked with a new one typed beside it is
    refused (found by an audit: the typed client was dropped without a word, the case went to the picked)."""
    if client is not None and any((new_client or {}).get(f) for f in ("name", "organisation", "email", "phone")):
        raise CaseRuleError(f"You picked {client} and also typed a new client: clear one of them.", field="name")
    if client is None:
        if not new_client:
            raise CaseRuleError("Pick the client or enter a new one.", field="client")
        hold_typed_client(user=user, new_client=new_client)
        ensure_not_logged_just_now(user=user, new_client=new_client, summary=summary)
        client = client_create(user=user, **new_client)
    else:
        lock_client(client)  # the same complaint submitted twice at once: the second waits, then is refused
        ensure_not_logged_just_now(user=user, client=client, summary=summary)
    return case_open(user=user, client=client, summary=summary, temperature=temperature, concern=concern)
