"""One client, one record, at the same moment (cases.services.client_identity.hold_identities): two reps
adding the same caller while the other's intake is still being saved, or two emails from one new sender
read by two workers, make one client, on two real database connections. Without the hold each check read
the clients on file before the other's was committed, and both added one."""
import pytest

from cases import services
from cases.errors import CaseRuleError
from cases.models import Case, Client, Mood
from cases.services.client_mail import case_open_from_mail
from tests.cases.helpers import first_then_second

pytestmark = pytest.mark.django_db(transaction=True)


def _intake(user, email="", phone="", name="Dennis Hale"):
    return lambda: services.case_intake(
        user=user, summary="Website and email down since the overnight upgrade", temperature=Mood.UPSET,
        new_client={"name": name, "email": email, "phone": phone},
        concern={"description": "Website down for every customer", "impact": "No orders since last night",
                 "feeling": "Worried"})


def test_two_reps_adding_the_same_caller_by_email_at_once_make_one_client(rep, supervisor):
    results = first_then_second(_intake(rep, email="dennis@shop.example"),
                                 _intake(supervisor, email="Dennis@Shop.Example"))

    assert [kind for kind, _ in results] == ["ok", "error"]
    refused = results[1][1]
    assert isinstance(refused, CaseRuleError) and refused.field == "email" and "already on file" in refused.message
    assert Client.objects.count() == 1 and Case.objects.count() == 1


def test_two_reps_adding_the_same_caller_by_phone_at_once_are_asked_about_the_number(rep, supervisor):
    results = first_then_second(_intake(rep, phone="+44 20 7946 0000"), _intake(supervisor, phone="+442079460000"))

    assert [kind for kind, _ in results] == ["ok", "error"]
    assert results[1][1].field == "phone"
    assert Client.objects.count() == 1


def test_two_different_callers_at_once_are_both_added(rep, supervisor):
    results = first_then_second(_intake(rep, email="dennis@shop.example"),
                                 _intake(supervisor, email="priya@shop.example", name="Priya Shah"))

    assert [kind for kind, _ in results] == ["ok", "ok"]
    assert Client.objects.count() == 2


def test_two_emails_from_one_new_sender_read_at_once_make_one_client(db):
    def mail(subject):
        return lambda: case_open_from_mail(sender="priya@shop.example", sender_name="Priya", subject=subject,
                                           text="The checkout page fails for every customer since this morning.")

    results = first_then_second(mail("Checkout broken"), mail("Still broken"))

    assert [kind for kind, _ in results] == ["ok", "ok"]
    assert Client.objects.filter(email__iexact="priya@shop.example").count() == 1
    assert {c.client_id for c in Case.objects.all()} == {Client.objects.get().pk}
