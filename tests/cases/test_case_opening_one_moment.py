"""A new case is stamped with one moment: opened, entered its first step, its stall clock, and the "opened" event
of its timeline (cases.services.common.opening_moments). Found by a migration audit: each took its own now(), so
on a real clock the timeline's opening came milliseconds after the stay it opened, and the held parts cut from
the timeline (cases.services.held.parts_from_timeline, the rule migration 0027 filled the past with) named
another stay than the services had written. No frozen clock here, on purpose."""
import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from cases import services
from cases.models import Case, Handoff, HeldStay, Step
from cases.services.client_mail import case_open_from_mail
from cases.services.held import parts_from_timeline
from tests.cases.helpers import advance_to, open_case

pytestmark = pytest.mark.django_db


def _moments(case):
    case = Case.objects.get(pk=case.pk)
    return {case.opened_at, case.step_entered_at, case.stall_clock_from, case.events.get(verb="opened").created_at}


def test_a_case_logged_by_a_rep_or_opened_from_email_is_stamped_with_one_moment(rep, dennis):
    logged = open_case(rep, dennis)
    from_mail = case_open_from_mail(sender="ann@client.example", sender_name="Ann", subject="Invoices sent twice",
                                    text="We were billed twice this month.")

    assert len(_moments(logged)) == 1 and len(_moments(from_mail)) == 1


def _hand(case, frm, to):
    services.handoff_request(user=frm, case=Case.objects.get(pk=case.pk), to_user=to, reason="Going on leave today")
    services.handoff_accept(user=to, handoff=Handoff.objects.filter(case=case).latest("id"), client_informed=True)
    return Case.objects.get(pk=case.pk)


def test_the_held_parts_the_services_write_are_those_the_timeline_gives_on_a_real_clock(rep, other_rep, dennis):
    case = _hand(_hand(open_case(rep, dennis), rep, other_rep), other_rep, rep)
    advance_to(case, Step.ACKNOWLEDGE, rep)

    written = sorted(HeldStay.objects.filter(case=case).values_list("owner_id", "step", "entered_at", "started_at",
                                                                     "ended_at"))
    cut = sorted(parts_from_timeline(case.events.order_by("created_at", "id")))
    assert len(written) == 3 and cut == written


def _verbs(case):
    return list(Case.objects.get(pk=case.pk).events.order_by("created_at", "id").values_list("verb", flat=True))


@pytest.mark.parametrize("by_supervisor", [False, True])
def test_a_promise_the_change_of_hands_breaks_comes_before_it_on_the_timeline(rep, other_rep, supervisor, dennis,
                                                                               by_supervisor):
    """Found by a red team: the change of hands was stamped before the promise it settled as broken."""
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2), tick=True):  # the hourly update missed
        if by_supervisor:
            services.case_reassign(user=supervisor, case=Case.objects.get(pk=case.pk), to_user=other_rep,
                                   reason="Rep is off sick today", client_informed=True)
        else:
            _hand(case, rep, other_rep)

    verbs = _verbs(case)
    changed = verbs.index("reassigned" if by_supervisor else "handoff accepted")
    assert "promise broken" in verbs[:changed]
    handoff = Handoff.objects.get(case=case, status="accepted")
    assert case.events.get(verb=verbs[changed]).created_at == handoff.accepted_at
