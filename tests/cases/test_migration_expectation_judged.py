"""Migration 0050 gives each delivery judged before Delivery.expectation_judged existed the expectation it was
judged against, from the timeline: found by a migration audit, 0049 gave them all the case's expectation as it
reads now, so a delivery judged before a reopen and a new expectation read "expectation met" against the new one.
Real services build the history; the migrations' functions run over the rows as an upgrade would."""
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.db import connection

from cases import services
from cases.models import Delivery, Step
from tests.cases.helpers import advance_to, open_case
from tests.cases.metrics_support import H, T0, at

pytestmark = pytest.mark.django_db

FIRST, SECOND = "Orders flowing again today", "A refund of the lost day and orders flowing again"


def _deliver(rep, case, *, met, day):
    services.delivery_record(user=rep, case=case, verified_with_client=True, client_satisfied=True,
                             prevention_note="Rollback tested before every upgrade",
                             follow_up_on=(T0 + day * 24 * H).date(), expectation_met=met)


def _delivered_reopened_and_delivered_again(rep, dennis):
    with at(T0):
        case = advance_to(open_case(rep, dennis), Step.PLAN, rep)
        services.case_set_root_problem(user=rep, case=case, root_problem="The host's upgrade broke the mail server",
                                       expected_resolution=FIRST)
        case = advance_to(case, Step.DELIVER, rep)
        _deliver(rep, case, met=True, day=7)
        services.case_transition(user=rep, case=case, name="complete_deliver")
    with at(T0 + 48 * H):
        case.refresh_from_db()
        case = services.case_reopen(user=rep, case=case, reason="Orders stopped again overnight")
        services.case_set_root_problem(user=rep, case=case, root_problem="The mail server failed the upgrade again",
                                       expected_resolution=SECOND)
        case = advance_to(case, Step.DELIVER, rep)
        _deliver(rep, case, met=False, day=9)
    return case


def _upgrade():
    for name, function in (("0049_delivery_expectation_judged", "judged_against_the_expectation_on_file"),
                           ("0050_delivery_expectation_judged_from_timeline", "judged_against_the_expectation_then")):
        getattr(import_module(f"cases.migrations.{name}"), function)(django_apps, connection.schema_editor())


def test_each_delivery_gets_the_expectation_it_was_judged_against(rep, dennis):
    case = _delivered_reopened_and_delivered_again(rep, dennis)
    written = dict(Delivery.objects.filter(case=case).values_list("pk", "expectation_judged"))
    assert sorted(written.values()) == sorted([FIRST, SECOND])
    Delivery.objects.update(expectation_judged="")

    _upgrade()

    assert dict(Delivery.objects.filter(case=case).values_list("pk", "expectation_judged")) == written


def test_a_delivery_not_judged_keeps_no_expectation_and_one_without_its_events_keeps_the_case_s(rep, dennis):
    case = _delivered_reopened_and_delivered_again(rep, dennis)
    first, second = Delivery.objects.filter(case=case).order_by("created_at")
    Delivery.objects.filter(pk=second.pk).update(expectation_met=None)
    case.events.filter(verb="delivery recorded", data__delivery=first.pk).delete()
    Delivery.objects.update(expectation_judged="")

    _upgrade()

    assert dict(Delivery.objects.filter(case=case).values_list("pk", "expectation_judged")) == {
        first.pk: SECOND, second.pk: ""}  # no timeline to read: 0049's fill stands
