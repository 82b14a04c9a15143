"""The case page's forms for steps 5 and 6: action items, cadence, estimate, status updates,
renegotiation, and what a teammate holding an item may do."""
import datetime as dt
import zoneinfo

from django.utils import timezone

from cases import services
from cases.models import ActionItem, Channel, ItemStatus, Mood, Promise, PromiseKind, PromiseStatus, Step
from tests.cases.helpers import advance_to, open_case, plan_ready
from tests.factories import ClientFactory, StaffProfileFactory
from tests.cases.views_support import HTMX, in_step, local, url


# --- Step 5 --------------------------------------------------------------------------------------
def test_an_item_for_a_teammate_with_a_due_time_opens_a_promise(rep_client, rep, other_rep, dennis):
    case = in_step(rep, dennis, Step.PLAN)

    rep_client.post(url("item_add", case), {"description": "Check DNS", "kind": "mitigate",
                                            "assignee": other_rep.pk, "due_at": local(dt.timedelta(hours=2))})

    item = case.action_items.get()
    assert item.assignee == other_rep and item.kind == "mitigate"
    assert item.promises.get().status == PromiseStatus.PENDING


def test_an_item_due_time_is_read_in_the_viewers_time_zone(client, dennis):
    rep = StaffProfileFactory(time_zone="Asia/Tokyo").user
    case = advance_to(open_case(rep, dennis), Step.PLAN, rep)
    client.force_login(rep)
    typed = local(dt.timedelta(days=2), "Asia/Tokyo")

    client.post(url("item_add", case), {"description": "Fix it", "kind": "fix", "assignee": rep.pk, "due_at": typed})

    due = case.action_items.get().due_at.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo"))
    assert due.strftime("%Y-%m-%dT%H:%M") == typed


def test_an_item_due_time_may_be_typed_in_the_clients_time_zone(rep_client, rep):
    case = advance_to(open_case(rep, ClientFactory(time_zone="America/New_York")), Step.PLAN, rep)
    typed = local(dt.timedelta(days=2), "America/New_York")

    rep_client.post(url("item_add", case), {"description": "Restore mail", "kind": "fix", "assignee": rep.pk,
                                            "due_at": typed, "entry_zone": "client"})

    due = case.action_items.get().due_at.astimezone(zoneinfo.ZoneInfo("America/New_York"))
    assert due.strftime("%Y-%m-%dT%H:%M") == typed


def _london_rep_on_a_sydney_case(client):
    profile = StaffProfileFactory(time_zone="Europe/London")
    client.force_login(profile.user)
    case = advance_to(open_case(profile.user, ClientFactory(time_zone="Australia/Sydney")), Step.PLAN, profile.user)
    return profile.user, case


def _add_item(client, case, user, typed):
    return client.post(url("item_add", case), {"description": "Restore mail", "kind": "fix", "assignee": user.pk,
                                               "due_at": typed, "entry_zone": "client"}, headers=HTMX)


def test_a_time_typed_in_the_clients_zone_that_does_not_exist_in_mine_is_taken(client, db, time_machine):
    time_machine.move_to(dt.datetime(2027, 3, 26, 9, 0, tzinfo=dt.timezone.utc), tick=False)
    user, case = _london_rep_on_a_sydney_case(client)

    _add_item(client, case, user, "2027-03-28T01:30")  # in London's spring gap, a real time in Sydney

    due = case.action_items.get().due_at.astimezone(zoneinfo.ZoneInfo("Australia/Sydney"))
    assert due.strftime("%Y-%m-%dT%H:%M") == "2027-03-28T01:30"


def test_a_time_typed_in_the_clients_zone_missing_there_is_refused_naming_their_zone(client, db, time_machine):
    time_machine.move_to(dt.datetime(2027, 9, 30, 9, 0, tzinfo=dt.timezone.utc), tick=False)
    user, case = _london_rep_on_a_sydney_case(client)

    response = _add_item(client, case, user, "2027-10-03T02:30")  # in Sydney's spring gap

    assert response.status_code == 422 and "Australia/Sydney" in response.content.decode()
    assert 'value="2027-10-03T02:30"' in response.content.decode()
    assert not case.action_items.exists()


def test_an_item_without_a_due_time_is_kept_and_the_gate_says_so(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.PLAN)

    response = rep_client.post(url("item_add", case), {"description": "Fix it", "kind": "fix", "assignee": rep.pk},
                               headers=HTMX)

    assert case.action_items.get().due_at is None
    assert "Give every action item a due time (1 without one)." in response.content.decode()


def test_items_cannot_be_added_before_the_plan_step(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.GATHER)

    response = rep_client.post(url("item_add", case), {"description": "Restore mail", "kind": "fix"})

    assert response.status_code == 422
    assert "from the plan step on" in response.content.decode()
    assert not ActionItem.objects.exists()


def test_an_item_can_be_given_its_due_time_later(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.PLAN)
    item = services.action_item_create(user=rep, case=case, description="Restore the site", assignee=rep)

    rep_client.post(url("item_edit", case, item.pk), {"description": "Restore mail", "kind": "fix", "assignee": rep.pk,
                                                      "due_at": local(dt.timedelta(hours=3))})

    item.refresh_from_db()
    assert item.due_at is not None


def test_the_cadence_is_agreed_in_hours(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.PLAN)

    rep_client.post(url("cadence", case), {"every": 2, "unit": "hours", "channel": Channel.EMAIL,
                                           "business_hours_only": "on"})

    case.refresh_from_db()
    assert (case.cadence_minutes, case.cadence_channel, case.cadence_business_hours_only) == (120, "email", True)
    assert case.promises.filter(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING).exists()


def test_a_cadence_below_the_services_minimum_is_refused_on_the_interval_field(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.PLAN)

    response = rep_client.post(url("cadence", case), {"every": 2, "unit": "minutes", "channel": Channel.PHONE})

    assert response.status_code == 422
    assert response.context["forms"]["cadence"].errors["every"] == ["Updates must be at least 5 minutes apart."]


def test_an_eta_range_is_given(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.PLAN)

    rep_client.post(url("eta", case), {"eta_earliest": local(dt.timedelta(hours=1)),
                                       "eta_latest": local(dt.timedelta(hours=5))})

    case.refresh_from_db()
    assert case.eta_earliest < case.eta_latest
    assert case.promises.filter(kind=PromiseKind.ETA).exists()


def test_an_eta_range_backwards_is_refused_on_the_earliest_field(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.PLAN)

    response = rep_client.post(url("eta", case), {"eta_earliest": local(dt.timedelta(hours=5)),
                                                  "eta_latest": local(dt.timedelta(hours=1))})

    assert response.status_code == 422
    errors = response.context["forms"]["eta"].errors
    assert errors["eta_earliest"] == ["The earliest estimate must not be later than the latest."]


# --- Step 6 --------------------------------------------------------------------------------------
def test_a_status_update_on_time_keeps_the_promise(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.MANAGE_ANXIETY)

    rep_client.post(url("update", case), {"text": "Email back within the hour", "channel": Channel.PHONE,
                                          "client_mood": Mood.CALM})

    assert case.promises.filter(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.KEPT).count() == 1
    assert case.status_updates.get().client_mood == Mood.CALM


def test_a_second_update_at_once_is_logged_and_the_page_says_it_kept_nothing(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.MANAGE_ANXIETY)
    data = {"text": "Email back within the hour", "channel": Channel.PHONE, "client_mood": Mood.CALM}
    first = rep_client.post(url("update", case), data, follow=True).content.decode()

    second = rep_client.post(url("update", case), data, follow=True).content.decode()

    assert "Status update logged." in first and "extra contact" not in first
    assert "Status update logged, as an extra contact" in second
    assert case.status_updates.count() == 2
    assert case.promises.filter(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.KEPT).count() == 1


def test_a_status_update_without_the_clients_mood_keeps_the_text(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.MANAGE_ANXIETY)

    response = rep_client.post(url("update", case), {"text": "Email back within the hour", "channel": "phone"},
                               headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 422
    assert "Email back within the hour" in html
    assert 'id="id_update_client_mood_error"' in html
    assert not case.status_updates.exists()


def test_a_status_update_cannot_be_dated_in_the_future(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.MANAGE_ANXIETY)

    response = rep_client.post(url("update", case), {"text": "Mail back within the hour", "channel": "phone",
                                                     "client_mood": "calm", "given_at": local(dt.timedelta(hours=1))})

    assert response.context["forms"]["update"].errors["given_at"] == ["That time is in the future."]


def test_the_assignee_marks_their_item_done_on_another_reps_case(client, rep, other_rep, dennis):
    case = in_step(rep, dennis, Step.PLAN)
    plan_ready(case, rep, assignee=other_rep)
    item = case.action_items.get()
    client.force_login(other_rep)

    response = client.post(url("item_done", case, item.pk))

    item.refresh_from_db()
    assert response.status_code == 302
    assert item.status == ItemStatus.DONE


def test_an_item_holder_cannot_act_on_someone_elses_item(client, rep, other_rep, dennis):
    case = in_step(rep, dennis, Step.PLAN)
    services.action_item_create(user=rep, case=case, description="Their part", assignee=other_rep,
                                due_at=timezone.now() + dt.timedelta(hours=1))
    owners = services.action_item_create(user=rep, case=case, description="My part", assignee=rep,
                                         due_at=timezone.now() + dt.timedelta(hours=1))
    client.force_login(other_rep)

    response = client.post(url("item_done", case, owners.pk))

    owners.refresh_from_db()
    assert response.status_code == 403
    assert owners.status == ItemStatus.OPEN


def test_an_item_holder_cannot_work_the_rest_of_the_case(client, rep, other_rep, dennis):
    case = in_step(rep, dennis, Step.PLAN)
    services.action_item_create(user=rep, case=case, description="Their part", assignee=other_rep,
                                due_at=timezone.now() + dt.timedelta(hours=1))
    client.force_login(other_rep)

    response = client.post(url("cadence", case), {"every": 1, "unit": "hours", "channel": "phone"})

    assert response.status_code == 403


def test_cancelling_an_item_needs_a_reason(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.MANAGE_ANXIETY)
    item = case.action_items.get()

    refused = rep_client.post(url("item_cancel", case, item.pk), {"reason": ""})
    rep_client.post(url("item_cancel", case, item.pk), {"reason": "The host fixed it themselves",
                                                        "agreed_channel": "phone",
                                                        "agreed_text": "Dennis sees it working again"})

    item.refresh_from_db()
    assert refused.status_code == 422
    assert item.status == ItemStatus.CANCELLED


def test_a_promise_is_renegotiated_with_the_clients_agreement(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.MANAGE_ANXIETY)
    promise = case.promises.get(kind=PromiseKind.ETA, status=PromiseStatus.PENDING)

    response = rep_client.post(url("renegotiate", case, promise.pk),
                               {"new_due_at": local(dt.timedelta(hours=8)), "agreed_channel": "phone",
                                "agreed_text": "Dennis agreed to tonight"},
                               headers=HTMX)

    promise.refresh_from_db()
    assert promise.status == PromiseStatus.RENEGOTIATED
    assert response.content.decode().lstrip().startswith('<section id="case-promises"')


def test_a_renegotiation_needs_the_clients_words(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.MANAGE_ANXIETY)
    promise = case.promises.get(kind=PromiseKind.ETA, status=PromiseStatus.PENDING)

    response = rep_client.post(url("renegotiate", case, promise.pk), {"new_due_at": local(dt.timedelta(hours=8))})

    assert response.status_code == 422
    assert Promise.objects.get(pk=promise.pk).status == PromiseStatus.PENDING
