"""The delivery form carries the stay of `deliver` it was drawn in (Case.stay_mark) and is refused in a later
stay (services.delivery.delivery_record, transitions.ensure_stay_shown). Found by an audit: drawn before the
case was sent back with loose ends and posted after it reached `deliver` again, its ticks ("verified",
"the client is satisfied") met the gate of the new attempt, which nobody had checked with the client."""
import datetime as dt

import pytest
from django.utils import timezone

from cases import services
from cases.models import Step
from tests.cases.helpers import advance_to, open_case
from tests.cases.views_support import page_of, url

NOW = dt.datetime(2025, 7, 1, 9, 0, tzinfo=dt.UTC)
REASON = "The client says the mailbox still loses messages"


def typed(case):
    return {"verified_with_client": "on", "client_satisfied": "on", "step_shown": case.stay_mark,
            "prevention_note": "Upgrades now run with a tested rollback",
            "follow_up_on": (timezone.localdate() + dt.timedelta(days=7)).isoformat()}


def back_and_delivered_again(frozen, user, case):
    """Loose ends, a new item, and deliver again: a second stay in `deliver`."""
    frozen.move_to(NOW + dt.timedelta(minutes=5))
    case = services.case_transition(user=user, case=case, name="loose_ends", reason=REASON)
    frozen.move_to(NOW + dt.timedelta(minutes=10))
    services.action_item_create(user=user, case=case, description="Fix the card payment step of the checkout",
                                assignee=case.owner, due_at=timezone.now() + dt.timedelta(hours=2))
    case.refresh_from_db()
    case = services.case_transition(user=user, case=case, name="complete_plan")
    return advance_to(case, Step.DELIVER, user)


@pytest.mark.django_db
def test_a_delivery_form_drawn_in_an_earlier_stay_of_deliver_is_refused(client, frozen, rep, supervisor, dennis):
    frozen.move_to(NOW)
    case = advance_to(open_case(rep, dennis), Step.DELIVER, rep)
    client.force_login(rep)
    assert f'value="{case.stay_mark}"' in client.get(page_of(case) + "?open=delivery").content.decode()
    form = typed(case)
    case = back_and_delivered_again(frozen, supervisor, case)

    response = client.post(url("delivery", case), form)

    case.refresh_from_db()
    page = response.content.decode()
    assert response.status_code == 422 and "come back to it since you opened this page" in page
    assert "Upgrades now run with a tested rollback" in page  # what was typed is kept
    assert f'value="{case.stay_mark}"' in page  # drawn again for the stay it now shows
    assert not case.deliveries.filter(created_at__gte=case.step_entered_at).exists() and not case.delivery_ready


@pytest.mark.django_db
def test_a_delivery_form_drawn_in_this_stay_is_recorded(client, frozen, rep, dennis):
    frozen.move_to(NOW)
    case = advance_to(open_case(rep, dennis), Step.DELIVER, rep)
    client.force_login(rep)

    client.post(url("delivery", case), typed(case))

    case.refresh_from_db()
    assert case.delivery_ready
