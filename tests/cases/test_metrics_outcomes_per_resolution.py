"""Each resolution counted on the team page is judged by its own delivery (cases/metrics/outcomes.py): the
mood recorded and the follow-up call promised with the delivery it confirmed, and the follow-up promise in
force when that call was logged. Reopening the case, delivering again and calling on time must not turn
a past window's missed call into a call made, or its upset client into a delighted one; nor may a mood
read after a reopen stand in for the one a past resolution left unrecorded. On the
PostgreSQL statement and on the portable path `make run` takes on SQLite."""

import pytest

from cases import metrics, services
from cases.models import Channel, Mood, Step
from notifications.sweeps import sweep_broken_promises
from tests.cases.helpers import advance_to, open_case
from tests.cases.metrics_support import H, PATHS, T0, at, deliver, on_path, row
from tests.cases.supervisor_support import url

DAY = 24 * H
PAST = T0 + 2 * DAY  # a window that holds the first resolution only


def first_resolution(rep, dennis, *, call_late):
    """Resolved at T0, upset, the call promised for the next day; missed (broken by the sweep), and
    then, if `call_late`, logged a day late."""
    with at(T0):
        case = deliver(advance_to(open_case(rep, dennis), Step.DELIVER, rep), rep, mood=Mood.UPSET,
                       follow_up_on=(T0 + DAY).date())
    with at(T0 + 2 * DAY - 3 * H):
        sweep_broken_promises(T0 + 2 * DAY - 3 * H)
        if call_late:
            services.follow_up_log(user=rep, case=case, note="Called Dennis a day late, all working")
    return case


def resolved_again_and_called_on_time(case, rep):
    with at(T0 + 3 * DAY):
        case.refresh_from_db()
        case = advance_to(services.case_reopen(user=rep, case=case, reason="Client asked about it again"),
                          Step.DELIVER, rep)
        case = deliver(case, rep, mood=Mood.DELIGHTED, follow_up_on=(T0 + 4 * DAY).date())
    with at(T0 + 4 * DAY + H):
        services.follow_up_log(user=rep, case=case, note="Called Dennis on the day, all is working fine")


def past(rep):
    mine = row(metrics.team_dashboard(days=7, now=PAST), rep)
    return mine.follow_up_done, mine.follow_up_missed, mine.anxious_to_joy


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("call_late", [False, True], ids=["never-called", "called-late"])
def test_a_later_delivery_does_not_rewrite_a_past_resolutions_call_or_mood(path, call_late, rep, dennis, monkeypatch):
    case = first_resolution(rep, dennis, call_late=call_late)
    on_path(path, monkeypatch)
    before = past(rep)

    resolved_again_and_called_on_time(case, rep)

    assert before == (0, 1, 0)
    assert past(rep) == before
    assert row(metrics.team_dashboard(days=7, now=T0 + 5 * DAY), rep).follow_up_done == 1  # the new one counts


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_a_reopen_in_the_same_window_does_not_wipe_a_missed_call_or_the_mood_it_left(path, rep, dennis,
                                                                                     monkeypatch):
    """Found by a padding review: each case was counted once, at its latest resolution in the window, so
    a missed call (broken by the sweep) and an upset client disappeared when the case was reopened and
    resolved again with a delighted reading in the same window. Every resolution's call counts, each by its
    own delivery; the mood counts the case once, by its first resolution in the window (cases/metrics/
    outcomes.py, tests/cases/test_metrics_per_case.py)."""
    case = first_resolution(rep, dennis, call_late=False)
    resolved_again_and_called_on_time(case, rep)
    on_path(path, monkeypatch)

    mine = row(metrics.team_dashboard(days=7, now=T0 + 5 * DAY), rep)

    assert (mine.resolved, mine.follow_up_done, mine.follow_up_missed, mine.follow_up_waiting) == (2, 1, 1, 0)
    assert (mine.mood_cases, mine.delivery_score_sum) == (1, Mood.UPSET.score)


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("window_end, shown", [
    (T0 + 4 * DAY, (1, 0, 0, 0, 1)),  # after the reopen: moved, not "not due yet" for ever
    (T0 + DAY - H, (1, 0, 0, 1, 0)),  # a window that ended before the reopen: waiting, as it stood then
])
def test_a_call_a_reopen_moved_before_its_day_is_moved_not_missed_nor_waiting(path, window_end, shown, rep, dennis,
                                                                              monkeypatch):
    """Reopened the day before the call (which then moves to after the next delivery, counted as a
    renegotiation): its resolution's call is neither made nor missed, and no longer owed on it."""
    with at(T0):
        case = deliver(advance_to(open_case(rep, dennis), Step.DELIVER, rep), rep, mood=Mood.SATISFIED,
                       follow_up_on=(T0 + 3 * DAY).date())
    with at(T0 + DAY):
        case.refresh_from_db()
        case = advance_to(services.case_reopen(user=rep, case=case, reason="Client saw the fault come back"),
                          Step.DELIVER, rep)
    on_path(path, monkeypatch)

    mine = row(metrics.team_dashboard(days=7, now=window_end), rep)

    assert (mine.resolved, mine.follow_up_done, mine.follow_up_missed, mine.follow_up_waiting,
            mine.follow_up_moved) == shown


@pytest.mark.django_db
def test_the_team_page_says_how_many_calls_a_reopen_moved(boss, rep, dennis):
    with at(T0):
        case = deliver(advance_to(open_case(rep, dennis), Step.DELIVER, rep), rep, follow_up_on=(T0 + 3 * DAY).date())
    with at(T0 + DAY):
        case.refresh_from_db()
        services.case_reopen(user=rep, case=case, reason="Client saw the fault come back")
    with at(T0 + 2 * DAY):
        page = boss.get(url("dashboard"), {"days": 7}).content.decode()

    assert "0 done, 0 missed, 0 not due yet, 1 moved by a reopen" in page


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_a_reading_after_a_reopen_does_not_change_the_mood_a_past_resolution_left_unrecorded(path, rep, dennis,
                                                                                             monkeypatch):
    """The delivery form's mood is optional: left blank, the client's temperature when the case was resolved
    is kept on that delivery. A delighted reading after a reopen is the new cycle's, not the old window's."""
    with at(T0):
        case = advance_to(open_case(rep, dennis, temperature=Mood.ANXIOUS), Step.DELIVER, rep)
        services.case_set_temperature(user=rep, case=case, temperature=Mood.ANGRY)
        case.refresh_from_db()
        case = deliver(case, rep, mood="")
    assert case.deliveries.get().client_mood == Mood.ANGRY
    with at(T0 + 3 * DAY):
        case = services.case_reopen(user=rep, case=case, reason="Client asked about it again")
        services.status_update_log(user=rep, case=case, summary="Told the client everything is stable now",
                                   channel=Channel.PHONE, client_mood=Mood.DELIGHTED)
    on_path(path, monkeypatch)

    mine = row(metrics.team_dashboard(days=7, now=PAST), rep)

    assert (mine.mood_cases, mine.delivery_score_sum, mine.anxious_to_joy) == (1, Mood.ANGRY.score, 0)


@pytest.mark.django_db
def test_migration_0031_keeps_the_temperature_on_past_resolved_deliveries_with_no_mood_and_leaves_the_others(
        rep, dennis):
    from importlib import import_module

    from django.apps import apps as django_apps

    with at(T0):
        resolved = deliver(advance_to(open_case(rep, dennis, temperature=Mood.UPSET), Step.DELIVER, rep), rep)
        waiting = advance_to(open_case(rep, dennis, temperature=Mood.CALM), Step.DELIVER, rep)
        services.delivery_record(user=rep, case=waiting, verified_with_client=True, client_satisfied=False,
                                 prevention_note="", follow_up_on=None)
    Delivery = resolved.deliveries.model
    Delivery.objects.update(client_mood="")  # as recorded before the mood was kept at the resolution

    import_module("cases.migrations.0031_delivery_mood_kept").keep_moods(django_apps, None)

    assert resolved.deliveries.get().client_mood == Mood.UPSET
    assert waiting.deliveries.get().client_mood == ""  # not resolved: its mood is kept when it is


@pytest.mark.django_db
def test_migration_0031_gives_each_resolution_the_reading_before_it_not_one_after_a_reopen(rep, dennis):
    """Resolved angry with no mood recorded, reopened and resolved delighted: the first delivery gets the
    angry reading taken before its resolution, and the past window stays as it was."""
    from importlib import import_module

    from django.apps import apps as django_apps

    with at(T0):
        case = advance_to(open_case(rep, dennis, temperature=Mood.ANXIOUS), Step.DELIVER, rep)
        services.case_set_temperature(user=rep, case=case, temperature=Mood.ANGRY)
        case.refresh_from_db()
        case = deliver(case, rep, mood="")
    with at(T0 + 3 * DAY):
        case = advance_to(services.case_reopen(user=rep, case=case, reason="Client asked about it again"),
                          Step.DELIVER, rep)
        case = deliver(case, rep, mood=Mood.DELIGHTED)
    first = case.deliveries.order_by("created_at").first()
    first._meta.model.objects.filter(pk=first.pk).update(client_mood="")  # as recorded before 0031

    import_module("cases.migrations.0031_delivery_mood_kept").keep_moods(django_apps, None)

    first.refresh_from_db()
    assert first.client_mood == Mood.ANGRY
    mine = row(metrics.team_dashboard(days=7, now=PAST), rep)
    assert (mine.delivery_score_sum, mine.anxious_to_joy) == (Mood.ANGRY.score, 0)


@pytest.mark.django_db
def test_migration_0031_leaves_a_delivery_the_client_sent_back_without_a_mood(rep, dennis):
    from importlib import import_module

    from django.apps import apps as django_apps

    with at(T0):
        case = advance_to(open_case(rep, dennis, temperature=Mood.UPSET), Step.DELIVER, rep)
        services.delivery_record(user=rep, case=case, verified_with_client=True, client_satisfied=False,
                                 prevention_note="", follow_up_on=None)
        case.refresh_from_db()
        case = services.case_loose_ends(user=rep, case=case, reason="The invoices still do not print")
    with at(T0 + DAY):
        case = deliver(advance_to(case, Step.DELIVER, rep), rep, mood=Mood.DELIGHTED)
    sent_back = case.deliveries.order_by("created_at").first()

    import_module("cases.migrations.0031_delivery_mood_kept").keep_moods(django_apps, None)

    sent_back.refresh_from_db()
    assert sent_back.client_mood == ""  # no resolution confirmed it
