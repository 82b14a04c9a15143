"""Every free-text field has a length limit in the form, matching its model field, and the browser is
told it (maxlength). A 1 MB post gets the form's error in plain words, never a 500, and the page that
comes back stays small: the refused text is cut at the limit and the coach's list stays bounded."""
import inspect
import re

import pytest
from django import forms as django_forms
from django.urls import reverse

from cases import forms, forms_supervisor, services
from cases.models import (
    Acknowledgement, ActionItem, Case, Client, Concern, Delivery, EscalationNote, EscalationReason, Fact, Handoff,
    Mood, Step, StatusUpdate,
)
from playbook.coach import MAX_WARNINGS
from tests.cases.helpers import open_case
from tests.cases.views_support import HTMX, in_step, page_of, url

MB = 1_000_000
# Distinct phrases the coach warns about, under several codes.
TRIGGERS = ["Whose fault was it?", "That's impossible.", "It's our policy.", "We will refund you.",
            "I guarantee it.", "Not my fault.", "They always do this.", "You must have clicked it.",
            "Rules are rules.", "My hands are tied.", "We'll give compensation.", "It's free of charge.",
            "The other department did it.", "Who broke this?", "Works for everyone else."]


def bait(size):
    """`size` characters of text full of the coach's trigger phrases."""
    text = " ".join(TRIGGERS) + " "
    return (text * (size // len(text) + 1))[:size]


def _text_fields():
    for module in (forms, forms_supervisor):
        for name, form in inspect.getmembers(module, inspect.isclass):
            if issubclass(form, django_forms.BaseForm) and form.__module__ == module.__name__:
                for field_name, field in form.base_fields.items():
                    if isinstance(field, django_forms.CharField):
                        yield f"{name}.{field_name}", field


@pytest.mark.parametrize("name, field", list(_text_fields()))
def test_every_text_field_of_the_forms_has_a_limit(name, field):
    assert field.max_length, f"{name} has no max_length"


@pytest.mark.parametrize("form, field, model, model_field", [
    (forms.NewCaseForm, "summary", Case, "summary"),
    (forms.NewCaseForm, "client_name", Client, "name"),
    (forms.NewCaseForm, "description", Concern, "description"),
    (forms.ConcernForm, "impact", Concern, "impact"),
    (forms.ConcernForm, "feeling", Concern, "feeling"),
    (forms.AcknowledgementForm, "text", Acknowledgement, "text"),
    (forms.FactForm, "question", Fact, "question"),
    (forms.FactAnswerForm, "answer", Fact, "answer"),
    (forms.RootProblemForm, "root_problem", Case, "root_problem"),
    (forms.ActionItemForm, "description", ActionItem, "description"),
    (forms.ItemCancelForm, "reason", ActionItem, "cancel_reason"),
    (forms.StatusUpdateForm, "text", StatusUpdate, "summary"),
    (forms.DeliveryForm, "prevention_note", Delivery, "prevention_note"),
    (forms.FollowUpForm, "note", Delivery, "follow_up_note"),
    (forms.HandoffRequestForm, "reason", Handoff, "reason"),
    (forms_supervisor.ReassignForm, "reason", Handoff, "reason"),
    (forms_supervisor.EscalationNoteForm, "text", EscalationNote, "text"),
])
def test_a_form_field_has_the_limit_of_its_model_field(form, field, model, model_field):
    assert form.base_fields[field].max_length == model._meta.get_field(model_field).max_length


@pytest.mark.django_db
def test_the_limit_reaches_the_browser_as_maxlength(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.ACKNOWLEDGE)

    html = rep_client.get(page_of(case)).content.decode()

    textarea = re.search(r"<textarea[^>]*id=\"id_ack_text\"[^>]*>", html).group(0)
    assert 'maxlength="4000"' in textarea


@pytest.mark.django_db
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_a_1mb_acknowledgement_gets_a_form_error_and_a_page_of_normal_size(rep_client, rep, dennis, headers):
    case = in_step(rep, dennis, Step.ACKNOWLEDGE)
    normal = len(rep_client.get(page_of(case)).content)

    response = rep_client.post(url("ack", case), {"text": bait(MB)}, headers=headers)

    html = response.content.decode()
    assert response.status_code == 422
    assert response.context["forms"]["ack"].errors["text"][0].startswith("Keep it under 4,000 characters.")
    assert len(html) < normal + 20_000
    assert html.count("pb-coach__warning--") <= MAX_WARNINGS
    assert case.acknowledgements.count() == 0


@pytest.mark.django_db
def test_a_refused_oversized_text_comes_back_cut_at_the_limit(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.MANAGE_ANXIETY)

    response = rep_client.post(url("update", case), {"text": bait(MB), "channel": "phone", "client_mood": "calm"})

    form = response.context["forms"]["update"]
    assert response.status_code == 422
    assert form.errors["text"][0].startswith("Keep it under 4,000 characters.")
    assert len(form["text"].value()) == 4000
    assert case.status_updates.count() == 0


@pytest.mark.django_db
def test_a_line_break_counts_once_as_the_browsers_maxlength_counts_it(rep_client, rep, dennis):
    """Found by a review: the browser counts a line break once but sends it as CR LF, so a many-line
    acknowledgement the page let through (3,991 characters) arrived as 4,119, was refused and came back
    without its last lines."""
    case = in_step(rep, dennis, Step.ACKNOWLEDGE)
    line = "I hear you: the orders stopped and payroll is close, that is serious."
    lines = [f"{n}. {line}" for n in range(1, 60)]
    typed = "\n".join(lines)[:3990]
    assert len(typed) <= 4000 < len(typed.replace("\n", "\r\n"))

    response = rep_client.post(url("ack", case), {"text": typed.replace("\n", "\r\n")})

    assert response.status_code == 302
    assert case.acknowledgements.get().text.splitlines()[-1].strip() == typed.splitlines()[-1].strip()


@pytest.mark.django_db
def test_a_text_over_the_limit_by_its_line_breaks_alone_is_refused_whole_lines_kept(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.MANAGE_ANXIETY)
    typed = ("Back in two hours with the restore.\r\n" * 200)[:4200]

    response = rep_client.post(url("update", case), {"text": typed, "channel": "phone", "client_mood": "calm"})

    assert response.status_code == 422
    assert response.context["forms"]["update"]["text"].value() == typed.replace("\r\n", "\n")[:4000]


@pytest.mark.django_db
def test_a_long_text_full_of_coach_triggers_stores_and_shows_a_bounded_list(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.ACKNOWLEDGE)
    ack = services.acknowledgement_record(user=rep, case=case, text=bait(3900))

    html = rep_client.get(page_of(case)).content.decode()

    assert 0 < len(ack.coach_warnings) <= MAX_WARNINGS
    block = html[html.index('id="blk-ack"'):]
    block = block[:block.index("</details>")]
    assert block.count("pb-coach__warning--") <= MAX_WARNINGS


@pytest.mark.django_db
def test_a_1mb_concern_at_intake_gets_a_form_error_and_no_case(rep_client, dennis):
    data = {"client": dennis.pk, "summary": "Website and email down", "temperature": Mood.ANXIOUS,
            "description": bait(MB), "impact": "No orders can come in", "feeling": "Worried"}

    response = rep_client.post(reverse("cases:case_new"), data)

    assert response.status_code == 422
    assert response.context["form"].errors["description"][0].startswith("Keep it under 4,000 characters.")
    assert len(response.content) < 200_000
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_a_1mb_escalation_note_gets_a_form_error_on_the_supervisors_page(client, supervisor, rep, dennis):
    escalation = services.escalation_raise(user=rep, case=open_case(rep, dennis), reason=EscalationReason.OTHER,
                                           note="The host will not say when the server is back")
    client.force_login(supervisor)

    response = client.post(reverse("supervisor:add_note", kwargs={"pk": escalation.pk}), {"text": bait(MB)})

    assert response.status_code == 422
    assert response.context["note_form"].errors["text"][0].startswith("Keep it under 4,000 characters.")
    assert len(response.content) < 200_000
    assert escalation.notes.count() == 0


# Written by the app, not typed: the search columns (cut at cases.search.TEXT_LIMIT), an email's rendered
# bodies and an SMTP or sweep error, an inbound email's References header (parsed, each id bounded).
MACHINE_WRITTEN = {"cases.Case.search_text", "cases.Case.search_names", "notifications.OutboxMessage.body_text",
                   "notifications.OutboxMessage.body_html", "notifications.OutboxMessage.last_error",
                   "notifications.SweepHeartbeat.last_error", "mailin.InboundMessage.references"}


def test_every_text_column_a_person_writes_has_a_limit_in_the_model():
    """Found by an audit: the timeline's note (CaseEvent.note), which holds reasons, notes and what the client
    said, had none."""
    from django.apps import apps
    from django.db import models

    unbounded = {f"{m._meta.app_label}.{m.__name__}.{f.name}" for m in apps.get_models()
                 if m._meta.app_label in ("cases", "notifications", "playbook", "mailin")
                 for f in m._meta.get_fields() if isinstance(f, models.TextField) and not f.max_length}

    assert unbounded == MACHINE_WRITTEN
