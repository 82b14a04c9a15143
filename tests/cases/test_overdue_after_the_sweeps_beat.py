"""A missed update stays "Overdue" (the filters of My cases and All cases, and the rows' mark) until a late
update answers it, whatever beats the rhythm opened since (cases.selectors_ui._overdue_q; found by an audit: the
sweep broke the 11:00 update and opened the 12:00 beat, and the case left "Overdue" while nobody had called)."""
import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from cases import services
from cases.models import Channel, PromiseKind, PromiseStatus, Step
from notifications.sweeps import sweep_broken_promises
from tests.cases.helpers import advance_to, open_case

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
MIN = dt.timedelta(minutes=1)


def _overdue(client, user, url_name):
    client.force_login(user)
    return [c.reference for c in client.get(reverse(url_name), {"overdue": "on"}).context["page"].object_list]


def _marked(client, rep):
    client.force_login(rep)
    return [c.is_overdue for c in client.get(reverse("cases:my_cases")).context["page"].object_list]


def test_a_missed_update_stays_overdue_through_the_beats_the_sweep_opens(client, rep, supervisor, dennis):
    with time_machine.travel(T0, tick=False):
        case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    for hours in (1, 2):  # the 11:00 update missed, then the 12:00 beat too
        with time_machine.travel(T0 + dt.timedelta(hours=hours) + MIN, tick=False):
            sweep_broken_promises()
            assert case.promises.filter(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING,
                                        after_missed=True).exists()

            assert _overdue(client, supervisor, "supervisor:all_cases") == [case.reference]
            assert _overdue(client, rep, "cases:my_cases") == [case.reference]
            assert _marked(client, rep) == [True]


def test_the_late_update_takes_it_out_of_overdue(client, rep, dennis):
    with time_machine.travel(T0, tick=False):
        case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    with time_machine.travel(T0 + dt.timedelta(hours=1) + MIN, tick=False):
        sweep_broken_promises()
    with time_machine.travel(T0 + dt.timedelta(hours=1) + 10 * MIN, tick=False):
        services.status_update_log(user=rep, case=case, summary="Restore running; mail back within the hour",
                                   channel=Channel.PHONE, client_mood="anxious")

        assert _overdue(client, rep, "cases:my_cases") == []
        assert _marked(client, rep) == [False]
