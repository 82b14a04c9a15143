"""The case page shows the follow-up call's day as its promise holds it (views.page._follow_up_day): a change of
the client's time zone that moves the call to the next day there moves the day shown (found by an audit: the
page said "Promised for Tue 3 Mar" while the ledger, the reminder and the log said Wednesday, and a rep who
called on the Tuesday was refused)."""
import datetime as dt
import html

import pytest
import time_machine
from django.urls import reverse

from cases import services
from cases.models import Channel, PromiseKind, PromiseStatus, Step
from tests.cases.helpers import advance_to, open_case
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db
MONDAY = dt.datetime(2026, 3, 2, 21, 0, tzinfo=dt.UTC)  # 10:00 on Mon 2 Mar in Pago Pago (UTC-11)


def _resolved_then_zone_ahead(rep):
    client = ClientFactory(time_zone="Pacific/Pago_Pago")
    with time_machine.travel(MONDAY, tick=False):
        case = advance_to(open_case(rep, client), Step.DELIVER, rep)
        services.delivery_record(user=rep, case=case, verified_with_client=True, client_satisfied=True,
                                 prevention_note="Upgrades now run with a tested rollback",
                                 follow_up_on=dt.date(2026, 3, 3), step_shown=case.stay_mark)
        case.refresh_from_db()
        case = services.case_transition(user=rep, case=case, name="complete_deliver")
        client.refresh_from_db()
        services.client_update(user=rep, client=client, name=client.name, organisation=client.organisation,
                               email=client.email, phone=client.phone, time_zone="Pacific/Kiritimati",
                               quiet_hours_start=None, quiet_hours_end=None, agreed_channel=Channel.PHONE,
                               agreed_text="The client agreed the call moves with their new zone")
    return case


def test_the_page_shows_the_day_the_call_is_promised_for_now(client, rep):
    case = _resolved_then_zone_ahead(rep)
    call = case.promises.get(kind=PromiseKind.FOLLOW_UP, status=PromiseStatus.PENDING)
    case.client.refresh_from_db()
    client.force_login(rep)

    with time_machine.travel(MONDAY + dt.timedelta(hours=1), tick=False):
        page = html.unescape(client.get(reverse("cases:case_detail", args=[case.reference])).content.decode())

    assert call.due_at.astimezone(case.client.tz).date() == dt.date(2026, 3, 4)
    assert "Promised for <strong>Wed 4 Mar 2026</strong> (the client's date), moved from Tue 3 Mar 2026" in page
    assert "Follow-up call:</strong> Tue 3 Mar 2026 (now Wed 4 Mar 2026, moved with the client's time zone)" in page
