"""Mail nobody's case could take waits for the team: whoever claims it first owns it. A client's reply
leaves their mood unknown until whoever works the case has read it."""
import pytest
from django.urls import reverse

from cases.errors import CaseRuleError
from cases.models import CaseEvent, Mood
from cases.permissions import can_claim_case, can_view_case
from cases.services.client_mail import case_claim, client_mail_read
from mailin.addresses import reply_address
from mailin.services import mail_receive
from tests.factories import UserFactory
from tests.mailin.conftest import email_bytes


def read_as(client, case, mood):
    """Mark the client's email read from its page, as drawn (the newest email it shows)."""
    url = reverse("mailin:case_mail", args=[case.reference])
    return client.post(url, {"client_mood": mood, "newest_shown": client.get(url).context["newest_shown"]})


@pytest.fixture
def unclaimed(db):
    return mail_receive(email_bytes(to="support@reply.cases.example", sender="Priya <priya@shop.example>",
                                    subject="Checkout broken", text="Nobody can pay on our shop."),
                        provider="imap").case


def test_the_first_rep_to_claim_owns_the_case(unclaimed, rep):
    case_claim(user=rep, case=unclaimed)

    unclaimed.refresh_from_db()
    assert unclaimed.owner == rep and not unclaimed.awaiting_claim
    assert CaseEvent.objects.filter(case=unclaimed, verb="claimed", actor=rep).exists()


def test_a_second_claim_is_told_who_was_first(unclaimed, rep, teammate):
    case_claim(user=rep, case=unclaimed)

    with pytest.raises(CaseRuleError, match="Fran Lindqvist has already claimed"):
        case_claim(user=teammate, case=unclaimed)

    unclaimed.refresh_from_db()
    assert unclaimed.owner == rep


def test_a_second_click_of_the_claimer_is_no_failure_and_changes_nothing(client, unclaimed, rep):
    """A double click or a resend: the case is theirs, the page says so, the timeline has one claim."""
    client.force_login(rep)
    url = reverse("mailin:claim", args=[unclaimed.reference])

    client.post(url)
    again = client.post(url, follow=True)

    assert "already claimed" not in again.content.decode()
    assert again.redirect_chain[0][0] == reverse("cases:case_detail", args=[unclaimed.reference])
    assert CaseEvent.objects.filter(case=unclaimed, verb="claimed").count() == 1


def test_a_supervisor_assigning_unclaimed_mail_to_a_rep_ends_the_wait(unclaimed, rep, supervisor):
    from cases.services import case_reassign

    case_reassign(user=supervisor, case=unclaimed, to_user=rep, reason="Fran knows this shop",
                  client_informed=True)

    unclaimed.refresh_from_db()
    assert unclaimed.owner == rep and not unclaimed.awaiting_claim


def test_a_claim_cancels_a_handoff_asked_for_while_the_case_waited(unclaimed, rep, teammate, supervisor):
    from cases.models import HandoffStatus
    from cases.services import handoff_accept, handoff_request

    handoff = handoff_request(user=supervisor, case=unclaimed, to_user=teammate, reason="Teammate knows this shop")
    version = unclaimed.status_link_version

    case_claim(user=rep, case=unclaimed)

    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.CANCELLED
    assert CaseEvent.objects.filter(case=unclaimed, verb="handoff cancelled", data__handoff=handoff.pk).exists()
    with pytest.raises(CaseRuleError):
        handoff_accept(user=teammate, handoff=handoff, client_informed=True)
    unclaimed.refresh_from_db()
    assert unclaimed.owner == rep and unclaimed.status_link_version == version + 1


def test_someone_without_a_rep_s_role_cannot_claim(unclaimed):
    outsider = UserFactory(username="visitor")

    assert not can_claim_case(outsider, unclaimed)
    with pytest.raises(CaseRuleError, match="Only a rep or a supervisor"):
        case_claim(user=outsider, case=unclaimed)


def test_reps_restricted_to_their_own_cases_still_see_unclaimed_mail(unclaimed, rep, settings):
    settings.REPS_SEE_OWN_CASES_ONLY = True

    assert can_view_case(rep, unclaimed)


def test_reading_the_reply_records_the_client_s_mood(case, rep):
    mail_receive(email_bytes(to=reply_address(case.reference), text="Still down!!"), provider="imap")

    client_mail_read(user=rep, case=case, client_mood=Mood.ANGRY)

    case.refresh_from_db()
    assert case.client_wrote_at is None and case.temperature == Mood.ANGRY
    event = CaseEvent.objects.get(case=case, verb="temperature recorded")
    assert event.data["to"] == Mood.ANGRY and event.actor == rep


def test_a_teammate_who_does_not_work_the_case_cannot_mark_it_read(case, teammate):
    mail_receive(email_bytes(to=reply_address(case.reference), text="Still down!!"), provider="imap")

    with pytest.raises(CaseRuleError, match="not working on"):
        client_mail_read(user=teammate, case=case, client_mood=Mood.CALM)


def test_the_claimer_s_first_reading_is_the_intake_mood(unclaimed, rep):
    case_claim(user=rep, case=unclaimed)

    client_mail_read(user=rep, case=unclaimed, client_mood=Mood.UPSET)

    unclaimed.refresh_from_db()
    assert unclaimed.intake_temperature == Mood.UPSET


# --- the pages -------------------------------------------------------------------------------------
def test_a_rep_sees_unclaimed_mail_and_claims_it_from_the_list(client, unclaimed, rep):
    client.force_login(rep)

    page = client.get(reverse("mailin:inbox"))
    response = client.post(reverse("mailin:claim", args=[unclaimed.reference]))

    assert unclaimed.reference in page.content.decode() and "Checkout broken" in page.content.decode()
    assert response.status_code == 302 and response.url == reverse("cases:case_detail", args=[unclaimed.reference])
    unclaimed.refresh_from_db()
    assert unclaimed.owner == rep


def test_a_late_claim_from_the_page_says_who_was_first(client, unclaimed, rep, teammate):
    case_claim(user=teammate, case=unclaimed)
    client.force_login(rep)

    response = client.post(reverse("mailin:claim", args=[unclaimed.reference]), follow=True)

    assert "Alex Moreau has already claimed" in response.content.decode()


def test_the_case_page_offers_the_claim(client, unclaimed, rep):
    client.force_login(rep)

    page = client.get(reverse("cases:case_detail", args=[unclaimed.reference])).content.decode()

    assert "nobody owns this case yet" in page and reverse("mailin:claim", args=[unclaimed.reference]) in page


def test_marking_read_without_a_mood_shows_the_error_next_to_the_field(client, case, rep):
    mail_receive(email_bytes(to=reply_address(case.reference), text="Still down!!"), provider="imap")
    client.force_login(rep)

    response = client.post(reverse("mailin:case_mail", args=[case.reference]), {"client_mood": ""})

    assert response.status_code == 422
    assert 'id="id_client_mood_error">Say how the client sounds in their email.' in response.content.decode()
    case.refresh_from_db()
    assert case.client_wrote_at is not None


def test_an_empty_post_is_refused_beside_the_mood_not_taken_for_a_visit(client, case, rep):
    """Found by an input audit: a post with no fields answered 200, the page as if nothing had been sent."""
    mail_receive(email_bytes(to=reply_address(case.reference), text="Still down!!"), provider="imap")
    client.force_login(rep)

    response = client.post(reverse("mailin:case_mail", args=[case.reference]), {})

    assert response.status_code == 422
    assert 'id="id_client_mood_error">Say how the client sounds in their email.' in response.content.decode()


def test_marking_read_from_the_page_records_the_mood(client, case, rep):
    mail_receive(email_bytes(to=reply_address(case.reference), text="Still down!!"), provider="imap")
    client.force_login(rep)

    response = read_as(client, case, "upset")

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.temperature == "upset" and case.client_wrote_at is None


def test_a_kept_attachment_downloads_for_the_team_and_never_inline(client, case, rep, teammate):
    from tests.mailin.conftest import PDF

    mail_receive(email_bytes(to=reply_address(case.reference), text="Invoice",
                             attachments=[("invoice.pdf", "application/pdf", PDF)]), provider="imap")
    attachment = case.inbound_messages.get().attachments.get()
    client.force_login(teammate)

    response = client.get(reverse("mailin:attachment", args=[attachment.pk]))

    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/octet-stream"


def test_an_attachment_is_hidden_from_who_may_not_see_the_case(client, case, settings):
    from tests.mailin.conftest import PDF

    mail_receive(email_bytes(to=reply_address(case.reference), text="Invoice",
                             attachments=[("invoice.pdf", "application/pdf", PDF)]), provider="imap")
    attachment = case.inbound_messages.get().attachments.get()
    client.force_login(UserFactory(username="visitor"))

    assert client.get(reverse("mailin:attachment", args=[attachment.pk])).status_code == 404


def test_the_client_mail_list_costs_the_same_queries_for_many_cases(client, rep, django_assert_max_num_queries):
    def receive(n):
        for i in range(n):
            mail_receive(email_bytes(to="support@reply.cases.example", sender=f"c{i}@shop{i}.example",
                                     text=f"Problem number {i}"), provider="imap")

    client.force_login(rep)
    receive(2)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("mailin:inbox"))
    receive(20)

    with django_assert_max_num_queries(len(few)):
        page = client.get(reverse("mailin:inbox"))

    assert page.content.decode().count("Claim</button>") == 22


def test_the_client_mail_pages_carry_the_policy_and_no_inline_code(client, case, unclaimed, rep):
    from tests.test_security_headers import assert_safe_page

    mail_receive(email_bytes(to=reply_address(case.reference), text="Still down!!"), provider="imap")
    client.force_login(rep)

    for url in (reverse("mailin:inbox"), reverse("mailin:case_mail", args=[case.reference]),
                reverse("cases:case_detail", args=[case.reference]),
                reverse("cases:case_detail", args=[unclaimed.reference])):
        assert_safe_page(client.get(url), url)
    assert_safe_page(client.post(reverse("mailin:case_mail", args=[case.reference]), {"client_mood": ""}),
                     "read form with an error")


def test_every_page_shows_the_mood_unknown_until_the_reply_is_read(client, case, rep, supervisor):
    """The case header, My cases, search, the client page and the queue all read Case.mood_now."""
    from cases import services
    from cases.models import EscalationReason

    services.escalation_raise(user=rep, case=case, reason=EscalationReason.OTHER, note="Client keeps writing in")
    mail_receive(email_bytes(to=reply_address(case.reference), text="Still down!!"), provider="imap")
    pages = {
        rep: [reverse("cases:case_detail", args=[case.reference]), reverse("cases:my_cases"),
              reverse("cases:search") + "?q=" + case.reference,
              reverse("cases:client_detail", args=[case.client.pk])],
        supervisor: [reverse("supervisor:queue")],
    }
    for user, urls in pages.items():
        client.force_login(user)
        for url in urls:
            assert "Unknown: unread email" in client.get(url).content.decode(), url

    client.force_login(rep)
    read_as(client, case, "upset")
    for url in pages[rep]:
        assert "Unknown: unread email" not in client.get(url).content.decode(), url


def test_the_promises_made_while_the_case_waited_are_the_claimers(unclaimed, rep, supervisor):
    """Found by a review: a supervisor working a case that waits for a claim makes promises (a cadence, an
    estimate) held by the mail intake; the claim left them there, counted for nobody, emailed to no one."""
    from cases import services
    from cases.models import PromiseStatus, Step
    from tests.cases.helpers import DENNIS_CONCERN, advance_to

    services.case_set_temperature(user=supervisor, case=unclaimed, temperature=Mood.ANXIOUS)
    services.concern_add(user=supervisor, case=unclaimed, **DENNIS_CONCERN)
    case = advance_to(unclaimed, Step.MANAGE_ANXIETY, supervisor)
    intake = case.owner
    assert case.promises.filter(status=PromiseStatus.PENDING, owner=intake).exists()

    case_claim(user=rep, case=case)

    pending = case.promises.filter(status=PromiseStatus.PENDING)
    assert pending.exists() and not pending.filter(owner=intake).exists()
    assert not pending.filter(action_item__isnull=True).exclude(owner=rep).exists()
