"""Email volume (issue 10): notices about one case to one person within NOTIFY_COALESCE_MINUTES go
out as one email listing them (notifications/coalesce.py). The first is never delayed; the ones
after it wait for the end of the window and leave together; every notice keeps its own row. What the
client said (a teammate's logged contact, a reply, "Not yet") and reminders are never held back: RECIPE's
"the owner is told at once"."""
import pytest

from cases import services
from cases.models import Mood
from cases.services.handoffs import tell_of_move
from notifications.models import OutboxMessage, OutboxStatus
from notifications.sweeps import sweep_outbox
from tests.notifications.conftest import MIN, T0, at, planned_case

SAYS = ["He asks whether payroll is safe", "He asks again about the payroll run", "He wants a call back at noon"]


def _news(teammate, case, moment, said):
    """A notice to the owner that may wait for the window (case news: a move a teammate made); its row's key."""
    key = f"news:{moment:%H%M}"
    with at(moment):
        tell_of_move(case=case, people=[case.owner], actor=teammate, key=key, headline="Item handed back", note=said)
    return f"{key}:{case.owner.pk}"


def _contact(teammate, case, moment, said):
    with at(moment):
        return services.client_contact_log(user=teammate, case=case, said=said, client_mood=Mood.UPSET,
                                           channel="phone")


def _deliver(moment):
    with at(moment):
        return sweep_outbox()


@pytest.fixture
def case(rep, dennis):
    return planned_case(rep, dennis)


@pytest.mark.django_db
def test_three_notices_in_four_minutes_make_one_email_then_one_digest(rep, teammate, case, smtp_sink):
    for minute, said in zip((0, 2, 4), SAYS):
        _news(teammate, case, T0 + minute * MIN, said)

    sent = [_deliver(T0 + minute * MIN) for minute in (0, 5, 10)]

    assert sent == [1, 0, 2]
    first, digest = smtp_sink.messages
    assert first["to"] == digest["to"] == [rep.email]
    assert "payroll is safe" in first["msg"].get_payload()[0].get_payload()
    assert digest["subject"] == f"{case.reference}: 2 notices in the last 10 minutes"
    text = digest["msg"].get_payload()[0].get_payload()
    assert "again about the payroll run" in text and "call back at noon" in text
    assert set(OutboxMessage.objects.filter(kind="case_news").values_list("status", flat=True)) == {
        OutboxStatus.SENT}


@pytest.mark.django_db
def test_each_notice_keeps_its_own_row_and_the_later_ones_wait_for_the_window(teammate, case):
    for minute, said in zip((0, 2, 4), SAYS):
        _news(teammate, case, T0 + minute * MIN, said)

    rows = OutboxMessage.objects.filter(kind="case_news").order_by("id")

    assert [r.next_attempt_at for r in rows] == [T0, T0 + 10 * MIN, T0 + 10 * MIN]
    assert len({r.key for r in rows}) == 3


@pytest.mark.django_db
def test_a_notice_after_a_quiet_window_goes_at_once(teammate, case):
    _news(teammate, case, T0, SAYS[0])

    later = _news(teammate, case, T0 + 11 * MIN, SAYS[1])

    row = OutboxMessage.objects.get(key=later)
    assert row.next_attempt_at == T0 + 11 * MIN


@pytest.mark.django_db
def test_notices_to_different_people_or_about_different_cases_are_not_held(rep, teammate, dennis, case):
    other_case = planned_case(rep, dennis)
    _news(teammate, case, T0, SAYS[0])

    _news(teammate, other_case, T0 + MIN, SAYS[1])
    with at(T0 + 2 * MIN):  # the same case, to someone else
        tell_of_move(case=case, people=[teammate], actor=rep, key="news:other", headline="Item handed back")

    assert list(OutboxMessage.objects.filter(kind="case_news").values_list("next_attempt_at", flat=True)
                .order_by("id")) == [T0, T0 + MIN, T0 + 2 * MIN]


@pytest.mark.django_db
def test_a_reminder_is_never_held_back(rep, teammate, case):
    from notifications.sweeps import sweep_update_reminders

    _news(teammate, case, T0 + 44 * MIN, SAYS[0])

    with at(T0 + 46 * MIN):
        sweep_update_reminders()

    assert OutboxMessage.objects.get(kind="update_reminder").next_attempt_at == T0 + 46 * MIN


@pytest.mark.django_db
def test_with_no_window_every_notice_is_its_own_email(settings, teammate, case):
    settings.NOTIFY_COALESCE_MINUTES = 0
    for minute, said in zip((0, 2), SAYS):
        _news(teammate, case, T0 + minute * MIN, said)

    sent = _deliver(T0 + 2 * MIN)

    assert sent == 2
    assert set(OutboxMessage.objects.values_list("coalesce_key", flat=True)) == {""}


@pytest.mark.django_db
def test_a_teammates_logged_contact_reaches_the_owner_at_once_whatever_was_sent_before(rep, teammate, case,
                                                                                     smtp_sink):
    _news(teammate, case, T0 + MIN, SAYS[0])  # an unrelated notice about the case, just before
    assert _deliver(T0 + MIN) == 1

    first = _contact(teammate, case, T0 + 2 * MIN, SAYS[1])
    second = _contact(teammate, case, T0 + 3 * MIN, SAYS[2])

    rows = OutboxMessage.objects.filter(key__in=[f"client-contact:{first.pk}", f"client-contact:{second.pk}"])
    assert sorted(r.next_attempt_at for r in rows) == [T0 + 2 * MIN, T0 + 3 * MIN]
    assert _deliver(T0 + 3 * MIN) == 2
    assert [m["to"] for m in smtp_sink.messages[-2:]] == [[rep.email], [rep.email]]
