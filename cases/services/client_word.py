"""The client's own word, written: the only writes a client makes, through the signed link of their
status page (cases.views_status has opened the link, so the case is the one the token names; each write
checks again under the case's lock that the link still opens it: a reassign or a new link may have revoked
it in between). The rules of when they may answer are read from cases.client_word; every refusal is a
CaseRuleError in the client's words, shown on their page, but a link revoked meanwhile (LinkRevoked: the
view answers with the page that names nothing of the case).

- `client_delivery_answer`: "It works" fills this attempt's delivery record with the client's
  confirmation (verified with them, satisfied), recorded as given by the client, with the time, so the
  deliver gate is met once the rep's parts (prevention note, follow-up date) are there; the owner and
  co-owner are told at once (notice `client_confirmed`: the gate is met, or what is still missing). "Not yet", with
  the client's words, tells the owner and the co-owner (notice `client_not_yet`), and the case page
  suggests loose ends. It is the client not accepting the delivery, at once: the arrival is no longer judged
  unless it was late, and the estimate it kept stands again (transitions.arrival_not_accepted; found by an
  audit: a case left in `deliver` after "Not yet" kept its "within" and its kept estimate for as long as the
  rep did not send it back). One answer per delivery attempt: asked again, it returns the recorded answer.
  After the case closed from `deliver` without the client's answer, "Not yet" from a page still open from
  that stay (cases.client_word.late_word_attempt) is kept as that stay's answer, on the timeline, and the
  owner and co-owner are told (their supervisor when neither is active); the case stays closed (reopening
  is the team's call). Any other answer on a closed case is refused, and the client is told it was not sent.
- `client_survey_answer`: after the follow-up call, how satisfied (1 to 5) and a comment, once per case
  while an answer stands, through the link of the invitation showing now (checked again under the case's
  lock), with the address that invitation went to.
- `survey_answers_set_aside`: the client's address changed: each case's standing answer becomes the latest
  that came through the new address (cases.client_word.standing_choice); one through another address is set
  aside (kept, marked, on the timeline) and the client is asked again, and one through the new address counts
  again.

Each answer is an event on the case timeline (no actor: the client is not a user)."""
from django.db import transaction
from django.utils import timezone

from ..client_word import (
    RESOLVED_REFUSAL, SAID_NOT_YET, answer_refusal, attempt_key, closed_attempt_answer, current_answer, current_survey,
    final_page_invitation, late_word_attempt, same_address, standing_choice, survey_refusal,
)
from ..errors import CaseRuleError
from ..formatting import case_context
from ..models import Client, ClientAnswer, ClientAnswerKind, ClientSurvey, ConfirmedBy, Delivery
from ..models.client_word import ANSWER_TEXT, SCORES, SURVEY_COMMENT
from ..notices import notify
from ..permissions import may_own_cases
from ..selectors import supervisor_emails_for
from ..status_links import LinkRevoked, LinkState, link_state
from ..text import clean_text
from ..workflow import MOVE_LABELS, Transition, is_closed
from .common import event_record, lock_case, refresh_counters
from .delivery import current_delivery
from .transitions import arrival_not_accepted

SAID_IT_WORKS = "client confirmed it works"
SAID_NOT_YET_AFTER_CLOSE = "client says it does not work, after the close"
RATED = "client rated their satisfaction"
SET_ASIDE = "client's rating set aside"
COUNTS_AGAIN = "client's rating counts again"
LINK_REPLACED = ("This link was replaced by a newer invitation, sent to the email address we have for you now: your "
                 "rating was not recorded. Please answer through the link in our latest email.")
PAGE_MOVED_ON = ("Your case has moved on since you opened this page: here is where it stands now. "
                 "Please answer again below.")  # an answer for another delivery attempt, or for none
NOTICE_NOT_YET = "client_not_yet"
NOTICE_CONFIRMED = "client_confirmed"


@transaction.atomic
def client_delivery_answer(*, case, version, attempt, works, text=""):
    """The client says whether the fix works, through the link carrying `version` (the view opened it), on
    the page of delivery attempt `attempt`. Returns (the answer, whether it was recorded just now)."""
    case = lock_case(case)
    ensure_link_still_open(case, version)
    if is_closed(case.step):
        return _late_not_yet(case, works=works, text=text, attempt=attempt)
    refused = answer_refusal(case)
    if refused:
        raise CaseRuleError(refused)
    recorded = current_answer(case)
    if recorded is not None:
        return recorded, False
    if attempt != attempt_key(case):  # a post without one is no more this attempt's than a stale one
        raise CaseRuleError(PAGE_MOVED_ON)
    text = clean_text(text, field="text", limit=ANSWER_TEXT, required=not works,
                      message="Tell us in a line what still does not work.")
    now = timezone.now()
    answer = ClientAnswer(case=case, attempt_started_at=case.step_entered_at, text=text, given_at=now,
                          answer=ClientAnswerKind.WORKS if works else ClientAnswerKind.NOT_YET)
    if works:
        answer.delivery = _confirm_delivery(case, now)
    else:
        _withdraw_confirmation(case)
    answer.save()
    if works:
        missing = [] if case.delivery_ready else _still_missing(answer.delivery)
        note = "On their status page." + (f" They added: “{text}”" if text else "")
        if missing:
            note += " Still to record before the case can close: " + ", ".join(missing) + "."
        event_record(case=case, actor=None, verb=SAID_IT_WORKS, note=note,
                     data={"client_answer": answer.pk, "delivery": answer.delivery.pk, "by": ConfirmedBy.CLIENT})
        _tell_owner_confirmed(case, answer, missing)
    else:
        event_record(case=case, actor=None, verb=SAID_NOT_YET, note=f"On their status page: “{text}”",
                     data={"client_answer": answer.pk, "by": ConfirmedBy.CLIENT})
        arrival_not_accepted(case=case, user=None,
                             note="The client said on their status page that it does not work yet: the estimate "
                                  "stands again.")
        refresh_counters(case)
        _tell_owner(case, answer)
    return answer, True


def ensure_link_still_open(case, version):
    """Under the case's lock, the link the view opened must still open the case (status_links.link_state:
    live, or the closed case's final page, which takes a late "Not yet"); else LinkRevoked, and the view
    answers with the page that names nothing of the case. Found by an audit: a reassign committed between
    the view reading the link and this write, and the answer was recorded through the revoked link."""
    if link_state(case, version, timezone.now()) is LinkState.REVOKED:
        raise LinkRevoked()


def _late_not_yet(case, *, works, text, attempt):
    """The case closed from `deliver` while the client's page was open, and they answer from it: "Not yet"
    about the stay the case was closed from is kept (not thrown away: found by a review) and reaches the
    team; anything else is refused (the page says back what they wrote: cases.views_status)."""
    started = late_word_attempt(case)
    if works or started is None or attempt != attempt_key(case, started):
        raise CaseRuleError(RESOLVED_REFUSAL)
    recorded = closed_attempt_answer(case, started)
    if recorded is not None:
        return recorded, False
    text = clean_text(text, field="text", limit=ANSWER_TEXT, required=True,
                      message="Tell us in a line what still does not work.")
    answer = ClientAnswer.objects.create(case=case, attempt_started_at=started, text=text, given_at=timezone.now(),
                                         answer=ClientAnswerKind.NOT_YET)
    event_record(case=case, actor=None, verb=SAID_NOT_YET_AFTER_CLOSE,
                 note=f"On their status page, still open from the delivery, after the case was {case.closed_how}: "
                      f"“{text}”. The case stays closed: call them back, and reopen it if the problem is still there.",
                 data={"client_answer": answer.pk, "by": ConfirmedBy.CLIENT, "after_close": True})
    _tell_owner(case, answer, way_back=MOVE_LABELS[Transition.REOPEN.method])
    return answer, True


def _confirm_delivery(case, now):
    """This attempt's delivery record (made now if the rep has not started one) gets the client's
    confirmation, as theirs; the gate's flag follows the record."""
    delivery = current_delivery(case) or Delivery(case=case, created_by=case.owner)
    delivery.verified_with_client = delivery.client_satisfied = True
    delivery.confirmed_by, delivery.confirmed_at = ConfirmedBy.CLIENT, now
    delivery.save()
    _gate_follows(case, delivery)
    return delivery


def _withdraw_confirmation(case):
    """"Not yet": a satisfaction the rep recorded in this attempt no longer stands (the client's word
    replaces it, and services.delivery refuses it again until loose ends); the gate's flag follows."""
    delivery = current_delivery(case)
    if delivery is None or not delivery.client_satisfied:
        return
    delivery.client_satisfied = False
    delivery.confirmed_by, delivery.confirmed_at = "", None
    delivery.save(update_fields=["client_satisfied", "confirmed_by", "confirmed_at"])
    _gate_follows(case, delivery)


def _gate_follows(case, delivery):
    """The deliver gate's flag follows this attempt's delivery record."""
    case.delivery_ready = delivery.is_complete
    case.save(update_fields=["delivery_ready", "updated_at"])


def _still_missing(delivery):
    return [part for part, given in (("how recurrence will be prevented", delivery.prevention_note.strip()),
                                     ("a follow-up date", delivery.follow_up_on)) if not given]


def _tell_owner(case, answer, way_back=Transition.LOOSE_ENDS.label):
    """The owner and co-owner hear the client's "Not yet" at once; `way_back` is the move that takes the
    case back to the plan. Only someone who may still work cases hears it (permissions.may_own_cases): on a
    closed case whose owner and co-owner have since left or lost the role, the owner's supervisor does (found
    by a review: an active owner without the role was told, and nobody who could reopen the case)."""
    to = [u.email for u in (case.owner, case.co_owner) if u is not None and may_own_cases(u) and u.email]
    if not to and is_closed(case.step):
        to = supervisor_emails_for(case.owner)
    if not to:
        return
    notify(key=f"client-not-yet:{answer.pk}", kind=NOTICE_NOT_YET, case=case, to=to, system=True,
           context={**case_context(case), "said": answer.text, "loose_ends": way_back})


def _tell_owner_confirmed(case, answer, missing):
    """The owner and co-owner hear at once that the client said it works: the gate is met, or what is
    still theirs to record before the case can close."""
    to = [u.email for u in (case.owner, case.co_owner) if u is not None and u.is_active and u.email]
    if not to:
        return
    notify(key=f"client-confirmed:{answer.pk}", kind=NOTICE_CONFIRMED, case=case, to=to, system=True,
           context={**case_context(case), "said": answer.text, "missing": ", ".join(missing),
                    "complete": Transition.COMPLETE_DELIVER.label})


@transaction.atomic
def client_survey_answer(*, case, version, score, comment=""):
    """After the follow-up call, how satisfied the client is, through the link carrying `version` (the view
    opened it). Returns (the survey, whether it was recorded just now): while an answer stands, a second one
    gets it back. Under the case's lock the link is checked again: only the final page showing now takes a
    rating (found by an audit: a rating posted through the link sent to the rep's own address while the
    client's address was put back, in another tab, was written after the change, as the client's). The
    answer keeps the address that page's invitation went to, not the client's address at the moment of
    writing: it is the client's word while that address is theirs (standing_choice), set aside at once when
    it is not any more."""
    case = lock_case(case)
    recorded = current_survey(case)
    if recorded is not None:
        return recorded, False
    refused = survey_refusal(case)
    if refused:
        raise CaseRuleError(refused)
    now = timezone.now()
    invitation = final_page_invitation(case, now)
    if link_state(case, version, now) is not LinkState.FINAL or invitation is None:
        raise CaseRuleError(LINK_REPLACED)
    if score not in SCORES:
        raise CaseRuleError("Choose a number from 1 (not at all) to 5 (completely).", field="score")
    comment = clean_text(comment, field="comment", limit=SURVEY_COMMENT)
    address = invitation.to_email.strip()
    on_file = Client.objects.filter(pk=case.client_id).values_list("email", flat=True).first()
    survey = ClientSurvey.objects.create(case=case, score=score, comment=comment, given_at=now, address=address,
                                         set_aside_at=None if same_address(address, on_file) and address else now)
    event_record(case=case, actor=None, verb=RATED,
                 note=f"{score} out of 5 on their status page." + (f" “{comment}”" if comment else ""),
                 data={"client_survey": survey.pk, "score": score, "by": ConfirmedBy.CLIENT})
    if survey.set_aside_at is not None:
        _note_set_aside(case, survey, actor=None)
    return survey, True


@transaction.atomic
def survey_answers_set_aside(*, client, actor, old="", now=None):
    """The client's address just changed from `old` (cases.services.intake, before the emails to the old one
    are taken back; the caller holds the client's row lock). On each of their cases the standing answer
    becomes the latest given through the new address (cases.client_word.standing_choice), so what counts
    depends only on the answers and the address on file, never on the way there (found by audits: a rep put
    their own address in for the follow-up call, rated the case 5 and put the client's back; changing the
    address to another spelling and back erased the client's own 1 out of 5 for good):

    - an answer through another address is set aside: kept for the record, said on the timeline, no longer
      counted anywhere (cases.client_word.standing_surveys);
    - the latest through the new address, if it was set aside, counts again, and the timeline says so;
    - with none through the new address, the client is asked there (services.delivery.surveys_owed_send and
      survey_after_revoke, called next): the days they are asked for count from this change
      (client_word.survey_asked_from), also when their answer was already set aside by an earlier change.

    A rep who leaves their own address on file as the client's keeps their answer counting: that address
    shows on the client's record and on the case's timeline."""
    now = now or timezone.now()
    address = (client.email or "").strip()
    moved = not same_address(old, address)
    for case in client.cases.filter(client_surveys__isnull=False).distinct().order_by("pk"):
        case = lock_case(case)
        surveys = list(case.client_surveys.order_by("-given_at", "-id"))
        standing = standing_choice(surveys, address)
        was = [s for s in surveys if s.set_aside_at is None]
        for survey in was:
            if survey != standing:
                _set_aside(case, survey, actor=actor, now=now)
        if standing is not None and standing.set_aside_at is not None:
            standing.set_aside_at = None
            standing.save(update_fields=["set_aside_at"])
            event_record(case=case, actor=actor, verb=COUNTS_AGAIN,
                         note=f"The rating of {standing.score} out of 5 given on {standing.given_at:%d %b %Y %H:%M} "
                              f"UTC came through the invitation emailed to {standing.address}, which is the client's "
                              "address again: it is their word, and counts again.",
                         data={"client_survey": standing.pk, "address": standing.address})
        elif standing is None and not was and moved:  # already aside: still aside, asked at this address now
            _set_aside(case, surveys[0], actor=actor, now=now, still=True)


def _set_aside(case, survey, *, actor, now, still=False):
    survey.set_aside_at = now
    survey.save(update_fields=["set_aside_at"])
    _note_set_aside(case, survey, actor=actor, still=still)


def _note_set_aside(case, survey, *, actor, still=False):
    address = survey.address or "no address"
    said = (f"came through the invitation emailed to {address}, which is still not the client's address: it stays "
            "set aside" if still else
            f"came through the invitation emailed to {address}, which is not the client's address: it is kept for "
            "the record and no longer counts")
    event_record(case=case, actor=actor, verb=SET_ASIDE,
                 note=f"The rating of {survey.score} out of 5 given on {survey.given_at:%d %b %Y %H:%M} UTC {said}. "
                      "It counts again once that address is theirs again.",
                 data={"client_survey": survey.pk, "address": survey.address})
