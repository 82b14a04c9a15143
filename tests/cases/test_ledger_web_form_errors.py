"""The promise ledger's rules posted through the case page's real forms, each checked in the database
afterwards: absurd values are form errors, never a 500 (a ten-thousand-day cadence, a ten-year ETA, a
follow-up years away, year 9999 or year 1 in any date field, quiet hours over the whole business day
against a business-hours cadence)."""
import datetime as dt

import pytest
from django import forms as django_forms
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Case, Channel, PromiseKind, StaffProfile, Step
from cases.services.client_details import details_digest
from cases.status_links import make_token
from cases.views.actions import ACTION_LIST, ACTIONS
from tests.cases.helpers import advance_to, open_case
from tests.cases.ledger_web_support import AGREED, case_page_posts, delivery_data, pending
from tests.cases.views_support import in_step, local, page_of, url
from tests.factories import ClientFactory


# --- Absurd values are form errors, never a 500 ----------------------------------------------------
def test_a_cadence_of_ten_thousand_days_is_a_form_error(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.MANAGE_ANXIETY)

    response = rep_client.post(url("cadence", case), {"every": 10_000, "unit": "days", "channel": Channel.PHONE,
                                                      **AGREED})

    assert response.status_code == 422
    assert "every" in response.context["forms"]["cadence"].errors
    assert Case.objects.get(pk=case.pk).cadence_minutes == 60


def test_a_ten_year_eta_is_a_form_error(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.MANAGE_ANXIETY)

    response = rep_client.post(url("eta", case), {"eta_earliest": local(dt.timedelta(hours=1)),
                                                  "eta_latest": local(dt.timedelta(days=3650)), **AGREED})

    assert response.status_code == 422
    assert "eta_latest" in response.context["forms"]["eta"].errors
    assert pending(case, PromiseKind.ETA).due_at < timezone.now() + dt.timedelta(days=1)


def test_a_follow_up_in_2036_is_a_form_error(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.DELIVER)

    response = rep_client.post(url("delivery", case), delivery_data(case, follow_up_on="2036-06-01"))

    assert response.status_code == 422
    assert "follow_up_on" in response.context["forms"]["delivery"].errors
    assert not case.deliveries.exists()


def _date_fields():
    """(action, field, is a date only) for every date or datetime field of the case page's forms."""
    found = []
    for action in ACTION_LIST:
        fields = action.form.base_fields
        for name, fld in fields.items():
            if isinstance(fld, (django_forms.DateTimeField, django_forms.DateField)):
                found.append((action.name, name, not isinstance(fld, django_forms.DateTimeField)))
    return found


DATE_FIELDS = _date_fields()


@pytest.mark.parametrize("viewer_zone, entry_zone", [("UTC", "mine"), ("America/Los_Angeles", "client"),
                                                     ("Pacific/Kiritimati", "mine")])
@pytest.mark.parametrize("typed", ["9999-12-31T23:59", "0001-01-01T00:00"], ids=["year-9999", "year-1"])
def test_absurd_years_in_every_date_field_are_form_errors_and_the_pages_still_answer(
        client, rep, other_rep, supervisor, viewer_zone, entry_zone, typed):
    StaffProfile.objects.filter(user=rep).update(time_zone=viewer_zone)
    case = advance_to(open_case(rep, ClientFactory(time_zone="Pacific/Kiritimati")), Step.MANAGE_ANXIETY, rep)
    services.action_item_create(user=rep, case=case, description="Check the DNS records", assignee=rep,
                                due_at=timezone.now() + dt.timedelta(hours=2))
    client.force_login(rep)
    posts = {label: post for label, post in case_page_posts(case, rep, other_rep, supervisor)}
    assert {a for a, _, _ in DATE_FIELDS} <= {p[0] for p in posts.values()}
    problems = []

    for action, name, date_only in DATE_FIELDS:
        label = next(lbl for lbl, p in posts.items() if p[0] == action)
        _, pk, _, data = posts[label]
        data = {**data, name: typed[:10] if date_only else typed, "entry_zone": entry_zone}
        response = client.post(url(action, case, pk), data)
        obj = ACTIONS[action].get_object(case, pk) if pk else None
        errors = response.context["forms"].get(action, obj).errors if response.status_code == 422 else {}
        if response.status_code != 422 or name not in errors:
            problems.append((action, name, response.status_code, dict(errors)))

    assert problems == []
    assert client.get(page_of(case)).status_code == 200
    assert HttpClient().get(reverse("client_status", kwargs={"token": make_token(case)})).status_code == 200


def test_quiet_hours_over_the_whole_business_day_refuse_a_business_hours_cadence(rep_client, rep):
    shut = ClientFactory(time_zone="Europe/London", quiet_hours_start=dt.time(8), quiet_hours_end=dt.time(18))
    case = advance_to(open_case(rep, shut), Step.PLAN, rep)

    response = rep_client.post(url("cadence", case), {"every": 2, "unit": "hours", "channel": Channel.PHONE,
                                                      "business_hours_only": "on"})

    assert response.status_code == 422
    errors = response.context["forms"]["cadence"].errors["business_hours_only"]
    assert "quiet hours cover the whole business day" in errors[0]
    assert Case.objects.get(pk=case.pk).cadence_minutes is None
    assert not case.promises.exists()


def test_quiet_hours_over_the_whole_business_day_are_refused_for_a_business_hours_cadence(rep_client, rep):
    shop = ClientFactory(time_zone="Europe/London")
    case = advance_to(open_case(rep, shop), Step.PLAN, rep)
    services.cadence_set(user=rep, case=case, minutes=120, channel=Channel.PHONE, business_hours_only=True)
    data = {f: getattr(shop, f) or "" for f in ("name", "organisation", "email", "phone", "time_zone")}
    data["details_shown"] = details_digest(shop)  # as the page draws it

    response = rep_client.post(url("client_details", case), {**data, "quiet_hours_start": "08:00",
                                                             "quiet_hours_end": "18:00"})

    shop.refresh_from_db()
    assert response.status_code == 422
    assert "whole business day" in response.content.decode()
    assert shop.quiet_hours_start is None
