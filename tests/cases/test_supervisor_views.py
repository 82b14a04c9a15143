"""The supervisor's pages: the escalation queue (order, filters, actions) and the team dashboard.
Only holders of cases.work_escalations get in; refusals from the services land next to the field
with the input kept; the pages cost a fixed number of queries. The queue is one row per case (each
escalation here is on a case of its own; grouping is tested in test_escalation_queue.py), and the
per-escalation URLs of the old queue keep working: they lead to, and act on, the escalation's case."""
import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import services
from cases.models import CaseEvent, EscalationReason, EscalationStatus, Mood, PromiseKind, Step
from tests.cases.helpers import advance_to, open_case, plan_ready
from tests.factories import ClientFactory, RepFactory, SupervisorFactory

NOW = dt.datetime(2025, 6, 30, 12, 0, tzinfo=dt.UTC)


def at(moment):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def boss(client, supervisor):
    client.force_login(supervisor)
    return client


@pytest.fixture
def escalation(rep, dennis):
    case = open_case(rep, dennis)
    return services.escalation_raise(user=rep, case=case, reason=EscalationReason.NO_PLAN,
                                      note="The host will not say when the server is back")


def url(name, escalation=None):
    return reverse(f"supervisor:{name}", kwargs={"pk": escalation.pk} if escalation else None)


def case_page(escalation):
    return reverse("supervisor:case_escalations", kwargs={"reference": escalation.case.reference})


def listed(response):
    """The queue's rows as the escalations they stand for (one escalation per case in these tests)."""
    return [row.escalations_listed[0] for row in response.context["page"].object_list]


# --- who gets in -----------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("name", ["queue", "dashboard"])
def test_anonymous_visitors_are_sent_to_log_in(client, name):
    response = client.get(url(name))

    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["queue", "dashboard"])
def test_a_rep_is_forbidden_the_supervisor_pages(client, rep, name):
    client.force_login(rep)

    assert client.get(url(name)).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("name, data", [
    ("take", {}), ("add_note", {"text": "x"}), ("resolve", {"resolution": "x"}),
    ("force_close", {"reason": "x", "confirm": "on"}),
    ("reassign", {"reason": "x", "client_informed": "on", "confirm": "on"}),
])
def test_a_rep_cannot_act_on_an_escalation(client, rep, other_rep, escalation, name, data):
    client.force_login(rep)

    response = client.post(url(name, escalation), {**data, "to_user": other_rep.pk})

    escalation.refresh_from_db()
    assert response.status_code == 403
    assert escalation.status == EscalationStatus.OPEN and escalation.notes.count() == 0
    assert (escalation.case.step, escalation.case.owner) == (Step.IDENTIFY, rep)


@pytest.mark.django_db
def test_working_any_case_is_not_enough_to_work_the_queue(client, rep):
    rep.user_permissions.add(Permission.objects.get(codename="work_any_case"))
    client.force_login(rep)

    assert client.get(url("queue")).status_code == 403


@pytest.mark.django_db
def test_actions_take_post_only(boss, escalation):
    assert boss.get(url("take", escalation)).status_code == 405


@pytest.mark.django_db
def test_an_unknown_escalation_is_not_found(boss):
    assert boss.get(reverse("supervisor:escalation", kwargs={"pk": 999999})).status_code == 404


# --- the queue -------------------------------------------------------------------------------------
def raise_at(moment, owner, client, *, temperature, reason=EscalationReason.OTHER):
    with at(moment):
        case = open_case(owner, client, temperature=temperature)
        return services.escalation_raise(user=owner, case=case, reason=reason, note=f"Help: {reason}")


def broken_promise_at(moment, owner, client):
    with at(moment - dt.timedelta(hours=2)):
        case = plan_ready(advance_to(open_case(owner, client, temperature=Mood.ANXIOUS), Step.PLAN, owner), owner)
    with at(moment):
        _, escalation = services.promise_break(promise=case.promises.get(kind=PromiseKind.STATUS_UPDATE))
    return escalation


@pytest.mark.django_db
def test_the_queue_puts_irate_then_broken_promises_then_angry_or_upset_then_the_rest_oldest_first(
        boss, rep, dennis):
    calm_old = raise_at(NOW - dt.timedelta(hours=5), rep, dennis, temperature=Mood.CALM)
    anxious_new = raise_at(NOW - dt.timedelta(hours=1), rep, dennis, temperature=Mood.ANXIOUS)
    upset = raise_at(NOW - dt.timedelta(hours=2), rep, dennis, temperature=Mood.UPSET)
    broken = broken_promise_at(NOW - dt.timedelta(hours=3), rep, dennis)
    irate = raise_at(NOW - dt.timedelta(minutes=30), rep, dennis, temperature=Mood.ANXIOUS,
                     reason=EscalationReason.IRATE)
    angry_older = raise_at(NOW - dt.timedelta(hours=4), rep, dennis, temperature=Mood.ANGRY)

    response = boss.get(url("queue"))

    assert listed(response) == [irate, broken, angry_older, upset, calm_old, anxious_new]


@pytest.mark.django_db
def test_a_queue_row_shows_case_client_reason_age_who_raised_it_and_owner(boss, rep, dennis):
    rep.first_name, rep.last_name = "Dana", "Whitlock"
    rep.save()
    with at(NOW - dt.timedelta(hours=3)):
        raise_at(NOW - dt.timedelta(hours=3), rep, dennis, temperature=Mood.CALM,
                 reason=EscalationReason.LIABILITY)
    broken = broken_promise_at(NOW - dt.timedelta(hours=1), rep, dennis)

    with at(NOW):
        page = boss.get(url("queue")).content.decode()

    assert broken.case.reference in page and "Dennis" in page
    assert "Liability question" in page and "Broken promise" in page
    assert "3\xa0hours" in page and "Dana Whitlock" in page
    assert "Raised by system" in page


@pytest.mark.django_db
def test_taken_escalations_stay_in_the_queue_and_resolved_ones_leave_it(boss, supervisor, rep, dennis):
    taken = raise_at(NOW, rep, dennis, temperature=Mood.CALM)
    resolved = raise_at(NOW, rep, dennis, temperature=Mood.CALM)
    services.escalation_take(user=supervisor, escalation=taken)
    services.escalation_resolve(user=supervisor, escalation=resolved, resolution="Sorted with the host")

    rows = listed(boss.get(url("queue")))

    assert rows == [taken]


@pytest.mark.django_db
def test_the_queue_filters_by_reason_and_by_status(boss, supervisor, rep, dennis):
    liability = raise_at(NOW, rep, dennis, temperature=Mood.CALM, reason=EscalationReason.LIABILITY)
    other = raise_at(NOW, rep, dennis, temperature=Mood.CALM)
    services.escalation_take(user=supervisor, escalation=other)

    by_reason = listed(boss.get(url("queue"), {"reason": "liability"}))
    by_status = listed(boss.get(url("queue"), {"status": "taken"}))
    resolved = listed(boss.get(url("queue"), {"status": "resolved"}))

    assert by_reason == [liability]
    assert by_status == [other]
    assert resolved == []


@pytest.mark.django_db
def test_an_unknown_filter_value_shows_the_whole_queue(boss, escalation):
    response = boss.get(url("queue"), {"reason": "made-up", "status": "nope"})

    assert response.status_code == 200 and listed(response) == [escalation]


def queue_queries(boss):
    with CaptureQueriesContext(connection) as queries:
        assert boss.get(url("queue")).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_the_queue_costs_the_same_queries_for_one_escalation_or_many(boss, rep, dennis):
    raise_at(NOW, rep, dennis, temperature=Mood.CALM)
    few = queue_queries(boss)
    for _ in range(6):
        owner = RepFactory()
        raise_at(NOW, owner, ClientFactory(), temperature=Mood.UPSET, reason=EscalationReason.LIABILITY)
    broken_promise_at(NOW, rep, dennis)

    many = queue_queries(boss)

    assert few == many <= 8


# --- take, note, resolve -----------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_supervisor_takes_an_escalation(boss, supervisor, escalation):
    response = boss.post(url("take", escalation))

    escalation.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == case_page(escalation)
    assert escalation.status == EscalationStatus.TAKEN and escalation.supervisor == supervisor


@pytest.mark.django_db
def test_the_old_escalation_page_leads_to_its_case_page(boss, escalation):
    response = boss.get(url("escalation", escalation))

    assert response.status_code == 302 and response["Location"] == f"{case_page(escalation)}#escalation-{escalation.pk}"
    assert f'id="escalation-{escalation.pk}"' in boss.get(case_page(escalation)).content.decode()


@pytest.mark.django_db
def test_taking_an_escalation_another_supervisor_holds_is_refused_with_a_message(boss, escalation):
    other = SupervisorFactory(first_name="Maria", last_name="Lopez")
    services.escalation_take(user=other, escalation=escalation)

    response = boss.post(url("take", escalation), follow=True)

    escalation.refresh_from_db()
    assert escalation.supervisor == other
    assert "Maria Lopez has already taken this escalation." in response.content.decode()


@pytest.mark.django_db
def test_a_supervisor_adds_a_note(boss, supervisor, escalation):
    response = boss.post(url("add_note", escalation), {"text": "Called the host: back by 3pm"})

    assert response.status_code == 302
    assert escalation.notes.get().text == "Called the host: back by 3pm"


@pytest.mark.django_db
def test_an_empty_note_is_refused_next_to_the_field(boss, escalation):
    response = boss.post(url("add_note", escalation), {"text": "   "})

    assert response.status_code == 200
    assert "text" in response.context["note_form"].errors
    assert 'id="note_text_error"' in response.content.decode()
    assert escalation.notes.count() == 0


@pytest.mark.django_db
def test_a_supervisor_resolves_an_escalation(boss, escalation):
    response = boss.post(url("resolve", escalation), {"resolution": "Host committed to 3pm; plan agreed"})

    escalation.refresh_from_db()
    assert response.status_code == 302
    assert escalation.status == EscalationStatus.RESOLVED and escalation.resolution.startswith("Host")


@pytest.mark.django_db
def test_resolving_twice_is_refused_and_the_text_is_kept(boss, supervisor, escalation):
    services.escalation_resolve(user=supervisor, escalation=escalation, resolution="Done already")

    response = boss.post(url("resolve", escalation), {"resolution": "Second try at resolving"})

    assert response.status_code == 200
    assert response.context["resolve_form"].non_field_errors() == [
        f"{escalation.case.reference} has no open escalation to resolve."]
    escalation.refresh_from_db()
    assert escalation.resolution == "Done already"


# --- reassign ----------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_supervisor_reassigns_the_case_and_the_old_owner_watches(boss, rep, other_rep, escalation):
    response = boss.post(url("reassign", escalation), {
        "to_user": other_rep.pk, "reason": "Rep on leave tomorrow", "client_informed": "on", "confirm": "on",
    })

    case = escalation.case
    case.refresh_from_db()
    assert response.status_code == 302
    assert case.owner == other_rep and rep in case.watchers.all()
    assert CaseEvent.objects.filter(case=case, verb="reassigned").exists()


@pytest.mark.django_db
def test_reassigning_without_telling_the_client_is_refused_next_to_the_box_with_the_input_kept(
        boss, rep, other_rep, escalation):
    response = boss.post(url("reassign", escalation),
                         {"to_user": other_rep.pk, "reason": "Rep on leave tomorrow", "confirm": "on"})

    form = response.context["reassign_form"]
    assert response.status_code == 200
    assert form.errors["client_informed"] == ["Confirm the client has been told who now handles the case."]
    assert "Rep on leave tomorrow" in response.content.decode()
    assert f'<option value="{other_rep.pk}" selected>' in response.content.decode()
    escalation.case.refresh_from_db()
    assert escalation.case.owner == rep


@pytest.mark.django_db
def test_the_new_owner_picker_offers_active_reps_and_supervisors_but_not_the_owner(boss, rep, other_rep, escalation):
    gone = RepFactory(is_active=False)

    picker = boss.get(case_page(escalation)).context["reassign_form"].fields["to_user"].queryset

    assert other_rep in picker and rep not in picker and gone not in picker


@pytest.mark.django_db
def test_reassigning_to_someone_outside_the_picker_is_refused(boss, rep, escalation):
    response = boss.post(url("reassign", escalation),
                         {"to_user": rep.pk, "reason": "x", "client_informed": "on", "confirm": "on"})

    assert response.status_code == 200 and "to_user" in response.context["reassign_form"].errors


# --- the closing override ------------------------------------------------------------------------
@pytest.fixture
def stuck(rep, dennis):
    """An escalation on a case stuck in gather: no answered question, no root problem."""
    case = advance_to(open_case(rep, dennis), Step.GATHER, rep)
    return services.escalation_raise(user=rep, case=case, reason=EscalationReason.NO_PLAN,
                                      note="Client will not say what happened")


@pytest.mark.django_db
def test_a_supervisor_closes_a_case_whose_gate_is_not_met_and_it_is_audited(boss, supervisor, stuck):
    response = boss.post(url("force_close", stuck), {"reason": "Client withdrew the complaint", "confirm": "on"})

    case = stuck.case
    case.refresh_from_db()
    event = CaseEvent.objects.get(case=case, to_step=Step.RESOLVED)
    assert response.status_code == 302
    assert case.step == Step.RESOLVED and case.closed_by_override
    assert (event.actor, event.from_step, event.note) == (supervisor, Step.GATHER, "Client withdrew the complaint")


@pytest.mark.django_db
def test_the_override_form_lists_what_the_step_still_lacks(boss, stuck):
    page = boss.get(case_page(stuck)).content.decode()

    gaps = stuck.case.gate_gaps()
    assert len(gaps) == 2 and all(gap.replace("'", "&#x27;") in page for gap in gaps)
    assert "Close the case by override" in page


@pytest.mark.django_db
def test_the_override_needs_a_reason(boss, stuck):
    response = boss.post(url("force_close", stuck), {"reason": "", "confirm": "on"})

    stuck.case.refresh_from_db()
    assert response.status_code == 200 and "reason" in response.context["close_form"].errors
    assert stuck.case.step == Step.GATHER


@pytest.mark.django_db
def test_closing_an_already_resolved_case_is_refused_at_the_top_of_the_form(boss, supervisor, stuck):
    services.case_transition(user=supervisor, case=stuck.case, name="force_close", reason="First")

    response = boss.post(url("force_close", stuck), {"reason": "Second", "confirm": "on"})

    errors = response.context["close_form"].non_field_errors()
    assert response.status_code == 200 and "cannot be applied" in errors[0]
    assert CaseEvent.objects.filter(case=stuck.case, to_step=Step.RESOLVED).count() == 1


# --- the dashboard -----------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("days", [7, 30, 90])
def test_the_dashboard_shows_the_chosen_window(boss, days):
    response = boss.get(url("dashboard"), {"days": days})

    assert response.status_code == 200 and response.context["board"].window.days == days


@pytest.mark.django_db
def test_the_window_picker_shows_the_default_window_the_numbers_cover(boss):
    response = boss.get(url("dashboard"))

    assert response.context["board"].window.days == 30
    assert '<option value="30" selected>' in response.content.decode()


@pytest.mark.django_db
def test_an_unknown_window_falls_back_to_30_days_and_says_so(boss):
    response = boss.get(url("dashboard"), {"days": "365"})

    assert response.context["board"].window.days == 30
    assert "days" in response.context["form"].errors


@pytest.mark.django_db
def test_the_dashboard_headline_is_the_promise_keeping_rate(boss, rep, dennis):
    with at(NOW - dt.timedelta(days=2)):
        case = plan_ready(advance_to(open_case(rep, dennis), Step.PLAN, rep), rep)
        services.action_item_complete(user=rep, item=case.action_items.get())

    with at(NOW):
        page = boss.get(url("dashboard")).content.decode()

    assert "Promises kept:" in page and "<strong>100%</strong>" in page


def dashboard_queries(boss):
    with at(NOW), CaptureQueriesContext(connection) as queries:
        response = boss.get(url("dashboard"))
    assert response.status_code == 200
    return len(queries), response.context["board"].team.resolved


@pytest.mark.django_db
def test_the_dashboard_page_costs_the_same_queries_for_one_case_or_many(boss, rep, dennis):
    with at(NOW - dt.timedelta(days=1)):
        advance_to(open_case(rep, dennis), Step.RESOLVED, rep)
    few = dashboard_queries(boss)
    with at(NOW - dt.timedelta(days=1)):
        for _ in range(5):
            owner = RepFactory()
            advance_to(open_case(owner, ClientFactory()), Step.RESOLVED, owner)

    many = dashboard_queries(boss)

    assert (few[1], many[1]) == (1, 6)
    assert few[0] == many[0] <= 16


# --- the team page's charts, their tables and CSV ----------------------------------------------------
FIGURES = ("keeping", "renegotiated", "steps", "mood", "escalations", "eta")


def named(user, first, last):
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return user


def csv_of(response):
    return b"".join(response.streaming_content).decode()


@pytest.fixture
def busy_week(rep, dennis):
    """A case resolved with a delivery, an escalation and kept promises, two days before NOW."""
    with at(NOW - dt.timedelta(days=2)):
        case = advance_to(open_case(rep, dennis, temperature=Mood.UPSET), Step.DELIVER, rep)
        services.delivery_record(user=rep, case=case, verified_with_client=True, client_satisfied=True,
                                 prevention_note="Upgrades now run with a tested rollback", client_mood=Mood.SATISFIED,
                                 follow_up_on=(NOW + dt.timedelta(days=5)).date())
        case.refresh_from_db()
        case = services.case_transition(user=rep, case=case, name="complete_deliver")
        services.escalation_raise(user=rep, case=open_case(rep, dennis), reason=EscalationReason.LIABILITY,
                                  note="Refund asked")
    return case


@pytest.mark.django_db
def test_the_team_page_draws_each_chart_with_its_table_and_csv_link(boss, busy_week):
    with at(NOW):
        page = boss.get(url("dashboard"), {"days": 7}).content.decode()

    for name in FIGURES:
        section = page.split(f'id="figure-{name}"', 1)[1].split("</section>", 1)[0]
        assert '<svg class="chart" role="img"' in section and "<table" in section, name
        assert f"?days=7&amp;format=csv&amp;chart={name}" in section, name


@pytest.mark.django_db
def test_an_empty_window_says_so_for_every_chart(boss):
    page = boss.get(url("dashboard")).content.decode()

    assert "<svg" not in page
    for words in ("No promise fell due in these 30 days.", "No case left a step in these 30 days.",
                  "No case was resolved in these 30 days", "No escalation was raised in these 30 days.",
                  "No case reached Deliver against an estimate in these 30 days."):
        assert words in page


@pytest.mark.django_db
def test_the_mood_reads_as_moods_not_scores(boss, busy_week):
    with at(NOW):
        page = boss.get(url("dashboard")).content.decode()

    assert "Upset → Satisfied" in page
    assert not re.search(r"\d\.\d \((Upset|Satisfied)\)", page)  # not "2.0 (Upset) → 5.0"


@pytest.mark.django_db
def test_a_chart_downloads_as_csv_for_the_same_window(boss, busy_week):
    with at(NOW):
        response = boss.get(url("dashboard"), {"days": 7, "format": "csv", "chart": "escalations"})

    lines = csv_of(response).splitlines()
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="team-escalations-7-days.csv"' in response["Content-Disposition"]
    assert lines[0] == "week_starting,liability,total"
    assert lines[1:] == ["2025-06-23,1,1", "2025-06-30,0,0"]


@pytest.mark.django_db
def test_the_csv_cannot_carry_a_spreadsheet_formula(boss, rep, busy_week):
    named(rep, "=HYPERLINK(\"http://evil\")", "")

    with at(NOW):
        response = boss.get(url("dashboard"), {"format": "csv", "chart": "renegotiated"})

    body = csv_of(response)
    assert "'=HYPERLINK" in body
    assert not any(line.startswith(("=", "+", "-", "@")) for line in body.splitlines())


@pytest.mark.django_db
@pytest.mark.parametrize("chart", ["nope", "", "<script>"])
def test_an_unknown_chart_is_not_found(boss, busy_week, chart):
    with at(NOW):
        assert boss.get(url("dashboard"), {"format": "csv", "chart": chart}).status_code == 404


@pytest.mark.django_db
def test_a_rep_cannot_download_the_team_numbers(client, rep):
    client.force_login(rep)

    assert client.get(url("dashboard"), {"format": "csv", "chart": "keeping"}).status_code == 403


# --- the team page agrees with the case pages ----------------------------------------------------------
T0 = NOW - dt.timedelta(days=10)
H = dt.timedelta(hours=1)
MIN = dt.timedelta(minutes=1)


def _planned(owner, client):
    with at(T0):
        return plan_ready(advance_to(open_case(owner, client), Step.PLAN, owner), owner)


def _update(user, case, when):
    with at(when):
        services.status_update_log(user=user, case=case, summary="Restore under way, back by 5pm",
                                   channel="phone", client_mood=Mood.CALM)


def _done(user, case, when):
    with at(when):
        services.action_item_complete(user=user, item=case.action_items.get())


def _known_cases(alex, fran, supervisor):
    """Three cases whose promises have known outcomes (updates every hour, item due +3h, ETA +1h..+5h).
    A, Alex's: update kept, item kept, next update broken by the sweep -> Alex 2 kept, 1 broken.
    B, Fran's: update kept, ETA renegotiated, item done late -> Fran 1 kept, 1 broken, 1 renegotiated.
    C, Alex's then Fran's: Alex keeps an update; the next is overdue when a supervisor hands the case to
    Fran (broken, for Alex); Alex still does his item on time; Fran keeps the next update
    -> Alex 2 kept, 1 broken; Fran 1 kept."""
    a, b, c = (_planned(owner, ClientFactory()) for owner in (alex, fran, alex))
    _update(alex, a, T0 + 30 * MIN)
    _done(alex, a, T0 + 20 * MIN)
    with at(T0 + 150 * MIN):
        services.promise_break(promise=a.promises.get(kind=PromiseKind.STATUS_UPDATE, status="pending"))

    _update(fran, b, T0 + 30 * MIN)
    with at(T0 + H):
        services.promise_renegotiate(user=fran, promise=b.promises.get(kind=PromiseKind.ETA), new_due_at=T0 + 8 * H,
                                     agreed_channel="phone", agreed_text="Client agreed to 8pm tonight")
    _done(fran, b, T0 + 4 * H)

    _update(alex, c, T0 + 30 * MIN)
    with at(T0 + 150 * MIN):
        services.case_reassign(user=supervisor, case=c, to_user=fran, reason="Alex is out", client_informed=True)
    _done(alex, c, T0 + 160 * MIN)
    _update(fran, c, T0 + 165 * MIN)  # the broken update, done late: still broken
    _update(fran, c, T0 + 195 * MIN)  # keeps the next one
    return a, b, c


def _case_page_score(boss, case):
    page = boss.get(reverse("cases:case_detail", args=[case.reference])).content.decode()
    kept, broken = re.search(r'promises__score"><span class="chip chip--ok">(\d+) kept</span> '
                             r'<span class="chip[^"]*">(\d+) broken</span>', page).groups()
    return int(kept), int(broken)


def _team_page_row(page, name):
    found = re.search(rf'<th scope="row">{re.escape(name)}</th>\s*<td class="headline">(\S+)\s*'
                      r"<small>(\d+) kept / (\d+) broken</small></td>\s*<td>(\S+)\s*<small>(\d+) moved</small>", page)
    rate, kept, broken, renegotiated_share, renegotiated = found.groups()
    return rate, int(kept), int(broken), renegotiated_share, int(renegotiated)


@pytest.mark.django_db
def test_the_team_page_and_the_case_pages_count_the_same_promises(boss, rep, other_rep, supervisor):
    alex, fran = named(rep, "Alex", "Kim"), named(other_rep, "Fran", "Moss")
    cases = _known_cases(alex, fran, supervisor)

    with at(NOW):
        page = boss.get(url("dashboard")).content.decode()
        scores = [_case_page_score(boss, case) for case in cases]

    assert scores == [(2, 1), (1, 1), (3, 1)]
    assert _team_page_row(page, "Alex Kim") == ("67%", 4, 2, "0%", 0)
    assert _team_page_row(page, "Fran Moss") == ("67%", 2, 1, "25%", 1)
    team = _team_page_row(page, "Team")
    assert (team[1], team[2]) == (sum(k for k, _ in scores), sum(b for _, b in scores))
    assert "<strong>67%</strong>" in page and "(6 kept, 3 broken" in page
