"""The client's own "It works", given on their status page while the rep's delivery form was open, is not
unticked by that form (found by an audit: the old form, its boxes unticked as drawn, erased the client's
confirmation, and the client's page no longer asked). The form refuses by name, keeps what was typed and
shows the client's word; the rep who has seen it may still untick it."""
import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.client_word import attempt_key
from cases.errors import CaseRuleError
from cases.models import ConfirmedBy
from cases.services.client_word import client_delivery_answer
from tests.cases.test_supervisor_stale_forms import form_data, signed_in

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2025, 7, 1, 9, 0, tzinfo=dt.UTC)  # the frozen clock (tests/cases/conftest.py)
PREVENTION = "Upgrades now run with a tested rollback first"


def _typed(case, hidden):
    """What the rep types into the form as drawn (its boxes unticked), with its hidden inputs."""
    day = timezone.localdate(timezone=case.client.tz) + dt.timedelta(days=5)
    return {**{k: v[0] for k, v in hidden.items()}, "prevention_note": PREVENTION, "follow_up_on": day.isoformat()}


def test_an_old_delivery_form_does_not_untick_the_clients_it_works(at_delivery, rep):
    case = at_delivery
    http = signed_in(rep)
    action = reverse("cases:delivery", args=[case.reference])
    hidden = form_data(http.get(reverse("cases:case_detail", args=[case.reference])).content.decode(), action)
    # while the page is open
    client_delivery_answer(case=case, version=case.status_link_version, works=True, attempt=attempt_key(case))

    response = http.post(action, _typed(case, hidden), follow=True)

    delivery = case.deliveries.get()
    assert (delivery.client_satisfied, delivery.verified_with_client, delivery.confirmed_by) == (
        True, True, ConfirmedBy.CLIENT)
    page = response.content.decode()
    assert "Since this page was opened the client confirmed on their status page that it works" in page
    assert PREVENTION in page  # what was typed is kept
    # Drawn again, the form shows the client's word ticked and knows it showed it: sent as it stands, it saves.
    assert re.search(r'name="client_satisfied"[^>]*checked', page)
    again = form_data(page, action)
    assert again["confirmation_shown"] == [delivery.confirmed_at.isoformat()]
    http.post(action, {**_typed(case, again), "verified_with_client": "on", "client_satisfied": "on"})
    delivery.refresh_from_db()
    assert (delivery.prevention_note, delivery.confirmed_by) == (PREVENTION, ConfirmedBy.CLIENT)


def test_the_rep_who_saw_the_clients_word_may_still_untick_it(at_delivery, rep):
    case = at_delivery
    client_delivery_answer(case=case, version=case.status_link_version, works=True, attempt=attempt_key(case))
    http = signed_in(rep)
    action = reverse("cases:delivery", args=[case.reference])
    hidden = form_data(http.get(reverse("cases:case_detail", args=[case.reference])).content.decode(), action)

    http.post(action, _typed(case, hidden))

    delivery = case.deliveries.get()
    assert (delivery.client_satisfied, delivery.confirmed_by) == (False, "")


def test_a_forged_post_without_the_marker_is_refused_by_the_service_too(at_delivery, rep):
    case = at_delivery
    client_delivery_answer(case=case, version=case.status_link_version, works=True, attempt=attempt_key(case))

    with pytest.raises(CaseRuleError, match="confirmed on their status page"):
        services.delivery_record(user=rep, case=case, verified_with_client=False, client_satisfied=False,
                                 prevention_note=PREVENTION, follow_up_on=None, confirmation_shown="")

    assert case.deliveries.get().confirmed_by == ConfirmedBy.CLIENT
