"""A supervisor's take, note or resolve acts only on the escalations their page (or the queue's row) listed:
the page posts their ids (`shown`), and one raised since is refused by name with what was typed kept."""
import pytest
from django.urls import reverse

from cases.models import Escalation, EscalationNote, EscalationReason, EscalationStatus
from tests.cases import test_escalation_queue as queue
from tests.cases.test_escalation_queue import NOW, case_url, raise_on, shown

three_open = queue.three_open  # the queue tests' case with three open escalations (a fixture)


@pytest.mark.django_db
def test_the_escalation_page_posts_the_escalations_it_lists(boss, three_open):
    case, open_, old = three_open

    html = boss.get(case_url("case_escalations", case)).content.decode()

    for escalation in open_:
        # take, note, resolve and close
        assert html.count(f'<input type="hidden" name="shown" value="{escalation.pk}">') == 4
    assert f'name="shown" value="{old.pk}"' not in html


@pytest.mark.django_db
@pytest.mark.parametrize("name, data", [("case_take", {}), ("case_note", {"text": "Called the host: back by 3pm"}),
                                        ("case_resolve", {"resolution": "Host committed to 3pm; plan agreed"})])
def test_an_escalation_raised_after_the_page_was_opened_is_not_worked_unread(boss, rep, three_open, name, data):
    case, open_, _ = three_open
    late = raise_on(case, NOW, EscalationReason.LIABILITY)  # raised while the supervisor read the page

    response = boss.post(case_url(name, case), {**data, "shown": shown(open_)}, follow=True)

    html = response.content.decode()
    assert f"raised on {case.reference} since you opened this page" in html
    assert Escalation.objects.filter(case=case, status=EscalationStatus.OPEN).count() == 4
    assert not EscalationNote.objects.exists()
    late.refresh_from_db()
    assert late.status == EscalationStatus.OPEN
    if name != "case_take":  # what was typed is kept, and the page now lists the new one to post with it
        assert data[next(iter(data))] in html
        assert f'<input type="hidden" name="shown" value="{late.pk}">' in html


@pytest.mark.django_db
def test_a_forged_post_that_lists_nothing_has_seen_nothing(boss, three_open):
    case, _, _ = three_open

    boss.post(case_url("case_resolve", case), {"resolution": "Host committed to 3pm; plan agreed", "shown": "x"})

    assert Escalation.objects.filter(case=case, status=EscalationStatus.OPEN).count() == 3


@pytest.mark.django_db
def test_the_old_per_escalation_url_has_seen_its_own_escalation_only(boss, three_open):
    case, open_, _ = three_open
    url = reverse("supervisor:resolve", kwargs={"pk": open_[0].pk})

    boss.post(url, {"resolution": "Host committed to 3pm; plan agreed"})
    assert Escalation.objects.filter(case=case, status=EscalationStatus.OPEN).count() == 3  # two more unseen

    boss.post(url, {"resolution": "Host committed to 3pm; plan agreed", "shown": shown(open_)})
    assert Escalation.objects.filter(case=case, status=EscalationStatus.OPEN).count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("name, data", [("case_take", {}), ("case_note", {"text": "Called the host: back by 3pm"}),
                                        ("case_resolve", {"resolution": "Host committed to 3pm; plan agreed"})])
@pytest.mark.parametrize("forged", ["\u00b2", "\u0663", "1" * 40])
def test_a_shown_id_that_only_unicode_calls_a_digit_is_left_out_not_a_500(boss, three_open, name, data, forged):
    case, open_, _ = three_open
    boss.raise_request_exception = False

    response = boss.post(case_url(name, case), {**data, "shown": [*shown(open_), forged]})

    assert response.status_code == 302  # worked: the forged value is no escalation the page listed
    if name == "case_note":
        assert EscalationNote.objects.count() == len(open_)
    else:
        assert not Escalation.objects.filter(case=case, status=EscalationStatus.OPEN).exists()
