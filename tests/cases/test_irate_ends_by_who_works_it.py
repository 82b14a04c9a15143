"""An irate client's supervisor co-owns the case until the client calms down (RECIPE "Irate clients"):
the irate state ends by a reading of whoever works the case, never by the owner clearing a flag alone
or a teammate logging a calmer contact; and a case opened from email takes its first reading from the
rep who claims it. Its timeline names no other case a restricted rep may not open (found by review)."""
import pytest
from django.test import override_settings

from cases import services
from cases.errors import CaseRuleError
from cases.models import CaseEvent, Mood
from cases.services.client_mail import case_open_from_mail
from tests.cases.helpers import open_case

pytestmark = pytest.mark.django_db

SAID = "He rang back and says the shop takes orders again"


def test_the_owner_alone_cannot_clear_the_irate_flag(rep, supervisor, dennis):
    case = services.case_flag_irate(user=rep, case=open_case(rep, dennis, temperature=Mood.ANGRY), flagged=True)
    assert case.co_owner == supervisor

    with pytest.raises(CaseRuleError, match="a supervisor clears the flag"):
        services.case_flag_irate(user=rep, case=case, flagged=False)

    case.refresh_from_db()
    assert case.flagged_irate and case.co_owner == supervisor


def test_a_supervisor_clears_the_flag_and_steps_back(rep, supervisor, dennis):
    case = services.case_flag_irate(user=rep, case=open_case(rep, dennis, temperature=Mood.ANGRY), flagged=True)

    case = services.case_flag_irate(user=supervisor, case=case, flagged=False, note="Calm on the call just now")

    assert not case.is_irate and case.co_owner is None


def test_a_teammates_calmer_contact_is_told_not_recorded_while_the_client_is_irate(rep, other_rep, supervisor,
                                                                                  dennis):
    case = open_case(rep, dennis, temperature=Mood.IRATE)
    assert case.co_owner == supervisor

    services.client_contact_log(user=other_rep, case=case, said=SAID, client_mood=Mood.CALM, channel="phone")

    case.refresh_from_db()
    assert case.temperature == Mood.IRATE and case.co_owner == supervisor
    contact = CaseEvent.objects.get(case=case, verb="client contact logged")
    assert contact.data["mood"] == Mood.CALM and "not recorded" in contact.note
    assert not CaseEvent.objects.filter(case=case, verb="temperature recorded", actor=other_rep).exists()


def test_the_owners_calmer_contact_ends_the_irate_state(rep, supervisor, dennis):
    case = open_case(rep, dennis, temperature=Mood.IRATE)

    services.client_contact_log(user=rep, case=case, said=SAID, client_mood=Mood.CALM, channel="phone")

    case.refresh_from_db()
    assert case.temperature == Mood.CALM and case.co_owner is None


def test_a_teammate_may_still_hear_the_client_hotter(rep, other_rep, supervisor, dennis):
    case = open_case(rep, dennis, temperature=Mood.UPSET)

    services.client_contact_log(user=other_rep, case=case, said="He is shouting: the shop is down again",
                                client_mood=Mood.IRATE, channel="phone")

    case.refresh_from_db()
    assert case.temperature == Mood.IRATE and case.co_owner == supervisor


def _emailed(subject="Still nobody can pay on our shop"):
    return case_open_from_mail(sender="priya@shop.example", sender_name="Priya", subject=subject,
                               text="Nobody can pay on our shop since this morning and I am furious")


def test_a_case_waiting_to_be_claimed_takes_no_contact_mood(other_rep):
    case = _emailed()

    with pytest.raises(CaseRuleError, match="claim it first"):
        services.client_contact_log(user=other_rep, case=case, said=SAID, client_mood=Mood.CALM, channel="phone")

    case.refresh_from_db()
    assert case.intake_temperature == "" and case.awaiting_claim


@override_settings(REPS_SEE_OWN_CASES_ONLY=True)
def test_an_emailed_cases_timeline_does_not_name_the_case_the_reply_was_about(rep, dennis):
    about = open_case(rep, dennis)

    case = case_open_from_mail(sender="stranger@elsewhere.example", subject="Re: your case", text="Hello there",
                               reason=f"The sender is not the client of {about.reference}.", about=about)

    opened = CaseEvent.objects.get(case=case, verb="opened")
    assert about.reference not in opened.note and about.reference not in str(opened.data)
    assert "the case its reply address named" in opened.note
