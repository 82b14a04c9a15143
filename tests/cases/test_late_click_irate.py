"""The irate flag's "Flag as irate" and "Clear the flag" act on the flag their page showed
(cases.services.marks.irate_mark, irate_changed_since): a page drawn before the flag went up or down since is
refused at the top of its form, not allowed to undo what a teammate or supervisor did (found by an audit: an
old page's "Clear" cleared a flag raised again since, and the co-owning supervisor stepped back)."""
import datetime as dt
import re

import pytest
from django.test import Client as HttpClient

from cases import services
from cases.errors import CaseRuleError
from cases.models import EscalationReason, Mood
from cases.services import marks
from tests.cases.helpers import open_case
from tests.cases.views_support import HTMX, page_of, url
from tests.factories import SupervisorFactory

NOW = dt.datetime(2025, 7, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def case(frozen, rep, dennis):
    return services.case_flag_irate(user=rep, case=open_case(rep, dennis, temperature=Mood.ANGRY), flagged=True)


def _signed_in(user):
    http = HttpClient()
    http.force_login(user)
    return http


def _shown(page):
    match = re.search(r'name="irate_shown" value="([^"]*)"', page)
    return match.group(1) if match else None


def _drawn(http, case):
    """The Clear (or Flag) form as the case page draws it: its hidden fields."""
    page = http.get(page_of(case)).content.decode()
    flagged = re.search(r'name="flagged" value="([^"]*)"', page).group(1)
    return {"flagged": flagged, "note": "", "irate_shown": _shown(page)}


def _cleared_and_raised_again(frozen, rep, supervisor, case):
    frozen.shift(dt.timedelta(minutes=5))
    services.case_flag_irate(user=supervisor, case=case, flagged=False, note="Calm on the call")
    frozen.shift(dt.timedelta(minutes=5))
    case = services.case_flag_irate(user=rep, case=case, flagged=True, note="Shouting again")
    case.refresh_from_db()
    return case


def test_an_old_pages_clear_does_not_clear_a_flag_raised_again_since(frozen, rep, supervisor, case):
    lead = SupervisorFactory()
    http = _signed_in(lead)
    form = _drawn(http, case)
    case = _cleared_and_raised_again(frozen, rep, supervisor, case)

    response = http.post(url("irate", case), {**form, "note": "Sounded fine to me"}, headers=HTMX)

    case.refresh_from_db()
    body = response.content.decode()
    assert form["flagged"] == "" and form["irate_shown"]
    assert response.status_code == 422
    assert "Since this page was opened the irate flag was changed" in body and "Sounded fine to me" in body
    assert case.flagged_irate and case.co_owner == supervisor


def test_the_refused_form_is_drawn_again_for_the_flag_as_it_is_now(frozen, rep, supervisor, case):
    lead = SupervisorFactory()
    http = _signed_in(lead)
    form = _drawn(http, case)
    case = _cleared_and_raised_again(frozen, rep, supervisor, case)
    refused = http.post(url("irate", case), form, headers=HTMX).content.decode()
    case.refresh_from_db()
    assert _shown(refused) == marks.irate_mark(case) and 'name="flagged" value=""' in refused

    response = http.post(url("irate", case), {**form, "irate_shown": _shown(refused)}, headers=HTMX)

    case.refresh_from_db()
    assert response.status_code == 200 and not case.flagged_irate


def test_an_old_pages_flag_does_not_undo_a_supervisors_clear(frozen, rep, supervisor, dennis):
    case = open_case(rep, dennis, temperature=Mood.ANGRY)
    http = _signed_in(rep)
    form = _drawn(http, case)
    frozen.shift(dt.timedelta(minutes=2))
    services.case_flag_irate(user=rep, case=case, flagged=True)
    frozen.shift(dt.timedelta(minutes=2))
    services.case_flag_irate(user=supervisor, case=case, flagged=False, note="Calm now")

    response = http.post(url("irate", case), form, headers=HTMX)

    case.refresh_from_db()
    assert form["flagged"] == "on" and response.status_code == 422
    assert not case.flagged_irate and case.co_owner is None


def test_the_service_checks_the_mark_again_under_the_lock(frozen, rep, supervisor, case):
    shown = marks.irate_mark(case)
    case = _cleared_and_raised_again(frozen, rep, supervisor, case)

    with pytest.raises(CaseRuleError, match="irate flag was changed"):
        services.case_flag_irate(user=supervisor, case=case, flagged=False, irate_shown=shown)

    case.refresh_from_db()
    assert case.flagged_irate and case.co_owner == supervisor


def test_an_irate_escalation_stamps_the_flag_too(frozen, rep, supervisor, dennis):
    case = open_case(rep, dennis, temperature=Mood.ANGRY)
    shown = marks.irate_mark(case)
    frozen.shift(dt.timedelta(minutes=1))
    services.escalation_raise(user=rep, case=case, reason=EscalationReason.IRATE, note="Threatening to leave us")

    case.refresh_from_db()
    assert case.flagged_irate and marks.irate_mark(case) != shown
    with pytest.raises(CaseRuleError, match="irate flag was changed"):
        services.case_flag_irate(user=rep, case=case, flagged=True, irate_shown=shown)
