"""A rep's time in a step is the time they held the case in it (cases.models.HeldStay): handing a case that
sat for days to a teammate who moves it on at once leaves the days with the rep who held them, whether the
case changes hands by a handoff, a supervisor's reassignment or the claim of a case opened from email. The
team's figure is the whole stay. Through the PostgreSQL statement and the portable path `make run` takes."""
import datetime as dt
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from cases import services
from cases.models import CaseEvent, HeldStay, Mood, Step
from tests.cases.helpers import DENNIS_CONCERN
from tests.cases.metrics_support import (
    H, NOW, PATHS, T0, at, board, held_alone_as_expected, next_step, on_path, open_and_identify, row,
)

DAY = dt.timedelta(days=1)


def stuck_then_handed_on(rep, other_rep, dennis, *, move):
    """Acknowledge entered at T0 + 1 h; the case sits with `rep` for four days, changes hands by `move`,
    and the teammate finishes the step an hour later."""
    case = open_and_identify(rep, dennis, opened=T0, identified=T0 + H)
    with at(T0 + H + 4 * DAY):
        move(case)
    with at(T0 + 2 * H + 4 * DAY):
        next_step(case, other_rep)
    return case


def handoff(rep, other_rep):
    def move(case):
        offered = services.handoff_request(user=rep, case=case, to_user=other_rep,
                                           reason="Away for the rest of the week")
        services.handoff_accept(user=other_rep, handoff=offered, client_informed=True)
    return move


def reassignment(supervisor, other_rep):
    def move(case):
        services.case_reassign(user=supervisor, case=case, to_user=other_rep, reason="Rebalancing the week",
                               client_informed=True)
    return move


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("by", ["handoff", "reassignment"])
def test_days_a_case_sat_stay_with_the_rep_who_held_it_not_the_teammate_who_moved_it_on(
        by, path, rep, other_rep, supervisor, dennis, monkeypatch):
    move = handoff(rep, other_rep) if by == "handoff" else reassignment(supervisor, other_rep)
    stuck_then_handed_on(rep, other_rep, dennis, move=move)
    on_path(path, monkeypatch)

    dashboard = board(days=30)

    assert row(dashboard, rep).median_in(Step.ACKNOWLEDGE) == 4 * DAY
    assert row(dashboard, other_rep).median_in(Step.ACKNOWLEDGE) == H
    assert dashboard.team.median_in(Step.ACKNOWLEDGE) == 4 * DAY + H  # the client waited the whole stay
    assert dashboard.team.stays_in(Step.ACKNOWLEDGE) == 1
    assert [row(dashboard, who).stays_in(Step.ACKNOWLEDGE) for who in (rep, other_rep)] == [1, 1]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_a_part_held_while_the_step_goes_on_counts_once_the_case_changes_hands(path, rep, other_rep, dennis,
                                                                                monkeypatch):
    """The step is not over (the teammate still has it), but the rep's part of it is."""
    case = open_and_identify(rep, dennis, opened=T0, identified=T0 + H)
    with at(T0 + H + 3 * DAY):
        handoff(rep, other_rep)(case)
    on_path(path, monkeypatch)

    dashboard = board(days=30)

    assert row(dashboard, rep).median_in(Step.ACKNOWLEDGE) == 3 * DAY
    assert row(dashboard, other_rep).median_in(Step.ACKNOWLEDGE) is None
    assert dashboard.team.median_in(Step.ACKNOWLEDGE) is None  # no stay in acknowledge has ended


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_a_case_handed_back_and_forth_counts_each_reps_parts_of_the_stay_added_up(path, rep, other_rep, dennis,
                                                                                   monkeypatch):
    case = open_and_identify(rep, dennis, opened=T0, identified=T0 + H)
    with at(T0 + 3 * H):
        handoff(rep, other_rep)(case)
    with at(T0 + 8 * H):
        handoff(other_rep, rep)(case)
    with at(T0 + 9 * H):
        next_step(case, rep)
    on_path(path, monkeypatch)

    dashboard = board(days=30)

    assert row(dashboard, rep).stays_in(Step.ACKNOWLEDGE) == 1  # one stay: 2 h, then 1 h, added up
    assert row(dashboard, rep).median_in(Step.ACKNOWLEDGE) == 3 * H
    assert row(dashboard, other_rep).median_in(Step.ACKNOWLEDGE) == 5 * H
    assert dashboard.team.median_in(Step.ACKNOWLEDGE) == 8 * H
    parts = list(HeldStay.objects.filter(case=case, step=Step.ACKNOWLEDGE).values_list("owner", "seconds", "alone"))
    # The teammate's part is their only one (taken as it is); the rep's two are added up.
    assert parts == [(rep.pk, 2 * 3600, False), (other_rep.pk, 5 * 3600, True), (rep.pk, 3600, False)]
    assert HeldStay.objects.filter(case=case, step=Step.IDENTIFY).get().alone  # one holder, one part


@pytest.mark.django_db
def test_a_parts_flag_says_whether_the_case_came_back_to_its_owner_in_the_stay_after_any_writer(
        rep, other_rep, dennis):
    """`alone` is set by the services as parts end, and by migration 0030 over the parts written before it
    (here: every flag wrong, put right)."""
    case = open_and_identify(rep, dennis, opened=T0, identified=T0 + H)
    for k, (giver, taker) in enumerate([(rep, other_rep), (other_rep, rep), (rep, other_rep)]):
        with at(T0 + (2 + k) * H):
            handoff(giver, taker)(case)
    with at(T0 + 6 * H):
        next_step(case, other_rep)
    parts = HeldStay.objects.filter(case=case)
    assert parts.count() == 5 and parts.filter(alone=True).count() == 1  # identify's one part
    assert held_alone_as_expected(parts) == []

    for part in parts:
        HeldStay.objects.filter(pk=part.pk).update(alone=not part.alone)
    assert len(held_alone_as_expected(parts)) == 5
    import_module("cases.migrations.0030_held_stay_alone").mark_alone(django_apps, None)

    assert held_alone_as_expected(parts) == []


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_the_wait_for_a_claim_is_the_mail_intakes_not_the_claimers(path, rep, monkeypatch):
    from cases.services.client_mail import case_claim, case_open_from_mail, client_mail_read, mail_intake_user
    with at(T0):
        case = case_open_from_mail(sender="priya@shop.example", sender_name="Priya", subject="Checkout broken",
                                   text="Nobody can pay on our shop since this morning")
    with at(T0 + 2 * DAY):
        case_claim(user=rep, case=case)
        client_mail_read(user=rep, case=case, client_mood=Mood.UPSET)
        services.concern_add(user=rep, case=case, **DENNIS_CONCERN)
    with at(T0 + 2 * DAY + 2 * H):
        next_step(case, rep)
    on_path(path, monkeypatch)

    dashboard = board(days=30)

    assert row(dashboard, rep).median_in(Step.IDENTIFY) == 2 * H
    assert row(dashboard, mail_intake_user()).median_in(Step.IDENTIFY) == 2 * DAY
    assert dashboard.team.median_in(Step.IDENTIFY) == 2 * DAY + 2 * H


@pytest.mark.django_db
def test_the_team_page_shows_each_reps_median_and_90th_percentile_of_their_parts(boss, rep, other_rep, dennis):
    """RECIPE: median and 90th percentile time in each step, per rep and per team."""
    stuck_then_handed_on(rep, other_rep, dennis, move=handoff(rep, other_rep))
    for n, hours in enumerate((2, 3, 30)):  # three more acknowledge parts for the teammate
        case = open_and_identify(other_rep, dennis, opened=T0 + n * H, identified=T0 + n * H + H)
        with at(T0 + n * H + H + hours * H):
            next_step(case, other_rep)

    with at(NOW):
        page = boss.get(reverse("supervisor:dashboard") + "?days=30").content.decode()

    by_rep = page[page.index("Time in each step, by rep"):page.index("Escalations by reason, by rep")]
    teammate = by_rep[by_rep.index(other_rep.get_full_name() or other_rep.username):]
    teammate = teammate[:teammate.index("</tr>")]
    assert "2 h 30 min <small>· 90th 1 d 6 h (4)</small>" in teammate  # parts 1 h, 2 h, 3 h, 30 h
    first = by_rep[by_rep.index(rep.get_full_name() or rep.username):]
    assert "4 d 0 h <small>· 90th 4 d 0 h (1)</small>" in first[:first.index("</tr>")]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_handing_a_stuck_case_back_and_forth_does_not_turn_its_days_into_short_stays(path, rep, other_rep, dennis,
                                                                                      monkeypatch):
    """Every 8 hours the rep hands the case to a teammate, who hands it back a minute later: still one stay
    of about four days for the rep, and one of twelve minutes for the teammate, not a dozen short ones."""
    case = open_and_identify(rep, dennis, opened=T0, identified=T0 + H)
    moment = T0 + H
    for _ in range(12):
        moment += 8 * H
        with at(moment):
            handoff(rep, other_rep)(case)
        moment += dt.timedelta(minutes=1)
        with at(moment):
            handoff(other_rep, rep)(case)
    with at(moment + H):
        next_step(case, rep)
    on_path(path, monkeypatch)

    dashboard = board(days=30)

    mine, theirs = row(dashboard, rep), row(dashboard, other_rep)
    assert (mine.stays_in(Step.ACKNOWLEDGE), theirs.stays_in(Step.ACKNOWLEDGE)) == (1, 1)
    assert mine.median_in(Step.ACKNOWLEDGE) == 4 * DAY + H
    assert theirs.median_in(Step.ACKNOWLEDGE) == dt.timedelta(minutes=12)
    assert HeldStay.objects.filter(case=case, step=Step.ACKNOWLEDGE).count() == 25


@pytest.mark.django_db
def test_the_migration_reads_who_held_the_case_from_the_handoffs_not_from_stamps_older_than_0015(
        rep, other_rep, dennis):
    """Events written before migration 0015 carry the owner at that migration (here: the teammate, who owns
    the case now). The parts are cut between the handoff's from_user and to_user all the same."""
    stuck_then_handed_on(rep, other_rep, dennis, move=handoff(rep, other_rep))
    written = sorted(HeldStay.objects.values_list("owner_id", "step", "seconds"))
    CaseEvent.objects.update(owner=other_rep)
    HeldStay.objects.all().delete()

    import_module("cases.migrations.0027_held_stays_filled").cut_stays(django_apps, None)

    assert sorted(HeldStay.objects.values_list("owner_id", "step", "seconds")) == written
    assert (rep.pk, Step.ACKNOWLEDGE, 4 * DAY.total_seconds()) in written


@pytest.mark.django_db
def test_a_part_written_by_code_from_before_the_flag_is_taken_as_not_alone(rep, dennis):
    """During a deploy, a process still running the code from before migration 0030 writes parts without the
    flag: the database's default (False, always right) takes it, and the write does not fail."""
    from django.db import connection

    case = open_and_identify(rep, dennis, opened=T0, identified=T0 + H)
    with connection.cursor() as cur:
        cur.execute("INSERT INTO cases_heldstay (case_id, owner_id, step, entered_at, started_at, "
                    "ended_at, seconds) VALUES (%s, %s, %s, %s, %s, %s, 0) RETURNING id",
                    [case.pk, rep.pk, Step.ACKNOWLEDGE, T0 + H, T0 + H, T0 + H])
        pk = cur.fetchone()[0]

    assert HeldStay.objects.get(pk=pk).alone is False
