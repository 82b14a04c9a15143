"""What the data migrations wrote for the rows recorded before their columns is what the services write as
things happen: run again over a generated history (tests/cases/test_metrics_recomputed.py), the ETA
verdicts (migrations 0022 and 0029) and each owner's parts of each stay (0027) come out the same."""
from importlib import import_module

import pytest
from django.apps import apps as django_apps

from cases.metrics import eta
from cases.models import Case, CaseEvent, Handoff, HandoffStatus, HeldStay, Step
from cases.services.held import parts_from_timeline
from tests.cases.test_metrics_recomputed import generated_history


@pytest.mark.django_db
def test_the_arrivals_judged_again_from_the_rows_get_the_verdicts_kept_at_the_time():
    """The ETA verdict kept on each arrival (cases.services.transitions) is what the migrations that judged
    the older arrivals (0022, then 0029 for the cases that left deliver unaccepted, over the same rows) give:
    judged again now, with every later change made."""
    generated_history()
    arrivals = CaseEvent.objects.filter(verb=eta.ARRIVAL.label).exclude(from_step="")
    kept = dict(arrivals.values_list("id", "eta_verdict"))
    assert {"early", "within", "late", ""} <= set(kept.values())
    assert CaseEvent.objects.filter(from_step=Step.DELIVER).exclude(verb=eta.ACCEPTED.label).exists()
    arrivals.update(eta_verdict="")

    import_module("cases.migrations.0022_eta_verdict_on_arrival").judge_arrivals(django_apps, None)
    import_module("cases.migrations.0029_eta_unaccepted_not_judged").judge_again(django_apps, None)

    assert dict(arrivals.values_list("id", "eta_verdict")) == kept


@pytest.mark.django_db
def test_the_held_parts_written_as_they_happened_are_what_the_timeline_gives_and_the_migration_refills():
    """Each owner's part of each stay (HeldStay, written by cases.services.held at each transition and
    change of hands) is what cases.services.held.parts_from_timeline cuts from the case's events, the rule
    migration 0027 filled the past with: run again over the same rows, it writes the same parts."""
    generated_history()
    fields = ("case_id", "owner_id", "step", "entered_at", "started_at", "ended_at", "seconds")
    live = sorted(HeldStay.objects.values_list(*fields))
    handed = set(Handoff.objects.filter(status=HandoffStatus.ACCEPTED).values_list("accepted_at", flat=True))
    assert any(started in handed for _c, _o, _s, _e, started, *_ in live)  # some parts begin at a change of hands
    cut = []
    for case in Case.objects.order_by("pk"):
        timeline = case.events.order_by("created_at", "id")
        cut += [(case.pk, owner_id, step, entered, started, ended, (ended - started).total_seconds())
                for owner_id, step, entered, started, ended in parts_from_timeline(timeline)]
    assert sorted(cut) == live

    HeldStay.objects.all().delete()
    import_module("cases.migrations.0027_held_stays_filled").cut_stays(django_apps, None)

    assert sorted(HeldStay.objects.values_list(*fields)) == live
