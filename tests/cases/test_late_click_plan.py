"""Late clicks on the plan's forms: an estimate or cadence form drawn before the record changed, and sent
after, is refused beside its fields and drawn again with the record as it is now (services.plan.eta_mark,
cadence_mark), so it cannot undo unseen what the client agreed to meanwhile."""
import datetime as dt
import re

import pytest

from cases import services
from cases.models import Channel, PromiseKind, PromiseStatus, Step
from tests.cases.helpers import advance_to, open_case, plan_ready
from tests.cases.views_support import page_of, url

NOW = dt.datetime(2025, 7, 1, 9, 0, tzinfo=dt.UTC)
SIXTEEN = NOW + dt.timedelta(hours=7)


def _mark(page, name):
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no {name} on the page"
    return found.group(1)


def _drawn(http, case, name, opened=""):
    return _mark(http.get(page_of(case) + opened).content.decode(), name)


def _estimate_at_plan(rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.PLAN, rep)
    plan_ready(case, rep)  # estimate 10:00-14:00 UTC
    case.refresh_from_db()
    return case


def _renegotiated_to_sixteen(case, supervisor):
    promise = case.promises.get(kind=PromiseKind.ETA, status=PromiseStatus.PENDING)
    services.promise_renegotiate(user=supervisor, promise=promise, new_due_at=SIXTEEN, agreed_channel="phone",
                                 agreed_text="Dennis agreed to four o'clock at the latest")


def _earliest_brought_forward(shown, latest="2025-07-01T14:00"):
    return {"eta_earliest": "2025-07-01T11:00", "eta_latest": latest, "entry_zone": "mine", "agreed_channel": "phone",
            "agreed_text": "Dennis is glad it may come sooner", "eta_shown": shown}


def _cadence_relaxed(shown, channel=Channel.PHONE):
    return {"every": "2", "unit": "hours", "channel": channel, "agreed_channel": "phone",
            "agreed_text": "Dennis said every two hours is fine", "cadence_shown": shown}


# --- The estimate --------------------------------------------------------------------------------
@pytest.mark.django_db
def test_an_estimate_form_drawn_before_its_deadline_was_renegotiated_is_refused(
        frozen, rep_client, rep, supervisor, dennis):
    case = _estimate_at_plan(rep, dennis)
    shown = _drawn(rep_client, case, "eta_shown")
    _renegotiated_to_sixteen(case, supervisor)

    refused = rep_client.post(url("eta", case), _earliest_brought_forward(shown))

    case.refresh_from_db()
    page = refused.content.decode()
    assert refused.status_code == 422 and "Since this page was opened the estimate changed" in page
    assert case.eta_latest == SIXTEEN and case.eta_earliest == NOW + dt.timedelta(hours=1)


@pytest.mark.django_db
def test_a_refused_estimate_form_is_drawn_again_for_the_estimate_as_it_is_now(
        frozen, rep_client, rep, supervisor, dennis):
    case = _estimate_at_plan(rep, dennis)
    shown = _drawn(rep_client, case, "eta_shown")
    _renegotiated_to_sixteen(case, supervisor)
    refused = rep_client.post(url("eta", case), _earliest_brought_forward(shown))
    again = _mark(refused.content.decode(), "eta_shown")

    sent = rep_client.post(url("eta", case), _earliest_brought_forward(again, latest="2025-07-01T16:00"))

    case.refresh_from_db()
    assert again != shown and sent.status_code == 302
    assert case.eta_earliest == NOW + dt.timedelta(hours=2) and case.eta_latest == SIXTEEN


@pytest.mark.django_db
def test_an_estimate_form_drawn_as_the_estimate_stands_is_taken(frozen, rep_client, rep, dennis):
    case = _estimate_at_plan(rep, dennis)
    shown = _drawn(rep_client, case, "eta_shown")

    sent = rep_client.post(url("eta", case), _earliest_brought_forward(shown))

    case.refresh_from_db()
    assert sent.status_code == 302 and case.eta_earliest == NOW + dt.timedelta(hours=2)


# --- The cadence ---------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_cadence_form_drawn_before_the_channel_changed_is_refused(frozen, rep_client, rep, supervisor, dennis):
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)  # every 60 min by phone
    shown = _drawn(rep_client, case, "cadence_shown", "?open=cadence")
    services.cadence_set(user=supervisor, case=case, minutes=60, channel=Channel.EMAIL, note="Dennis prefers email")

    refused = rep_client.post(url("cadence", case), _cadence_relaxed(shown))

    case.refresh_from_db()
    page = refused.content.decode()
    assert refused.status_code == 422
    assert "Since this page was opened the cadence changed to every 60 min by email" in page
    assert case.cadence_minutes == 60 and case.cadence_channel == Channel.EMAIL
    assert _mark(page, "cadence_shown") != shown


@pytest.mark.django_db
def test_a_cadence_form_drawn_before_the_interval_changed_is_refused(frozen, rep_client, rep, supervisor, dennis):
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)  # every 60 min by phone
    shown = _drawn(rep_client, case, "cadence_shown", "?open=cadence")
    services.cadence_set(user=supervisor, case=case, minutes=30, channel=Channel.PHONE, agreed_channel="phone",
                         agreed_text="Dennis asked to hear every half hour")

    refused = rep_client.post(url("cadence", case), {**_cadence_relaxed(shown), "every": "1"})

    case.refresh_from_db()
    assert refused.status_code == 422 and case.cadence_minutes == 30


@pytest.mark.django_db
def test_a_cadence_form_drawn_as_the_cadence_stands_is_taken(frozen, rep_client, rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    shown = _drawn(rep_client, case, "cadence_shown", "?open=cadence")

    sent = rep_client.post(url("cadence", case), _cadence_relaxed(shown))

    case.refresh_from_db()
    assert sent.status_code == 302 and case.cadence_minutes == 120


@pytest.mark.django_db
def test_the_services_refuse_a_mark_of_the_estimate_or_cadence_as_it_was_before_a_change(frozen, rep, supervisor,
                                                                                         dennis):
    """The checks also run under the row lock (services.plan), not only in the forms."""
    from cases.errors import CaseRuleError
    from cases.services.plan import cadence_mark, eta_mark

    frozen.move_to(NOW)
    case = _estimate_at_plan(rep, dennis)
    eta_shown, cadence_shown = eta_mark(case), cadence_mark(case)
    _renegotiated_to_sixteen(case, supervisor)
    case.refresh_from_db()
    services.cadence_set(user=supervisor, case=case, minutes=case.cadence_minutes, channel=Channel.EMAIL,
                         agreed_channel="phone", agreed_text="Dennis asked for email from now on")
    case.refresh_from_db()

    with pytest.raises(CaseRuleError, match="Since this page was opened the estimate changed"):
        services.eta_set(user=rep, case=case, earliest=NOW + dt.timedelta(hours=2), latest=NOW + dt.timedelta(hours=5),
                         agreed_channel="phone", agreed_text="Dennis is glad it may come sooner", eta_shown=eta_shown)
    with pytest.raises(CaseRuleError, match="Since this page was opened the cadence changed"):
        services.cadence_set(user=rep, case=case, minutes=120, channel=Channel.PHONE, agreed_channel="phone",
                             agreed_text="Dennis said every two hours is fine", cadence_shown=cadence_shown)
