"""The client's own word on their status page, read side: when the client may answer, and what the page
shows of what they said. The writes are in cases.services.client_word; both read the rules here.

- At delivery: the client may say "It works" or "Not yet" while the step's policy says so
  (`StepPolicy.client_answers`: `deliver`), once per delivery attempt. An attempt is one stay in
  `deliver`, named by the case's `step_entered_at` when it was entered (`attempt_key`): loose ends and
  a new delivery make a new attempt, and a page opened during an earlier one cannot answer this one.
- After the case closed from `deliver` (resolved on the rep's word, or by a supervisor's override) with no
  answer in that stay: a page still open from it may send "Not yet" once (`late_word_attempt`). It is kept
  and reaches the team; the case stays closed. Any other answer on a closed case is refused.
- After the follow-up call: on a closed case whose follow-up call was logged since it closed, the client
  is asked once how satisfied they are (1 to 5), with an optional comment. The case's standing rating is the
  latest that came through the address the client has now (`standing_surveys`, `standing_choice`): when the
  address changes away from it, it is set aside and the client is asked again at the new one (within
  CLIENT_LINK_RESOLVED_DAYS of the latest set-aside: `survey_asked_from`); when it is theirs again, it counts
  again.
- The client's email nobody has read yet (`Case.client_wrote_at`) holds the delivery: the rep may not
  record the client satisfied, nor resolve the case, until it is read (`unread_mail_refusal`).

`client_word` builds what the public page shows of this (frozen, in the client's time zone, excerpts
only), as cases.status_links.client_status does for the rest."""
import datetime as dt
from dataclasses import dataclass

from django.db.models import Max, Q
from django.utils import timezone

from . import workflow
from .frozen import FrozenRead
from .models import ClientAnswer, ClientAnswerKind, ClientMessageKind, ClientSurvey, ConfirmedBy, Step
from .text import mailbox_of
from .status_links import excerpt, final_page_until, handler_first_name, resolved_grace

RESOLVED_REFUSAL = "Your case is resolved, so there is nothing left to confirm here."
# The timeline verb of a "Not yet" given in `deliver` (cases.services.client_word): the arrival it answers is
# not accepted (cases.metrics.eta.arrival_rows reads it).
SAID_NOT_YET = "client says it does not work yet"


def attempt_key(case, started=None):
    """The delivery attempt the case is in (or the one that began at `started`), as the page's form carries
    it back (UTC, to the microsecond)."""
    return (started or case.step_entered_at).astimezone(dt.UTC).strftime("%Y%m%d%H%M%S%f")


def answers_open(case):
    return workflow.policy(case.step).client_answers


def answer_refusal(case):
    """Why the client may not answer "It works" / "Not yet" now, in their words, or None when they may."""
    if answers_open(case):
        return None
    if workflow.is_closed(case.step):
        return None if late_word_attempt(case) is not None else RESOLVED_REFUSAL
    return (f"We are still working on the fix: {handler_first_name(case)} will let you know when it is in, "
            "and you can tell us here whether it works then.")


def survey_refusal(case):
    """Why the client may not rate us now, in their words, or None when they may (or already did)."""
    if survey_waiting_for(case, latest_delivery(case)):
        return None
    return "We ask how satisfied you are after our follow-up call, once your case is resolved."


def same_address(a, b):
    """Whether two spellings of an email address reach one mailbox (letter case, spaces, quotes and a +tag
    aside: text.mailbox_of, the rule the team's own addresses are read by; found by an audit: the client's
    address rewritten as dennis+shop@ set their rating aside, and a report from it passed as not theirs)."""
    mine, theirs = mailbox_of(a), mailbox_of(b)
    if mine and theirs:
        return mine == theirs
    return (a or "").strip().casefold() == (b or "").strip().casefold()


def standing_surveys():
    """The survey answers that are the client's word, one per case at most: the latest that came through the
    address the client has now (`standing_choice`; cases.services.client_word.survey_answers_set_aside keeps
    `set_aside_at` to it at every change of the address, so it depends only on the answers and the address:
    found by audits: a rep put their own address in for the call, rated the case 5 and put the client's back;
    a round trip of the address erased the client's own answer for good). Every reader of the answers reads
    these: the team page's figure, the client's page, whether one is still owed."""
    return ClientSurvey.objects.filter(set_aside_at__isnull=True)


def standing_choice(surveys, address):
    """Which of a case's `surveys` is the client's word while `address` is theirs: the latest given through
    it (same_address), or None (no address, or none through it). The one rule standing_surveys reflects."""
    through = [s for s in surveys if (address or "").strip() and same_address(s.address, address)]
    return max(through, key=lambda s: (s.given_at, s.pk), default=None)


def survey_asked_from(case, delivery):
    """From when the client is being asked to rate `case` (its latest `delivery` logged the follow-up call):
    the call, or the latest time their answer was set aside by a change of their address, if later. The
    invitation is owed for CLIENT_LINK_RESOLVED_DAYS from then (services.delivery._survey_owed): a set-aside
    always asks them again at the new address, however long after the call (found by an audit: past the days,
    a change of address took the client's rating away and nobody asked them)."""
    aside = case.client_surveys.aggregate(latest=Max("set_aside_at"))["latest"]
    return max(t for t in (delivery.follow_up_logged_at, aside) if t is not None)


def surveys_asked_since(client, since):
    """The client's cases whose follow-up call, or a set-aside of their answer, came at `since` or later:
    those the survey may still be owed on (survey_asked_from)."""
    return client.cases.filter(Q(deliveries__follow_up_logged_at__gte=since)
                               | Q(client_surveys__set_aside_at__gte=since)).distinct()


def final_page_invitation(case, now):
    """The invitation to rate us that carried the link of the closed `case`'s final page showing now, or None:
    the latest follow-up email queued since that page was opened (services.status_links.final_page_reopen
    opens a page, then its invitation is queued; each invitation's page stops the one before it). Its
    `to_email` is the address a rating through that link came through."""
    until = final_page_until(case, now)
    if until is None:
        return None
    return (case.client_messages.filter(kind=ClientMessageKind.FOLLOW_UP, queued_at__gte=until - resolved_grace())
            .order_by("-queued_at", "-pk").first())


def current_survey(case):
    """The client's standing answer to the survey on `case`, or None."""
    return standing_surveys().filter(case=case).first()


# The client's answer in a delivery attempt (the case page asks on every load in `deliver`): cases.frozen.
_ANSWER_IN_ATTEMPT = FrozenRead(lambda case_id, started: ClientAnswer.objects.filter(
    case_id=case_id, attempt_started_at=started).order_by("pk")[:1])


def current_answer(case):
    """The client's answer in this delivery attempt, or None (also None outside `deliver`)."""
    if not answers_open(case):
        return None
    return _ANSWER_IN_ATTEMPT.first(case.pk, case.step_entered_at)


def closed_attempt_started(case):
    """When the stay in `deliver` that the closed `case` was closed from began (its transition into
    `deliver`), or None: the case is open, or a supervisor's override closed it from another step."""
    if not workflow.is_closed(case.step) or (case.closed_by_override and case.closed_from_step != Step.DELIVER):
        return None
    return (case.events.filter(to_step=Step.DELIVER).exclude(from_step="").order_by("-created_at", "-id")
            .values_list("created_at", flat=True).first())


def closed_attempt_answer(case, started=None):
    """The client's answer in the stay in `deliver` the closed `case` was closed from, or None. Found by a
    review: a supervisor's override after the client said "It works" was taken for a delivery the client
    had not accepted (cases.services.transitions._force_close reads this)."""
    started = started or closed_attempt_started(case)
    return None if started is None else _ANSWER_IN_ATTEMPT.first(case.pk, started)


def client_accepted_delivery(case):
    """Whether the closed `case` was closed from a stay in `deliver` in which the client said "It works":
    the delivery was accepted, whatever else its gate lacked (a supervisor's override closed it)."""
    answer = closed_attempt_answer(case)
    return answer is not None and answer.works


def late_word_attempt(case):
    """When the stay in `deliver` began that the client may still answer "Not yet" about, though the case
    is closed, or None. The case was closed from that stay without the client's answer (the rep resolved
    it on their own word, or a supervisor closed it by override), and a page opened during it is still
    open: the client's "Not yet" from it reaches the team rather than being thrown away (found by a
    review). Once: their late word, once given, is the stay's answer (asked again, it is shown again)."""
    started = closed_attempt_started(case)
    if started is None:
        return None
    answer = closed_attempt_answer(case, started)
    if answer is None or (not answer.works and answer.given_at >= case.step_entered_at):
        return started
    return None


def unread_mail_refusal(case):
    """Why the delivery may not be taken as confirmed now (the rep recording the client satisfied,
    Transition.COMPLETE_DELIVER), or None: the client's email nobody has read yet may say the fix does not
    hold, and once the case is closed it leaves the unread list and cannot be marked read. Found by a
    review: "it broke again this morning, please call me" sat unread while the rep recorded the client
    satisfied and resolved the case."""
    if case.client_wrote_at is None:
        return None
    return (f"Read the client's email first: {case.client.name} wrote, and nobody has read it yet (it may say "
            "the fix does not hold). Open the case's emails, read it and say how they sound; then confirm the "
            "delivery.")


def not_yet_refusal(case):
    """Why the rep may not record the client as satisfied now, or None. The client's own "Not yet" on
    their status page stands for the rest of this delivery attempt: the way on is loose ends (back to
    the plan), not the rep's tick over the client's word."""
    answer = current_answer(case)
    if answer is None or answer.works:
        return None
    return (f"{case.client.name} said “Not yet” on their status page ({answer.text}): their word stands for "
            f"this delivery. Take the case back with “{workflow.Transition.LOOSE_ENDS.label}” and deliver again.")


def confirmation_shown(delivery):
    """What a delivery form records of the client's own "It works" it shows: its moment, or "" for none."""
    if delivery is None or delivery.confirmed_by != ConfirmedBy.CLIENT or delivery.confirmed_at is None:
        return ""
    return delivery.confirmed_at.isoformat()


def unseen_confirmation_refusal(delivery, shown, *, verified, satisfied):
    """Why a delivery form must not take back the client's own "It works", or None: it would untick what the
    client confirmed on their status page after the form was drawn (`shown`: confirmation_shown as drawn;
    None when the caller drew no form). The client's word stands unless the rep saw it (found by an audit:
    an old form posted with its boxes unticked erased the client's confirmation, and the client's page
    no longer asked)."""
    theirs = confirmation_shown(delivery)
    if shown is None or (verified and satisfied) or not theirs or shown == theirs:
        return None
    return (f"Since this page was opened the client confirmed on their status page that it works: the boxes now "
            f"show their word. Untick them only if {delivery.case.client.name} has told you otherwise.")


def survey_waiting_for(case, delivery):
    """Whether `case` (its latest delivery given) is at the point where the client is asked: closed,
    with its follow-up call logged since it closed. Whether they already answered is asked separately."""
    logged = delivery.follow_up_logged_at if delivery is not None else None
    return workflow.is_closed(case.step) and logged is not None and logged >= case.step_entered_at


def latest_delivery(case):
    return case.deliveries.order_by("-created_at", "-id").first()


@dataclass(frozen=True)
class ClientWord:
    """What the status page shows and offers of the client's own word."""

    attempt: str  # carried back by the delivery form
    may_answer: bool  # in `deliver`, and nothing answered in this attempt yet
    answer: str  # this attempt's answer, or the closing stay's on a closed case ("works", "not_yet"), or ""
    answer_text: str
    answered_at: dt.datetime | None
    survey_open: bool  # the follow-up call is logged and the client has not rated us yet
    survey_score: int | None  # what the client rated, once they have
    survey_comment: str

    @property
    def said_it_works(self):
        return self.answer == ClientAnswerKind.WORKS

    @property
    def said_not_yet(self):
        return self.answer == ClientAnswerKind.NOT_YET


def client_word(case):
    """The client's word on `case` for its status page (at most 2 queries; 4 on a closed case). On a closed
    case, the answer is the one given in the stay in `deliver` it was closed from (a late "Not yet" too)."""
    local = (lambda v: timezone.localtime(v, case.client.tz) if v else None)
    answer = current_answer(case)
    survey, waiting = None, False
    if workflow.is_closed(case.step):
        answer = closed_attempt_answer(case)
        survey = current_survey(case)
        waiting = survey is None and survey_waiting_for(case, latest_delivery(case))
    return ClientWord(
        attempt=attempt_key(case),
        may_answer=answers_open(case) and answer is None,
        answer=answer.answer if answer else "",
        answer_text=excerpt(answer.text) if answer else "",
        answered_at=local(answer.given_at) if answer else None,
        survey_open=waiting,
        survey_score=survey.score if survey else None,
        survey_comment=excerpt(survey.comment) if survey else "",
    )
