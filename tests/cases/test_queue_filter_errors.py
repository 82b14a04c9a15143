"""The escalation queue's filters (forms_supervisor.QueueFilterForm): a value the picker does not offer (a
hand-edited URL, an old bookmark) is named beside its field and that filter alone is left out; the other
still applies. Found by an input audit: `?reason=zzz&status=resolved` showed every open case without a word."""
import datetime as dt

import pytest

from cases import services
from cases.models import EscalationReason, Mood
from tests.cases.supervisor_support import NOW, at, url
from tests.cases.test_supervisor_queue_views import raise_at
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_open_one_resolved(rep, supervisor):
    open_one = raise_at(NOW - dt.timedelta(hours=3), rep, ClientFactory(), temperature=Mood.UPSET)
    settled = raise_at(NOW - dt.timedelta(hours=2), rep, ClientFactory(), temperature=Mood.CALM,
                       reason=EscalationReason.LIABILITY)
    with at(NOW - dt.timedelta(hours=1)):
        services.escalation_resolve(user=supervisor, escalation=settled, resolution="Legal said the refund is fine")
    return open_one.case, settled.case


def test_an_unknown_reason_is_named_beside_it_and_the_status_filter_still_applies(boss, one_open_one_resolved):
    open_case, resolved_case = one_open_one_resolved

    with at(NOW):
        response = boss.get(url("queue"), {"reason": "zzz", "status": "resolved"})

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_reason_error">Select a valid choice. zzz is not one of the available choices.' in page
    assert [row.pk for row in response.context["page"].object_list] == [resolved_case.pk]


def test_an_unknown_status_is_named_beside_it_and_the_queue_shows_what_is_open(boss, one_open_one_resolved):
    open_case, _resolved = one_open_one_resolved

    with at(NOW):
        response = boss.get(url("queue"), {"status": "everything"})

    assert 'id="id_status_error">' in response.content.decode()
    assert [row.pk for row in response.context["page"].object_list] == [open_case.pk]
