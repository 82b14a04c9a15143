"""The phrase coach keeps a bounded, deduplicated list: one warning per phrase and code (case and
spacing ignored), at most MAX_WARNINGS, each excerpt short; the missing-time warning survives the cap.
A long text costs a bounded list, wherever it is shown."""
import pytest
from django.template import Context, Template
from django.urls import reverse

from playbook import coach
from playbook.coach import MAX_EXCERPT, MAX_WARNINGS, CoachContext, WarningCode, check_text

ACK = CoachContext.ACKNOWLEDGEMENT
STATUS = CoachContext.STATUS_UPDATE
# Distinct phrases, under several codes: more than the cap.
TRIGGERS = ["Whose fault was it?", "That's impossible.", "It's our policy.", "We will refund you.",
            "I guarantee it.", "Not my fault.", "They always do this.", "You must have clicked it.",
            "Rules are rules.", "My hands are tied.", "We'll give compensation.", "It's free of charge.",
            "The other department did it.", "Who broke this?", "Works for everyone else."]
MANY = " ".join(TRIGGERS)


def test_the_same_phrase_in_other_case_and_spacing_is_reported_once():
    warnings = check_text("We will refund you. WE WILL REFUND you. a Refund,  refund\n REFUND", context=ACK)

    assert [(w.code, w.excerpt.lower()) for w in warnings] == [(WarningCode.LIABILITY, "refund")]


def test_the_list_is_capped():
    assert len(check_text(MANY, context=ACK)) == MAX_WARNINGS


def test_the_cap_keeps_the_first_warnings_in_the_order_they_occur(monkeypatch):
    warnings = check_text(MANY, context=ACK)
    monkeypatch.setattr(coach, "MAX_WARNINGS", 100)

    assert warnings == check_text(MANY, context=ACK)[:MAX_WARNINGS]


def test_a_long_repetitive_text_gives_a_bounded_deduplicated_list():
    warnings = check_text((MANY + " ") * 5_000, context=ACK)

    assert len(warnings) == MAX_WARNINGS
    assert len({(w.code, w.excerpt.lower()) for w in warnings}) == len(warnings)


def test_the_missing_time_warning_survives_the_cap():
    warnings = check_text(MANY, context=STATUS)

    assert len(warnings) == MAX_WARNINGS
    assert warnings[-1].code == WarningCode.NO_TIME


def test_every_excerpt_is_short():
    warnings = check_text("Engineering    really\n\n\n   messed   things    up. " * 3 + MANY, context=ACK)

    assert all(len(w.excerpt) <= MAX_EXCERPT for w in warnings)


def test_an_excerpt_longer_than_the_limit_is_cut_with_an_ellipsis(monkeypatch):
    monkeypatch.setattr(coach, "MAX_EXCERPT", 12)

    [warning] = check_text("Are you sure that's what happened?", context=ACK)

    assert warning.excerpt == "Are you sur\u2026"


def test_a_stored_list_longer_than_the_cap_is_shown_capped():
    stored = [{"code": "policy", "message": "Sounds like hiding behind the rules.", "excerpt": f"policy {i}"}
              for i in range(30)]

    html = Template("{% load playbook_tags %}{% coach_warnings warnings %}").render(Context({"warnings": stored}))

    assert html.count('data-code="policy"') == MAX_WARNINGS


@pytest.mark.django_db
def test_the_live_coach_refuses_a_huge_text_instead_of_working_through_it(client, django_user_model):
    client.force_login(django_user_model.objects.create_user(username="fran", password="pw"))

    response = client.post(reverse("playbook:coach"), {"text": MANY * 3_000, "context": "acknowledgement"})

    assert response.status_code == 400
