"""A change of a recorded fact leaves what it was on the case's timeline (found by an audit: a rep re-saved the
delivery with a happier client, rewrote the client's expectation, a concern's impact or an item's holder, and
nothing on the page said what had been there). And the client's expectation does not move once the delivery is
judged against it (at deliver): refused by the service and a forged post alike, still editable before."""
import datetime as dt
import html
import re

import pytest
from django.utils import timezone

from cases import services
from cases.errors import CaseRuleError
from cases.models import ItemKind, Mood, Step
from tests.cases.helpers import advance_to, open_case
from tests.factories import ClientFactory, RepFactory, StaffProfileFactory, SupervisorFactory

pytestmark = pytest.mark.django_db

ROLLBACK = "Upgrades now run with a tested rollback"
EXPECTED = "Orders flowing again today"  # helpers.meet_gate records it in gather


@pytest.fixture
def sup(db):
    return SupervisorFactory(first_name="Sam", last_name="Boss")


def _rep(sup, first, last):
    user = RepFactory(first_name=first, last_name=last)
    StaffProfileFactory(user=user, supervisor=sup)
    return user


@pytest.fixture
def alice(sup):
    return _rep(sup, "Alice", "Zephyrine")


@pytest.fixture
def bruno(sup):
    return _rep(sup, "Bruno", "Quaxley")


def timeline(client, user, case):
    """The text of the case page's timeline, as `user` reads it."""
    client.force_login(user)
    response = client.get(f"/cases/{case.reference}/?open=timeline")
    assert response.status_code == 200
    events = re.findall(r'<li class="timeline__event.*?</li>', response.content.decode(), flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", " ".join(events)))


def _said(text):
    return re.sub(r"\s+", " ", text)


def _last(case, verb):
    return case.events.filter(verb=verb).order_by("-id").first()


# --- The delivery ----------------------------------------------------------------------------------
def _deliver(rep, case, **changes):
    fields = {"verified_with_client": True, "client_satisfied": True, "prevention_note": ROLLBACK,
              "follow_up_on": timezone.localdate(timezone=case.client.tz) + dt.timedelta(days=7),
              "client_mood": Mood.UPSET, "expectation_met": False, **changes}
    return services.delivery_record(user=rep, case=case, **fields)


def test_a_delivery_saved_again_says_on_the_timeline_what_it_recorded_before(client, alice, sup):
    case = advance_to(open_case(alice, ClientFactory()), Step.DELIVER, alice)
    _deliver(alice, case)

    _deliver(alice, case, client_mood=Mood.DELIGHTED, expectation_met=True,
             prevention_note="We replaced the whole hosting platform permanently")

    shown = _said(timeline(client, sup, case))
    assert "the client's mood Upset → Delighted" in shown
    assert f"prevention note “{ROLLBACK}” → “We replaced the whole hosting platform permanently”" in shown
    assert "the client's expectation met no → yes" in shown
    assert _last(case, "delivery recorded").data["changed"]["client_mood"] == {"from": Mood.UPSET,
                                                                               "to": Mood.DELIGHTED}


def test_a_delivery_saved_again_keeps_the_old_extra_mile_and_follow_up_date_in_the_event(alice):
    case = advance_to(open_case(alice, ClientFactory(time_zone="UTC")), Step.DELIVER, alice)
    first = _deliver(alice, case, extra_mile="A month of hosting free")
    later = first.follow_up_on + dt.timedelta(days=3)

    _deliver(alice, case, extra_mile="", follow_up_on=later)

    event = _last(case, "delivery recorded")
    assert event.data["changed"]["extra_mile"] == {"from": "A month of hosting free", "to": ""}
    assert event.data["changed"]["follow_up_on"] == {"from": first.follow_up_on.isoformat(),
                                                     "to": later.isoformat()}
    assert f"follow-up call on {first.follow_up_on:%a %d %b %Y} → {later:%a %d %b %Y}" in event.note
    assert "extra mile “A month of hosting free” → none" in event.note


def test_the_first_delivery_names_the_clients_mood_and_a_save_without_change_lists_none(alice):
    case = advance_to(open_case(alice, ClientFactory()), Step.DELIVER, alice)
    _deliver(alice, case)
    first = _last(case, "delivery recorded")

    _deliver(alice, case)

    assert first.note == "Verified with the client; client satisfied. Client's mood: Upset."
    assert _last(case, "delivery recorded").note == first.note
    assert "changed" not in _last(case, "delivery recorded").data


# --- The root problem and the client's expectation ----------------------------------------------------
def test_a_new_root_problem_and_expectation_show_what_they_replaced(client, alice, sup):
    case = advance_to(open_case(alice, ClientFactory()), Step.PLAN, alice)

    services.case_set_root_problem(user=alice, case=case, root_problem="The DNS records were deleted",
                                   expected_resolution="Email back by Friday")

    shown = _said(timeline(client, sup, case))
    assert "root problem “Mail server failed the upgrade” → “The DNS records were deleted”" in shown
    assert f"the client's expectation “{EXPECTED}” → “Email back by Friday”" in shown
    assert _last(case, "root problem recorded").data["changed"]["expected_resolution"] == {
        "from": EXPECTED, "to": "Email back by Friday"}


def test_the_expectation_cannot_be_changed_at_delivery(alice):
    case = advance_to(open_case(alice, ClientFactory()), Step.DELIVER, alice)

    with pytest.raises(CaseRuleError) as refused:
        services.case_set_root_problem(user=alice, case=case, root_problem="Mail server failed the upgrade",
                                       expected_resolution="A polite apology email is enough")

    assert refused.value.field == "expected_resolution"
    assert "loose ends" in refused.value.message
    case.refresh_from_db()
    assert case.expected_resolution == EXPECTED


def test_a_forged_post_changing_the_expectation_at_delivery_is_refused_beside_the_field(client, alice):
    case = advance_to(open_case(alice, ClientFactory()), Step.DELIVER, alice)
    client.force_login(alice)

    response = client.post(f"/cases/{case.reference}/root-problem/", {
        "root_problem": "Mail server failed the upgrade", "expected_resolution": "A polite apology email is enough"})

    assert response.status_code == 422
    page = html.unescape(response.content.decode())
    assert "id_root_expected_resolution_error" in page
    assert "loose ends" in page
    field = re.search(r'<textarea[^>]*name="expected_resolution"[^>]*>([^<]*)</textarea>', page)
    assert field.group(1).strip() == EXPECTED  # read-only, it shows what stands, not what was sent
    case.refresh_from_db()
    assert case.expected_resolution == EXPECTED


def test_at_delivery_the_page_shows_the_expectation_read_only_and_the_root_problem_still_saves(client, alice):
    case = advance_to(open_case(alice, ClientFactory()), Step.DELIVER, alice)
    client.force_login(alice)
    page = client.get(f"/cases/{case.reference}/?open=root").content.decode()
    field = re.search(r'<textarea[^>]*name="expected_resolution"[^>]*>', page)

    response = client.post(f"/cases/{case.reference}/root-problem/", {
        "root_problem": "The mail server's disk filled up during the upgrade", "expected_resolution": EXPECTED})

    assert field is not None and "readonly" in field.group(0)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.root_problem == "The mail server's disk filled up during the upgrade"
    assert case.expected_resolution == EXPECTED


def test_before_delivery_the_expectation_is_still_editable_through_the_page_and_the_change_is_said(client, alice):
    case = advance_to(open_case(alice, ClientFactory()), Step.MANAGE_ANXIETY, alice)
    client.force_login(alice)
    page = client.get(f"/cases/{case.reference}/?open=root").content.decode()
    field = re.search(r'<textarea[^>]*name="expected_resolution"[^>]*>', page)

    response = client.post(f"/cases/{case.reference}/root-problem/", {
        "root_problem": "Mail server failed the upgrade", "expected_resolution": "Orders flowing again by Monday"})

    assert field is not None and "readonly" not in field.group(0)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.expected_resolution == "Orders flowing again by Monday"
    assert _last(case, "root problem recorded").note == (
        f"Changed: the client's expectation “{EXPECTED}” → “Orders flowing again by Monday”")


# --- A concern -------------------------------------------------------------------------------------
def test_an_edited_concern_shows_its_old_impact_feeling_and_critical_date(client, alice, sup):
    case = advance_to(open_case(alice, ClientFactory(time_zone="Europe/London")), Step.GATHER, alice)
    concern = case.concerns.get()
    critical = timezone.now().replace(microsecond=0) + dt.timedelta(days=2)

    services.concern_update(user=alice, concern=concern, description=concern.description,
                            impact="A small inconvenience for the shop owner only", impact_deadline=critical,
                            feeling="Mildly curious and calm")

    shown = _said(timeline(client, sup, case))
    assert "impact “No orders can come in, and payroll is due in three days” → “A small inconvenience" in shown
    assert "how the client feels “Worried and angry” → “Mildly curious and calm”" in shown
    london = timezone.localtime(critical, case.client.tz)
    assert f"critical by none → {london:%a %d %b %Y %H:%M %Z}" in shown
    assert _last(case, "concern edited").data["changed"]["impact_deadline"] == {"from": None,
                                                                                "to": critical.isoformat()}


# --- An action item --------------------------------------------------------------------------------
def test_an_item_given_to_another_teammate_says_who_held_it(client, alice, bruno, sup):
    case = advance_to(open_case(bruno, ClientFactory()), Step.PLAN, bruno)
    item = services.action_item_create(user=bruno, case=case, description="Restore the mail server from backup",
                                       kind=ItemKind.FIX, assignee=alice, due_at=timezone.now() + dt.timedelta(hours=3))

    services.action_item_update(user=bruno, item=item, description=item.description, kind=item.kind, assignee=bruno,
                                due_at=item.due_at)

    assert "given to Bruno Quaxley (was Alice Zephyrine)" in _said(timeline(client, sup, case))
    assert _last(case, "action item changed").data["changed"]["assignee"] == {"from": alice.pk, "to": bruno.pk}


def test_an_item_reworded_or_of_another_kind_says_what_it_was(alice):
    case = advance_to(open_case(alice, ClientFactory()), Step.PLAN, alice)
    item = services.action_item_create(user=alice, case=case, description="Restore the mail server from backup",
                                       kind=ItemKind.FIX, assignee=alice)  # a draft: no promise to renegotiate

    services.action_item_update(user=alice, item=item, description="Point the shop at the spare mail server",
                                kind=ItemKind.MITIGATE, assignee=alice, due_at=None)

    note = _last(case, "action item changed").note
    assert ("description “Restore the mail server from backup” → “Point the shop at the spare mail server”"
            in note)
    assert "kind Fix the problem → Mitigate the impact" in note


def test_a_change_past_the_clipped_length_shows_where_the_texts_differ(client, alice, sup):
    """Found by a red team: both texts clipped from their start read the same, the change out of sight."""
    case = advance_to(open_case(alice, ClientFactory()), Step.DELIVER, alice)
    head = ("Upgrades now run with a tested rollback and a second engineer watching the mail queue; "
            "the host must send us its maintenance window a week ahead, and we check the backups restore "
            "cleanly every Monday morning before business starts, with the results ")
    _deliver(alice, case, prevention_note=head + "emailed to the client every week.")

    _deliver(alice, case, prevention_note=head + "kept on our own files only.")

    shown = _said(timeline(client, sup, case))
    assert "with the results emailed to the client every week.”" in shown
    assert "with the results kept on our own files only.”" in shown


# --- Facts -------------------------------------------------------------------------------------------
def test_an_answered_question_is_not_answered_again_over_the_clients_words(client, alice):
    """Found by a red team: a forged post (or a page drawn before a teammate answered) replaced the client's
    recorded answer, the timeline showing only the new one."""
    case = advance_to(open_case(alice, ClientFactory()), Step.GATHER, alice)
    fact = services.fact_add(user=alice, case=case, question="When did you first notice it?",
                             answer="At 7am on Monday, before the upgrade finished")
    client.force_login(alice)

    response = client.post(f"/cases/{case.reference}/questions/{fact.pk}/answer/",
                           {"answer": "Only on Wednesday afternoon, well after our upgrade"}, HTTP_HX_REQUEST="true")

    fact.refresh_from_db()
    assert response.status_code == 422
    assert "answered since this page was opened" in html.unescape(response.content.decode())
    assert fact.answer == "At 7am on Monday, before the upgrade finished"
    with pytest.raises(CaseRuleError, match="answered since"):
        services.fact_answer(user=alice, fact=fact, answer="Only on Wednesday afternoon, well after our upgrade")


def test_a_past_deliverys_verdict_names_the_expectation_it_was_judged_against(client, alice, sup):
    """Found by a red team: after a reopen rewrote the expectation, the old delivery's "expectation met" read
    as if judged against the new one."""
    case = advance_to(open_case(alice, ClientFactory()), Step.DELIVER, alice)
    _deliver(alice, case, client_satisfied=True, expectation_met=True, client_mood=Mood.SATISFIED)
    case = services.case_transition(user=alice, case=case, name="complete_deliver")
    case = services.case_reopen(user=alice, case=case, reason="The client says some mail is still missing")
    services.case_set_root_problem(user=alice, case=case, root_problem="Mail server failed the upgrade",
                                   expected_resolution="Nothing more than a written apology")
    services.case_transition(user=sup, case=case, name="force_close", reason="The client withdrew the complaint")
    client.force_login(sup)

    page = _said(html.unescape(client.get(f"/cases/{case.reference}/?open=delivery").content.decode()))

    assert case.deliveries.get().expectation_judged == EXPECTED
    assert f"expectation met (the expectation then: “{EXPECTED}”)" in page


def test_a_recorded_mood_at_delivery_is_corrected_not_blanked(alice):
    """Found by a red team: blanked, then the temperature recorded happier, the resolution filled the mood at
    delivery from it with no "changed" line for the delivery."""
    case = advance_to(open_case(alice, ClientFactory()), Step.DELIVER, alice)
    _deliver(alice, case)

    with pytest.raises(CaseRuleError, match="recorded as Upset") as refused:
        _deliver(alice, case, client_mood="")

    assert refused.value.field == "client_mood"
    assert case.deliveries.get().client_mood == Mood.UPSET
