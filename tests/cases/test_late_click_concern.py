"""A concern edit saves over the concern its page showed (cases.services.marks.concern_mark,
concern_changed_since): drawn before a teammate edited the concern, it is refused at the top of the form,
with what was typed kept, instead of erasing what they recorded; drawn again, it marks the concern as it is now."""
import datetime as dt
import re

import pytest
from django.test import Client as HttpClient

from cases import services
from cases.errors import CaseRuleError
from cases.services import marks
from tests.cases.helpers import open_case
from tests.cases.views_support import HTMX, page_of, url

NOW = dt.datetime(2025, 7, 1, 9, 0, tzinfo=dt.UTC)
CRITICAL = NOW + dt.timedelta(days=3)
TYPED_FEELING = "Worried, angry and close to tears"


@pytest.fixture
def concern(frozen, rep, dennis):
    return open_case(rep, dennis).concerns.get()


def _signed_in(user):
    http = HttpClient()
    http.force_login(user)
    return http


def _shown(page, concern):
    match = re.search(r'name="concern_shown" value="([^"]*)"[^>]*id="id_concern_edit_%d_concern_shown"' % concern.pk,
                      page)
    return match.group(1) if match else ""


def _drawn(http, concern):
    page = http.get(page_of(concern.case) + f"?open=concern_edit:{concern.pk}").content.decode()
    return {"description": concern.description, "impact": concern.impact, "impact_deadline": "",
            "feeling": concern.feeling, "concern_shown": _shown(page, concern)}


def _critical_date_added(supervisor, concern):
    services.concern_update(user=supervisor, concern=concern, description=concern.description,
                            impact="No orders can come in, and payroll must run by Friday noon",
                            impact_deadline=CRITICAL, feeling=concern.feeling)
    concern.refresh_from_db()
    return concern


def test_an_edit_drawn_before_a_teammates_edit_does_not_erase_it(rep, supervisor, concern):
    http = _signed_in(rep)
    form = _drawn(http, concern)
    _critical_date_added(supervisor, concern)
    form.update(feeling=TYPED_FEELING)

    response = http.post(url("concern_edit", concern.case, concern.pk), form, headers=HTMX)

    concern.refresh_from_db()
    body = response.content.decode()
    assert response.status_code == 422
    assert "Since this page was opened the concern was edited" in body and TYPED_FEELING in body
    assert concern.impact_deadline == CRITICAL and "Friday" in concern.impact
    assert concern.feeling != TYPED_FEELING


def test_the_refused_edit_is_drawn_again_marking_the_concern_as_it_is_now(rep, supervisor, concern):
    http = _signed_in(rep)
    form = _drawn(http, concern)
    _critical_date_added(supervisor, concern)
    refused = http.post(url("concern_edit", concern.case, concern.pk), {**form, "feeling": TYPED_FEELING},
                        headers=HTMX)
    again = refused.content.decode()

    form.update(feeling=TYPED_FEELING, impact=concern.impact, impact_deadline="2025-07-04T09:00",
                concern_shown=_shown(again, concern))
    response = http.post(url("concern_edit", concern.case, concern.pk), form, headers=HTMX)

    assert refused.status_code == 422 and _shown(again, concern) == marks.concern_mark(concern)
    concern.refresh_from_db()
    assert response.status_code == 200
    assert concern.feeling == TYPED_FEELING and concern.impact_deadline == CRITICAL


def test_an_edit_drawn_with_nothing_changed_since_is_saved(rep, concern):
    http = _signed_in(rep)
    form = _drawn(http, concern)
    form.update(feeling=TYPED_FEELING)

    response = http.post(url("concern_edit", concern.case, concern.pk), form, headers=HTMX)

    concern.refresh_from_db()
    assert response.status_code == 200
    assert concern.feeling == TYPED_FEELING


def test_the_service_refuses_an_edit_marked_before_a_change_made_since(rep, supervisor, concern):
    shown = marks.concern_mark(concern)
    stale_copy = type(concern).objects.get(pk=concern.pk)
    _critical_date_added(supervisor, concern)

    with pytest.raises(CaseRuleError, match="Since this page was opened the concern was edited"):
        services.concern_update(user=rep, concern=stale_copy, description=stale_copy.description,
                                impact=stale_copy.impact, impact_deadline=None, feeling=TYPED_FEELING,
                                concern_shown=shown)

    concern.refresh_from_db()
    assert concern.impact_deadline == CRITICAL


def test_a_new_concern_is_added_without_a_mark(rep, concern):
    http = _signed_in(rep)

    response = http.post(url("concern_add", concern.case), {
        "description": "The invoices sent last week show the wrong VAT number", "impact": "",
        "impact_deadline": "", "feeling": "Embarrassed in front of his customers"}, headers=HTMX)

    assert response.status_code == 200
    assert concern.case.concerns.count() == 2
