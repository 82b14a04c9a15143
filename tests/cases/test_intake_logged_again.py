"""The same complaint logged twice by the same rep within minutes (cases.services.intake_again): found by a
browser audit, Back after logging a case and "Log the case" again opened a second case for the one call."""
import datetime as dt

import time_machine
from django.urls import reverse

from cases.models import Case, Client, Mood

SUMMARY = "Site and email down after upgrade"


def _log(http, client, summary=SUMMARY):
    return http.post(reverse("cases:case_new"), {
        "client": client.pk, "summary": summary, "temperature": Mood.ANXIOUS,
        "description": "Website and email down since the overnight upgrade",
        "impact": "No orders can come in and payroll is due", "feeling": "Worried and angry"})


def test_the_same_summary_for_the_same_client_minutes_later_is_refused_beside_the_summary(rep_client, rep, dennis):
    first = _log(rep_client, dennis)

    again = _log(rep_client, dennis, summary="  site and EMAIL down after upgrade ")

    case = Case.objects.get(client=dennis)
    assert first.status_code == 302 and again.status_code == 422
    assert again.context["form"].errors["summary"] == [
        f"You logged {case.reference} for {dennis.name} 1 minute ago with this summary: open {case.reference} to "
        "work it. If this is another complaint, say in the summary how it differs."]


def test_another_complaint_of_the_same_client_is_logged(rep_client, rep, dennis):
    _log(rep_client, dennis)

    response = _log(rep_client, dennis, summary="Invoices sent twice this month")

    assert response.status_code == 302 and Case.objects.filter(client=dennis).count() == 2


def test_the_same_summary_later_or_by_a_teammate_is_another_case(rep_client, other_rep, dennis, client):
    _log(rep_client, dennis)
    client.force_login(other_rep)

    by_teammate = _log(client, dennis)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=31)):
        later = _log(rep_client, dennis)

    assert by_teammate.status_code == 302 and later.status_code == 302
    assert Case.objects.filter(client=dennis).count() == 3


def _log_new_client(http, summary=SUMMARY, name="Dennis Hale", organisation="Hale Internet Ltd"):
    return http.post(reverse("cases:case_new"), {
        "client_name": name, "client_organisation": organisation, "client_time_zone": "America/New_York",
        "summary": summary, "temperature": Mood.ANXIOUS,
        "description": "Website and email down since the overnight upgrade",
        "impact": "No orders can come in and payroll is due", "feeling": "Worried and angry"})


def test_a_new_client_typed_again_by_name_with_the_same_summary_is_refused_and_no_second_client_made(rep_client):
    _log_new_client(rep_client)

    again = _log_new_client(rep_client, name=" dennis  HALE ", organisation="hale internet ltd")

    case = Case.objects.get()
    assert again.status_code == 422 and Client.objects.count() == 1
    assert again.context["form"].errors["summary"] == [
        f"You logged {case.reference} for Dennis Hale 1 minute ago with this summary: Dennis Hale is on file from "
        f"it: open {case.reference} to work it. If this is another complaint, say in the summary how it differs."]
    assert 'value=" dennis  HALE "' in again.content.decode()  # what was typed stays in the form


def test_another_person_of_that_name_or_another_complaint_is_logged(rep_client):
    _log_new_client(rep_client)

    elsewhere = _log_new_client(rep_client, organisation="Another Firm")
    another_complaint = _log_new_client(rep_client, summary="Invoices sent twice this month")

    assert elsewhere.status_code == 302 and another_complaint.status_code == 302
    assert Case.objects.count() == 3


def test_the_same_caller_typed_again_however_the_name_folds_or_the_summary_ends_is_refused(rep_client):
    _log_new_client(rep_client, name="Hans Strauß", organisation="")

    again = _log_new_client(rep_client, name="Hans Strauss", organisation="", summary=SUMMARY + ".")

    assert again.status_code == 422 and "summary" in again.context["form"].errors
    assert Client.objects.count() == 1


def test_another_person_of_the_same_name_with_their_own_address_is_logged(rep_client):
    """Found by a red team: a second John Smith, with his own email, was refused and sent to the first one's case."""
    first = rep_client.post(reverse("cases:case_new"), {
        "client_name": "John Smith", "client_email": "john@one.example", "client_time_zone": "UTC",
        "summary": SUMMARY, "temperature": Mood.ANXIOUS, "description": "Website and email down since the upgrade",
        "impact": "No orders can come in and payroll is due", "feeling": "Worried and angry"})
    second = rep_client.post(reverse("cases:case_new"), {
        "client_name": "John Smith", "client_email": "john@two.example", "client_time_zone": "UTC",
        "summary": SUMMARY, "temperature": Mood.ANXIOUS, "description": "Website and email down since the upgrade",
        "impact": "No orders can come in and payroll is due", "feeling": "Worried and angry"})

    assert first.status_code == 302 and second.status_code == 302
    assert Client.objects.filter(name="John Smith").count() == 2


def test_the_same_caller_typed_again_with_an_email_added_is_refused(rep_client):
    _log_new_client(rep_client, name="Jo Bloggs", organisation="")

    again = rep_client.post(reverse("cases:case_new"), {
        "client_name": "Jo Bloggs", "client_email": "jo@bloggs.example", "client_time_zone": "UTC",
        "summary": SUMMARY, "temperature": Mood.ANXIOUS, "description": "Website and email down since the upgrade",
        "impact": "No orders can come in and payroll is due", "feeling": "Worried and angry"})

    assert again.status_code == 422 and "summary" in again.context["form"].errors
    assert Client.objects.count() == 1
