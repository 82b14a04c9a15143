"""The estimate on the timeline is written on the client's clock with the zone named, whoever gave it and
wherever they are (found by a review: written on the giver's clock with no zone, "Between 10 Jun 08:00 and
10 Jun 11:00" beside an estimate block that said 16:00-19:00 for a supervisor in London)."""
import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from cases import services
from cases.models import Step
from tests.cases.helpers import advance_to, open_case

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("giver_zone", ["America/Los_Angeles", "Asia/Tokyo"])
def test_the_estimate_given_reads_the_same_on_the_timeline_whoever_gave_it(rep, dennis, giver_zone):
    dennis.time_zone = "Europe/London"
    dennis.save()
    earliest = dt.datetime(2026, 6, 10, 15, 0, tzinfo=dt.UTC)
    with time_machine.travel(earliest - dt.timedelta(days=1), tick=False):
        case = advance_to(open_case(rep, dennis), Step.PLAN, rep)
        with timezone.override(giver_zone):
            services.eta_set(user=rep, case=case, earliest=earliest, latest=earliest + dt.timedelta(hours=3))

    note = case.events.filter(verb="estimate given").latest("created_at").note
    assert note.startswith("Between 10 Jun 16:00 and 10 Jun 19:00 Europe/London time")  # BST
