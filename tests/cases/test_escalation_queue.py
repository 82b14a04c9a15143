"""The supervisor's queue is one row per case with open escalations: how many and why, which promise
broke (what, to whom, held by whom, due when in both zones), the step, temperature, owner, next promise
and how long the oldest has waited; hottest first, then oldest. Take, note and resolve act on all of a
case's open escalations, each keeping its own record; reassigning and closing ask for confirmation."""
import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import services
from cases.errors import CaseRuleError
from cases.models import (
    CaseEvent, Escalation, EscalationNote, EscalationReason, EscalationStatus, Mood, PromiseKind, Step,
)
from tests.cases.helpers import advance_to, open_case, plan_ready
from tests.factories import ClientFactory, RepFactory, StaffProfileFactory, SupervisorFactory

NOW = dt.datetime(2025, 6, 30, 12, 0, tzinfo=dt.UTC)


def at(moment):
    return time_machine.travel(moment, tick=False)


def raise_on(case, moment, reason=EscalationReason.OTHER):
    with at(moment):
        return services.escalation_raise(user=case.owner, case=case, reason=reason, note=f"Help: {reason}")


def case_at(moment, owner, client, *, temperature=Mood.CALM):
    with at(moment):
        return open_case(owner, client, temperature=temperature)


def case_with_broken_promise(moment, owner, client):
    """A case planned two hours before `moment` whose status-update promise the sweep broke at `moment`."""
    with at(moment - dt.timedelta(hours=2)):
        case = plan_ready(advance_to(open_case(owner, client, temperature=Mood.ANXIOUS), Step.PLAN, owner), owner)
    with at(moment):
        promise, escalation = services.promise_break(promise=case.promises.get(kind=PromiseKind.STATUS_UPDATE))
    return escalation.case, promise, escalation


def queue_rows(boss, **params):
    with at(NOW):
        return list(boss.get(reverse("supervisor:queue"), params).context["page"].object_list)


def case_url(name, case):
    return reverse(f"supervisor:{name}", kwargs={"reference": case.reference})


# --- one row per case ------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_case_with_four_open_escalations_is_one_row_with_the_count_and_the_reasons(boss, rep, dennis):
    case, _, _ = case_with_broken_promise(NOW - dt.timedelta(hours=1), rep, dennis)
    raise_on(case, NOW - dt.timedelta(minutes=50))
    raise_on(case, NOW - dt.timedelta(minutes=40))
    raise_on(case, NOW - dt.timedelta(minutes=30), EscalationReason.LIABILITY)

    rows = queue_rows(boss)

    assert [row.pk for row in rows] == [case.pk]
    assert rows[0].escalation_count == 4
    assert rows[0].reasons == [("Broken promise", 1), ("Other", 2), ("Liability question", 1)]


@pytest.mark.django_db
def test_the_queue_row_reads_count_reasons_step_owner_and_the_age_of_the_oldest(boss, rep, dennis):
    rep.first_name, rep.last_name = "Dana", "Whitlock"
    rep.save()
    case = case_at(NOW - dt.timedelta(hours=4), rep, dennis, temperature=Mood.UPSET)
    raise_on(case, NOW - dt.timedelta(hours=3))
    raise_on(case, NOW - dt.timedelta(hours=1))

    with at(NOW):
        page = boss.get(reverse("supervisor:queue")).content.decode()

    assert page.count(case.reference) >= 1 and page.count('class="heat-') == 1
    assert '<strong class="queue__count">2</strong>' in page and "Other ×2" in page
    assert "Dana Whitlock" in page and case.get_step_display() in page and "Upset" in page
    assert "3\xa0hours" in page
    assert "Take all 2" in page


@pytest.mark.django_db
def test_resolved_escalations_leave_the_row_and_a_case_with_none_open_leaves_the_queue(boss, supervisor, rep, dennis):
    busy = case_at(NOW - dt.timedelta(hours=2), rep, dennis)
    done = raise_on(busy, NOW - dt.timedelta(hours=2))
    raise_on(busy, NOW - dt.timedelta(hours=1))
    quiet = case_at(NOW - dt.timedelta(hours=2), rep, ClientFactory())
    services.escalation_resolve(user=supervisor, escalation=done, resolution="Sorted with the host")
    services.escalation_resolve(user=supervisor, escalation=raise_on(quiet, NOW - dt.timedelta(hours=1)),
                                resolution="Sorted with the host")

    rows = queue_rows(boss)

    assert [row.pk for row in rows] == [busy.pk] and rows[0].escalation_count == 1


# --- which promise broke -----------------------------------------------------------------------------
@pytest.fixture
def berlin_supervisor(supervisor):
    StaffProfileFactory(user=supervisor, time_zone="Europe/Berlin")
    return supervisor


@pytest.fixture
def broken_then_reassigned(rep, other_rep, supervisor):
    """Dennis (New York) was promised an update by `rep`; the sweep broke it; the case went to `other_rep`."""
    rep.first_name, rep.last_name = "Fran", "Moss"
    rep.save()
    dennis = ClientFactory(name="Dennis Hale", time_zone="America/New_York")
    case, promise, _ = case_with_broken_promise(NOW - dt.timedelta(hours=1), rep, dennis)
    with at(NOW - dt.timedelta(minutes=30)):
        services.case_reassign(user=supervisor, case=case, to_user=other_rep, reason="Fran is out",
                               client_informed=True)
    return case, promise


def due_strings(promise):
    """The due time as the Berlin supervisor reads it, and the client's clock beside it."""
    mine = promise.due_at.astimezone(dt.timezone(dt.timedelta(hours=2)))  # Berlin in summer
    theirs = promise.due_at.astimezone(dt.timezone(dt.timedelta(hours=-4)))  # New York in summer
    return f"{mine:%a} {mine.day} {mine:%b} {mine:%H:%M}", f"{theirs:%H:%M} EDT for Dennis Hale"


@pytest.mark.django_db
def test_the_queue_says_which_promise_broke_to_whom_who_held_it_and_when_it_was_due(
        client, berlin_supervisor, other_rep, broken_then_reassigned):
    case, promise = broken_then_reassigned
    client.force_login(berlin_supervisor)

    with at(NOW):
        response = client.get(reverse("supervisor:queue"))

    row = response.context["page"].object_list[0]
    assert [e.promise for e in row.broken] == [promise]
    assert row.owner == other_rep
    page = response.content.decode()
    mine, theirs = due_strings(promise)
    assert f"“{promise.source}”" in page
    assert "to Dennis Hale · held by Fran Moss" in page
    assert mine in page and theirs in page


@pytest.mark.django_db
def test_the_case_escalation_page_says_which_promise_broke_with_both_clocks(
        client, berlin_supervisor, broken_then_reassigned):
    case, promise = broken_then_reassigned
    client.force_login(berlin_supervisor)

    with at(NOW):
        page = client.get(case_url("case_escalations", case)).content.decode()

    mine, theirs = due_strings(promise)
    assert "held by Fran Moss" in page and mine in page and theirs in page


# --- order ---------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_cases_come_hottest_first_then_by_their_oldest_escalation(boss, rep, dennis):
    irate = case_at(NOW - dt.timedelta(hours=8), rep, ClientFactory(), temperature=Mood.IRATE)
    raise_on(irate, NOW - dt.timedelta(minutes=30))
    broken, _, _ = case_with_broken_promise(NOW - dt.timedelta(hours=1), rep, dennis)
    raise_on(broken, NOW - dt.timedelta(minutes=90))  # a calm reason, older: the broken promise still heats the row
    angry_old = case_at(NOW - dt.timedelta(hours=8), rep, ClientFactory(), temperature=Mood.ANGRY)
    raise_on(angry_old, NOW - dt.timedelta(hours=4))
    upset_new = case_at(NOW - dt.timedelta(hours=8), rep, ClientFactory(), temperature=Mood.UPSET)
    raise_on(upset_new, NOW - dt.timedelta(hours=2))
    calm = case_at(NOW - dt.timedelta(hours=8), rep, ClientFactory(), temperature=Mood.CALM)
    raise_on(calm, NOW - dt.timedelta(hours=5))
    anxious_waiting_longest = case_at(NOW - dt.timedelta(hours=8), rep, ClientFactory(), temperature=Mood.ANXIOUS)
    raise_on(anxious_waiting_longest, NOW - dt.timedelta(minutes=10))
    raise_on(anxious_waiting_longest, NOW - dt.timedelta(hours=6))

    rows = queue_rows(boss)

    assert [row.pk for row in rows] == [c.pk for c in (irate, broken, angry_old, upset_new,
                                                       anxious_waiting_longest, calm)]
    assert [row.heat for row in rows] == [0, 1, 2, 2, 3, 3]


@pytest.mark.django_db
def test_the_reason_filter_shows_cases_with_an_open_escalation_of_that_reason(boss, rep, dennis):
    liability = case_at(NOW - dt.timedelta(hours=2), rep, dennis)
    raise_on(liability, NOW - dt.timedelta(hours=1), EscalationReason.LIABILITY)
    raise_on(liability, NOW - dt.timedelta(hours=1))
    other = case_at(NOW - dt.timedelta(hours=2), rep, ClientFactory())
    raise_on(other, NOW - dt.timedelta(hours=1))

    rows = queue_rows(boss, reason="liability")

    assert [row.pk for row in rows] == [liability.pk] and rows[0].reasons == [("Liability question", 1)]


# --- take, note, resolve: every open escalation of the case ------------------------------------------
def shown(escalations):
    """The hidden `shown` inputs of the case's escalation page: the ids it listed."""
    return [str(e.pk) for e in escalations]


@pytest.fixture
def three_open(rep, dennis, supervisor):
    """A case with three open escalations and one resolved earlier."""
    case = case_at(NOW - dt.timedelta(hours=5), rep, dennis)
    old = raise_on(case, NOW - dt.timedelta(hours=4))
    with at(NOW - dt.timedelta(hours=3, minutes=30)):
        services.escalation_resolve(user=supervisor, escalation=old, resolution="Settled last week")
    open_ = [raise_on(case, NOW - dt.timedelta(hours=h), reason)
             for h, reason in ((3, EscalationReason.OTHER), (2, EscalationReason.LIABILITY),
                               (1, EscalationReason.NO_PLAN))]
    return case, open_, old


@pytest.mark.django_db
def test_taking_a_case_takes_each_of_its_open_escalations(boss, supervisor, three_open):
    case, open_, old = three_open

    response = boss.post(case_url("case_take", case), {"shown": shown(open_)})

    assert response.status_code == 302 and response["Location"] == case_url("case_escalations", case)
    for escalation in open_:
        escalation.refresh_from_db()
        assert (escalation.status, escalation.supervisor, escalation.taken_at is not None) == (
            EscalationStatus.TAKEN, supervisor, True)
    old.refresh_from_db()
    assert old.status == EscalationStatus.RESOLVED and old.taken_at is None
    assert CaseEvent.objects.get(case=case, verb="escalation taken").data == {"escalations": [e.pk for e in open_]}


@pytest.mark.django_db
def test_a_note_goes_on_each_open_escalation_of_the_case(boss, supervisor, three_open):
    case, open_, old = three_open

    response = boss.post(case_url("case_note", case), {"text": "Called the host: back by 3pm", "shown": shown(open_)})

    assert response.status_code == 302
    for escalation in open_:
        assert list(escalation.notes.values_list("text", "author")) == [("Called the host: back by 3pm", supervisor.pk)]
    assert old.notes.count() == 0


@pytest.mark.django_db
def test_resolving_a_case_resolves_each_open_escalation_with_its_own_record(boss, supervisor, three_open):
    case, open_, old = three_open

    response = boss.post(case_url("case_resolve", case), {"resolution": "Host committed to 3pm; plan agreed",
                                                         "shown": shown(open_)})

    assert response.status_code == 302
    for escalation in open_:
        escalation.refresh_from_db()
        assert escalation.status == EscalationStatus.RESOLVED and escalation.supervisor == supervisor
        assert escalation.resolution == "Host committed to 3pm; plan agreed" and escalation.resolved_at is not None
    old.refresh_from_db()
    assert old.resolution == "Settled last week"
    case.refresh_from_db()
    assert case.open_escalation_count == 0
    assert queue_rows(boss) == []


@pytest.mark.django_db
def test_taking_is_refused_and_nothing_taken_when_another_supervisor_holds_one_of_them(boss, three_open):
    case, open_, _ = three_open
    maria = SupervisorFactory(first_name="Maria", last_name="Lopez")
    services.escalation_take(user=maria, escalation=open_[0])

    response = boss.post(case_url("case_take", case), {"shown": shown(open_)}, follow=True)

    assert "Maria Lopez has already taken escalations on this case." in response.content.decode()
    assert Escalation.objects.filter(case=case, status=EscalationStatus.TAKEN).count() == 1


@pytest.mark.django_db
def test_an_empty_note_is_refused_next_to_the_field_and_no_escalation_gets_one(boss, three_open):
    case, _, _ = three_open

    response = boss.post(case_url("case_note", case), {"text": "   "})

    assert response.status_code == 422 and "text" in response.context["note_form"].errors
    assert 'id="note_text_error"' in response.content.decode()
    assert not EscalationNote.objects.exists()


@pytest.mark.django_db
def test_the_case_services_refuse_a_case_with_nothing_open(supervisor, rep, dennis):
    case = open_case(rep, dennis)

    with pytest.raises(CaseRuleError, match="no open escalation to take"):
        services.case_escalations_take(user=supervisor, case=case)
    with pytest.raises(CaseRuleError, match="no open escalation to resolve"):
        services.case_escalations_resolve(user=supervisor, case=case, resolution="x")


@pytest.mark.django_db
def test_the_case_services_refuse_a_rep(rep, three_open):
    case, open_, _ = three_open

    for call in (lambda: services.case_escalations_take(user=rep, case=case),
                 lambda: services.case_escalations_note(user=rep, case=case, text="x"),
                 lambda: services.case_escalations_resolve(user=rep, case=case, resolution="x")):
        with pytest.raises(CaseRuleError, match="supervisors"):
            call()
    assert Escalation.objects.filter(case=case, status=EscalationStatus.OPEN).count() == 3


# --- the case's escalation page --------------------------------------------------------------------
@pytest.mark.django_db
def test_the_case_page_lists_open_and_recently_resolved_escalations_each_with_its_notes(boss, supervisor, three_open):
    case, open_, old = three_open
    services.escalation_add_note(user=supervisor, escalation=old, text="Old note on the settled one")
    services.case_escalations_note(user=supervisor, case=case, text="Fresh note for the open ones")

    with at(NOW):
        response = boss.get(case_url("case_escalations", case))

    assert response.context["open_escalations"] == open_
    assert response.context["resolved_escalations"] == [old]
    page = response.content.decode()
    assert page.count("Fresh note for the open ones") == 3 and page.count("Old note on the settled one") == 1
    assert "Work the escalations" in page and "Change the case" in page
    assert "hx-confirm" not in page and "onclick" not in page


@pytest.mark.django_db
def test_a_long_resolved_escalation_is_counted_not_listed(boss, supervisor, rep, dennis):
    case = case_at(NOW - dt.timedelta(days=60), rep, dennis)
    with at(NOW - dt.timedelta(days=59)):
        services.escalation_resolve(user=supervisor, escalation=raise_on(case, NOW - dt.timedelta(days=59)),
                                    resolution="Long ago")

    with at(NOW):
        response = boss.get(case_url("case_escalations", case))

    assert response.context["resolved_escalations"] == [] and response.context["older_resolved"] == 1


@pytest.mark.django_db
def test_an_unknown_case_is_not_found(boss):
    assert boss.get(reverse("supervisor:case_escalations", kwargs={"reference": "C-999999"})).status_code == 404


# --- who gets in ---------------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("name, data", [
    ("case_take", {}), ("case_note", {"text": "x"}), ("case_resolve", {"resolution": "x"}),
    ("case_force_close", {"reason": "x", "confirm": "on"}),
    ("case_reassign", {"reason": "x", "client_informed": "on", "confirm": "on"}),
])
def test_a_rep_is_forbidden_every_case_action_and_nothing_changes(client, rep, other_rep, three_open, name, data):
    case, _, _ = three_open
    client.force_login(rep)

    response = client.post(case_url(name, case), {**data, "to_user": other_rep.pk})

    case.refresh_from_db()
    assert response.status_code == 403
    assert Escalation.objects.filter(case=case, status=EscalationStatus.OPEN).count() == 3
    assert not EscalationNote.objects.exists()
    assert (case.step, case.owner) == (Step.IDENTIFY, rep)


@pytest.mark.django_db
def test_a_rep_is_forbidden_the_case_escalation_page(client, rep, three_open):
    client.force_login(rep)

    assert client.get(case_url("case_escalations", three_open[0])).status_code == 403


# --- changing the case needs a confirmation --------------------------------------------------------
@pytest.mark.django_db
def test_reassigning_without_the_confirmation_is_refused_and_nothing_changes(boss, rep, other_rep, three_open):
    case, _, _ = three_open

    response = boss.post(case_url("case_reassign", case),
                         {"to_user": other_rep.pk, "reason": "Rep on leave tomorrow", "client_informed": "on"})

    assert response.status_code == 422
    assert response.context["reassign_form"].errors["confirm"] == [
        "Tick the box to confirm you mean to reassign the case."]
    assert 'id="reassign_confirm_error"' in response.content.decode()
    case.refresh_from_db()
    assert case.owner == rep and not case.handoffs.exists()


@pytest.mark.django_db
def test_reassigning_with_the_confirmation_moves_the_case(boss, rep, other_rep, three_open):
    case, _, _ = three_open

    response = boss.post(case_url("case_reassign", case), {
        "to_user": other_rep.pk, "reason": "Rep on leave tomorrow", "client_informed": "on", "confirm": "on"})

    case.refresh_from_db()
    assert response.status_code == 302 and case.owner == other_rep and rep in case.watchers.all()


@pytest.mark.django_db
def test_closing_without_the_confirmation_is_refused_and_the_case_stays_open(boss, rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.GATHER, rep)
    raise_on(case, NOW)

    response = boss.post(case_url("case_force_close", case), {"reason": "Client withdrew the complaint"})

    assert response.status_code == 422
    assert response.context["close_form"].errors["confirm"] == ["Tick the box to confirm you mean to close the case."]
    case.refresh_from_db()
    assert case.step == Step.GATHER and not case.closed_by_override


@pytest.mark.django_db
def test_closing_with_the_confirmation_closes_the_case_and_resolves_its_escalations(boss, rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.GATHER, rep)
    escalation = raise_on(case, NOW)

    response = boss.post(case_url("case_force_close", case), {"reason": "Client withdrew", "confirm": "on",
                                                              "shown": shown([escalation])})

    case.refresh_from_db()
    escalation.refresh_from_db()
    assert response.status_code == 302 and case.step == Step.RESOLVED and case.closed_by_override
    assert escalation.status == EscalationStatus.RESOLVED


# --- fixed number of queries ---------------------------------------------------------------------------
TEMPERATURES = [Mood.CALM, Mood.ANXIOUS, Mood.UPSET, Mood.ANGRY, Mood.IRATE]


def build_cases(n, supervisor):
    """n cases, each with two open escalations from a different rep; every third one taken."""
    for i in range(n):
        owner = RepFactory()
        case = case_at(NOW - dt.timedelta(hours=3), owner, ClientFactory(), temperature=TEMPERATURES[i % 5])
        first = raise_on(case, NOW - dt.timedelta(hours=2), EscalationReason.LIABILITY)
        raise_on(case, NOW - dt.timedelta(hours=1))
        if i % 3 == 0:
            services.escalation_take(user=supervisor, escalation=first)


def queries(boss, url):
    with at(NOW), CaptureQueriesContext(connection) as captured:
        response = boss.get(url)
    assert response.status_code == 200
    return len(captured), response


@pytest.mark.django_db
def test_the_queue_costs_the_same_queries_at_3_and_at_a_full_page_of_cases(boss, supervisor, rep, dennis):
    case_with_broken_promise(NOW - dt.timedelta(hours=1), rep, dennis)
    build_cases(2, supervisor)
    few, response = queries(boss, reverse("supervisor:queue"))
    assert len(response.context["page"].object_list) == 3

    build_cases(27, supervisor)
    many, response = queries(boss, reverse("supervisor:queue"))

    assert len(response.context["page"].object_list) == 25  # a full page (supervisor_views.escalations.PAGE_SIZE)
    assert few == many <= 10


@pytest.mark.django_db
def test_the_case_page_costs_the_same_queries_for_one_escalation_or_many(boss, supervisor, rep, dennis):
    case, _, _ = case_with_broken_promise(NOW - dt.timedelta(hours=1), rep, dennis)
    few, _ = queries(boss, case_url("case_escalations", case))
    for hours in range(2, 8):
        raise_on(case, NOW - dt.timedelta(minutes=hours))
    services.case_escalations_note(user=supervisor, case=case, text="One note on each")

    many, response = queries(boss, case_url("case_escalations", case))

    assert len(response.context["open_escalations"]) == 7
    assert few == many


@pytest.mark.django_db
def test_the_queue_costs_the_same_queries_whatever_the_number_of_supervisors_who_took_its_escalations(
        boss, supervisor, rep, dennis):
    """Deciding whether each taker still holds their escalation (one who left the role does not) reads all
    the takers' permissions in one statement, not one per supervisor."""
    build_cases(3, supervisor)
    few, _ = queries(boss, reverse("supervisor:queue"))
    for _ in range(4):
        build_cases(1, SupervisorFactory())

    many, response = queries(boss, reverse("supervisor:queue"))

    assert len(response.context["page"].object_list) == 7
    assert few == many
