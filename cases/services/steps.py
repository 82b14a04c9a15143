"""Records of steps 2-4: acknowledgements, recommitments, questions and answers, the root problem.
Which step accepts them is cases.workflow's decision (`ensure_allows`). Step changes are in
transitions.py."""
from django.db import transaction

from ..errors import CaseRuleError
from ..models import Acknowledgement, Case, Fact, Recommitment
from ..search import SEARCH_FIELDS, search_fill
from ..text import clean_text, clipped, is_copy, is_question_again, limit_of, normalise, require_substance
from ..workflow import Record, ensure_allows
from .common import (
    CHANGE_CLIP, Change, coach_warnings, ensure_can_work, event_record, lock_case, refresh_counters, what_changed,
)


def _not_a_copy(text, sources, *, field, message):
    """A record in the rep's own words: not another record pasted (or retyped with a typo fixed), alone or
    with a word or two around it (text.is_copy)."""
    if is_copy(text, sources):
        raise CaseRuleError(message, field=field)
    return text


def _concern_texts(concerns):
    """What the client's concerns say: each one's description and its impact."""
    return [text for c in concerns for text in (c.description, c.impact)]


def _sources(model, concerns, acknowledgements):
    """What a note of `model` must not merely repeat: the client's `concerns` (what is wrong, and how it
    affects them), and for a recommitment the `acknowledgements` (their texts) too (read only then)."""
    return _concern_texts(concerns) + (list(acknowledgements) if model is Recommitment else [])


_COPIED = {
    Acknowledgement: ("That is the client's concern as recorded. Write what you said to acknowledge it, in your own "
                      "words."),
    Recommitment: ("That repeats the client's concern or your acknowledgement. Write what the team commits to, in "
                   "your own words."),
}


def ensure_notes_stay_own(case):
    """After a concern is added or edited: no acknowledgement or recommitment on the case is a copy of one
    concern (with, for a recommitment, the acknowledgements), or a concern reworded after the note to the
    note's words (or the note pasted as a new concern) would make the note a copy the gate counts. Each
    concern is judged alone, never the words of all of them together: a note was judged against all the
    concerns when it was recorded, so only the concern just written can make it a copy; a new concern that
    merely shares everyday words with the notes, spread over the other concerns, is the client's and is taken
    (found by a review: "You closed my ticket and your team stopped answering" was refused beside the
    acknowledgement "I hear you: your orders have stopped and payroll is close")."""
    acknowledged = [a.text for a in case.acknowledgements.all()]
    recommitted = [r.text for r in case.recommitments.all()]
    if not acknowledged and not recommitted:  # none yet (at intake): the concerns are not read
        return
    concerns = list(case.concerns.all())
    for model, notes in ((Acknowledgement, acknowledged), (Recommitment, recommitted)):
        for concern in concerns if notes else ():
            if any(is_copy(note, _sources(model, [concern], acknowledged)) for note in notes):
                raise CaseRuleError(f"The {model._meta.verbose_name} on this case says this already; the concern "
                                    "would make it a copy. Describe the concern in the client's words.",
                                    field="description")


def _note_record(*, user, case, text, model, record, context, verb, empty):
    case = lock_case(case)
    ensure_can_work(user, case)
    ensure_allows(case, record)
    text = require_substance(text, field="text", message=empty, limit=limit_of(model, "text"))
    _not_a_copy(text, _sources(model, case.concerns.all(), case.acknowledgements.values_list("text", flat=True)),
                field="text", message=_COPIED[model])
    warnings = coach_warnings(text, context)
    note = model.objects.create(case=case, text=text, coach_warnings=warnings, created_by=user)
    event_record(case=case, actor=user, verb=verb, note=text, data={"coach_warnings": warnings})
    refresh_counters(case)
    return note


@transaction.atomic
def acknowledgement_record(*, user, case, text):
    return _note_record(user=user, case=case, text=text, model=Acknowledgement, record=Record.ACKNOWLEDGEMENT,
                        context="acknowledgement", verb="acknowledged",
                        empty="Write what you said to acknowledge the concern.")


@transaction.atomic
def recommitment_record(*, user, case, text):
    return _note_record(user=user, case=case, text=text, model=Recommitment, record=Record.RECOMMITMENT,
                        context="recommitment", verb="recommitted",
                        empty="Write the recommitment you made on behalf of the team.")


def _not_the_question(answer, question):
    """An answer that answers: not the question asked again (text.is_question_again)."""
    if is_question_again(answer, question):
        raise CaseRuleError("That is the question again. Write what the client answered.", field="answer")
    return answer


@transaction.atomic
def fact_add(*, user, case, question, answer=""):
    case = lock_case(case)
    ensure_can_work(user, case)
    ensure_allows(case, Record.FACT)
    question = require_substance(question, field="question", message="Write the question you asked.",
                                 limit=limit_of(Fact, "question"))
    answer = normalise(answer)  # optional now, but an answer given must say something
    if answer:
        answer = require_substance(answer, field="answer", message="Write the client's answer.",
                                   limit=limit_of(Fact, "answer"))
        _not_the_question(answer, question)
    fact = Fact.objects.create(case=case, question=question, answer=answer, created_by=user)
    event_record(case=case, actor=user, verb="question asked", note=f"Q: {question}\nA: {fact.answer or '—'}")
    refresh_counters(case)
    return fact


@transaction.atomic
def fact_answer(*, user, fact, answer):
    """The client's answer to a question asked without one. An answered question is not answered again: the
    page offers the form only while it has none, so a post to an answered one was drawn before a teammate
    answered it (or forged), and it would replace the client's recorded words with no trace (found by a red
    team). A changed answer is a new question and answer."""
    case = lock_case(fact.case)
    ensure_can_work(user, case)
    ensure_allows(case, Record.FACT)
    fact.refresh_from_db(fields=["answer"])  # as it is now, under the case's lock
    if fact.answer:
        raise CaseRuleError(f"This question has been answered since this page was opened: "
                            f"“{clipped(fact.answer, 120)}”. If the client now says otherwise, record it as a new "
                            "question and answer.",
                            field="answer")
    fact.answer = _not_the_question(require_substance(answer, field="answer", message="Write the client's answer.",
                                                      limit=limit_of(Fact, "answer")), fact.question)
    fact.save(update_fields=["answer"])
    event_record(case=case, actor=user, verb="answer recorded", note=f"Q: {fact.question}\nA: {fact.answer}")
    refresh_counters(case)
    return fact


@transaction.atomic
def case_set_root_problem(*, user, case, root_problem, expected_resolution=None):
    """The root problem the client agreed to solve and, when given (None: left as it is), the client's own
    expectation. A change of either is said old -> new on the timeline. The expectation is the target the
    delivery is judged against (Delivery.expectation_met): where the workflow no longer lets it move (at
    deliver: Record.EXPECTATION), a change of it is refused; the same text again is no change."""
    case = lock_case(case)
    ensure_can_work(user, case)
    ensure_allows(case, Record.ROOT_PROBLEM)
    before = {"root_problem": case.root_problem, "expected_resolution": case.expected_resolution}
    fields = ["root_problem", "updated_at"]
    if expected_resolution is not None:
        expected_resolution = clean_text(expected_resolution, field="expected_resolution",
                                         limit=limit_of(Case, "expected_resolution"))
        if expected_resolution != case.expected_resolution:
            ensure_allows(case, Record.EXPECTATION, field="expected_resolution")
            case.expected_resolution = expected_resolution
            fields.append("expected_resolution")
    case.root_problem = require_substance(root_problem, field="root_problem", limit=limit_of(Case, "root_problem"),
                                          message="Write the root problem the client agreed to solve.")
    search_fill(case)
    case.save(update_fields=fields + SEARCH_FIELDS)
    if before["root_problem"]:  # a correction: what it was, old -> new
        note, data = what_changed(
            Change("root_problem", "root problem", before["root_problem"], case.root_problem),
            Change("expected_resolution", "the client's expectation", before["expected_resolution"],
                   case.expected_resolution))
    else:  # the first record
        note, data = case.root_problem, {}
        if case.expected_resolution:
            note += f"\nThe client's expectation: “{clipped(case.expected_resolution, CHANGE_CLIP)}”"
    event_record(case=case, actor=user, verb="root problem recorded", note=note or case.root_problem,
                 data={"expected_resolution": case.expected_resolution, **data})
    return case
