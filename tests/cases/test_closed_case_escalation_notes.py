"""Closed means closed for the escalation queue too: a supervisor cannot add a note to an escalation of a
closed case (closing resolved it, with the system's note); nothing more lands on a closed case's timeline.
A note on a resolved escalation of an open case is still taken."""
import pytest
from django.urls import reverse

from cases import services
from cases.errors import CaseRuleError
from cases.models import CaseEvent, EscalationNote, EscalationStatus
from tests.cases.supervisor_support import url


@pytest.mark.django_db
def test_a_note_on_an_escalation_of_a_force_closed_case_is_refused(supervisor, escalation):
    services.case_force_close(user=supervisor, case=escalation.case, reason="The client withdrew the complaint")
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.RESOLVED
    events = CaseEvent.objects.filter(case=escalation.case).count()

    with pytest.raises(CaseRuleError, match="closed"):
        services.escalation_add_note(user=supervisor, escalation=escalation, text="Called the client back today")

    assert CaseEvent.objects.filter(case=escalation.case).count() == events
    assert not EscalationNote.objects.filter(escalation=escalation, author=supervisor).exists()


@pytest.mark.django_db
def test_the_posted_note_on_a_closed_case_changes_nothing(boss, supervisor, escalation):
    services.case_force_close(user=supervisor, case=escalation.case, reason="The client withdrew the complaint")
    events = CaseEvent.objects.filter(case=escalation.case).count()

    response = boss.post(url("add_note", escalation), {"text": "Called the client back today"})

    assert response.status_code == 422  # the case's page again, the note not taken but said back
    assert "Not saved. You wrote in “Note”: Called the client back today" in response.content.decode()
    assert CaseEvent.objects.filter(case=escalation.case).count() == events
    assert not EscalationNote.objects.filter(escalation=escalation, author=supervisor).exists()


@pytest.mark.django_db
def test_a_note_on_a_resolved_escalation_of_an_open_case_is_taken(supervisor, escalation):
    services.escalation_resolve(user=supervisor, escalation=escalation, resolution="Sorted with the client by phone")

    services.escalation_add_note(user=supervisor, escalation=escalation, text="Client called to say thanks")

    assert EscalationNote.objects.filter(escalation=escalation, text="Client called to say thanks").exists()


@pytest.mark.django_db
def test_a_closed_case_s_escalation_for_a_missed_follow_up_is_resolved_not_taken_or_noted(boss, supervisor, rep,
                                                                                           dennis):
    import datetime as dt

    from cases.models import Escalation, Step
    from notifications.sweeps import sweep_broken_promises
    from tests.cases.helpers import advance_to, open_case
    from tests.notifications.conftest import T0, at

    with at(T0):
        case = advance_to(open_case(rep, dennis), Step.RESOLVED, rep)
    with at(T0 + dt.timedelta(days=30)):  # the follow-up call was never logged: the sweep escalates it
        sweep_broken_promises()
    escalation = Escalation.objects.get(case=case, status=EscalationStatus.OPEN)
    events = CaseEvent.objects.filter(case=case).count()
    shown = [str(escalation.pk)]
    base = f"/supervisor/cases/{case.reference}/escalations/"

    boss.post(base + "take/", {"shown": shown})
    boss.post(base + "note/", {"text": "Called the client back today", "shown": shown})
    with pytest.raises(CaseRuleError, match="closed"):
        services.escalation_take(user=supervisor, escalation=escalation)

    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.OPEN and not escalation.notes.exists()
    assert CaseEvent.objects.filter(case=case).count() == events
    response = boss.post(base + "resolve/", {"resolution": "Called the client: all good", "shown": shown})
    escalation.refresh_from_db()
    assert response.status_code == 302 and escalation.status == EscalationStatus.RESOLVED


@pytest.mark.django_db
def test_an_escalation_the_close_resolved_is_shown_resolved_by_the_system_not_by_its_taker(boss, supervisor,
                                                                                           escalation):
    """Found by an audit: the page showed "Resolved · <the supervisor who had taken it>", who resolved
    nothing; the record says the system did."""
    supervisor.first_name, supervisor.last_name = "Bea", "Kahn"
    supervisor.save()
    services.escalation_take(user=supervisor, escalation=escalation)
    services.case_force_close(user=supervisor, case=escalation.case, reason="The client withdrew the complaint")

    page = boss.get(reverse("supervisor:case_escalations", kwargs={"reference": escalation.case.reference}))

    text = page.content.decode()
    assert "Resolved · by the system" in text and "Resolved · Bea Kahn" not in text
