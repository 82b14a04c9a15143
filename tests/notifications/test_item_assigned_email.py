"""The "new action item" email shows its due time like every other email: in the client's zone
(what was promised to them) and, when it reads differently, in the assignee's own zone."""
import pytest

from cases import services
from notifications.models import OutboxMessage
from tests.notifications.conftest import HOUR, T0, at, planned_case


def _assign(rep, teammate, case, due_at):
    with at(T0):
        services.action_item_create(user=rep, case=case, description="Check the DNS records",
                                    assignee=teammate, due_at=due_at)
    return OutboxMessage.objects.get(kind="item_assigned", to=[teammate.email])


@pytest.mark.django_db
def test_item_assigned_shows_the_due_time_in_the_clients_zone_and_the_assignees(rep, teammate, dennis):
    teammate.staff_profile.time_zone = "America/New_York"
    teammate.staff_profile.save()
    case = planned_case(rep, dennis)

    row = _assign(rep, teammate, case, T0 + 8 * HOUR)  # 18:00 in London, 13:00 in New York

    assert "Due: 18:00 GMT (13:00 EST your time)." in row.body_text
    assert "<strong>18:00 GMT</strong> (13:00 EST your time)" in row.body_html
    assert "UTC" not in row.body_text
    assert f"/cases/{case.reference}/" in row.body_text


@pytest.mark.django_db
def test_item_assigned_shows_one_time_when_the_assignee_reads_the_same_clock(rep, teammate, dennis):
    teammate.staff_profile.time_zone = "Europe/London"
    teammate.staff_profile.save()
    case = planned_case(rep, dennis)

    row = _assign(rep, teammate, case, T0 + 30 * HOUR)  # tomorrow 16:00 in London

    assert "Due: Tue 03 Mar 16:00 GMT." in row.body_text
    assert "your time" not in row.body_text
