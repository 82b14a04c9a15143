"""Findings of an accessibility audit (axe-core and by hand), in the markup the server writes:

- an error is tied to what it is about: the client's status page gives each error the id its field's
  aria-describedby names (and focuses the first field in error); a radio group in error (a fieldset) is
  described by its error, through the template and through the Python that writes the case page's radios;
  a refused sign-in marks both boxes invalid and points them at the reason;
- the escalation queue's last column (the buttons) has a header a screen reader can read;
- My cases' two search landmarks (the top bar's and the list's filter) have different names;
- an htmx answer on the case page fills the page's live region (#messages) instead of replacing it, so
  "Saved" is announced.
The colours and the focus ring are checked in a browser: tests/e2e/test_accessibility.py."""
import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django import forms
from django.template.loader import get_template
from django.urls import reverse

from cases.models import Step
from cases.templatetags.case_page import field_row
from tests.cases.client_word_support import DennisBrowser, token_of
from tests.cases.helpers import advance_to, open_case
from tests.cases.test_client_survey import followed_up, resolved  # noqa: F401 (fixtures)
from tests.cases.test_views_intake import _new_case_data
from tests.cases.views_support import HTMX, url

NOW = dt.datetime(2025, 7, 1, 9, 0, tzinfo=dt.UTC)  # where `frozen` stops the clock
pytestmark = pytest.mark.django_db
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Element:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.text, self.parent = tag, dict(attrs), "", parent

    def inside(self, other):
        node = self.parent
        while node is not None and node is not other:
            node = node.parent
        return node is other

    def __getitem__(self, name):
        return self.attrs.get(name)


class Page(HTMLParser):
    """The elements of a page, each with its attributes and its text (that of its children included)."""

    def __init__(self, html):
        super().__init__()
        self.elements, self._open = [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = Element(tag, attrs, self._open[-1] if self._open else None)
        self.elements.append(element)
        if tag not in VOID:
            self._open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.elements.append(Element(tag, attrs, self._open[-1] if self._open else None))

    def handle_endtag(self, tag):
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i].tag == tag:
                del self._open[i:]
                break

    def handle_data(self, data):
        for element in self._open:
            element.text += data

    def all(self, tag=None, **attrs):
        return [e for e in self.elements if (tag is None or e.tag == tag)
                and all(e[name.replace("_", "-")] == value for name, value in attrs.items())]

    def one(self, tag=None, **attrs):
        found = self.all(tag, **attrs)
        assert len(found) == 1, (tag, attrs, len(found))
        return found[0]

    def described_by(self, element):
        """The elements element's aria-describedby names: each must be on the page, once."""
        ids = (element["aria-describedby"] or "").split()
        assert ids, f"<{element.tag} {element.attrs}> has no aria-describedby"
        return [self.one(id=i) for i in ids]


def page(response, status=200):
    assert response.status_code == status
    return Page(response.content.decode())


# --- the client's status page ------------------------------------------------------------------------
def test_the_status_page_ties_a_refused_not_yet_to_its_box_and_focuses_it(frozen, rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.DELIVER, rep)
    browser = DennisBrowser(token_of(rep, case))

    html = page(browser.answer("not_yet", ""), 422)

    box = html.one("textarea", name="text")
    [error] = html.described_by(box)
    assert "error" in error["class"] and error.text.strip()
    assert box["aria-invalid"] == "true" and "autofocus" in box.attrs


def test_an_answer_refused_beside_no_box_focuses_the_first_answer_button(frozen, rep, dennis):
    """A forged or emptied answer is refused above both forms: focus goes to "It works", not nowhere."""
    case = advance_to(open_case(rep, dennis), Step.DELIVER, rep)
    browser = DennisBrowser(token_of(rep, case))

    html = page(browser.answer("maybe", ""), 422)

    assert "autofocus" in html.one("button", value="works").attrs
    assert "autofocus" not in html.one("textarea", name="text").attrs


def test_the_status_page_ties_a_refused_rating_to_its_question(followed_up):  # noqa: F811 (the fixture)
    _, dennis = followed_up

    html = page(dennis.rate(""), 422)

    group = html.one("fieldset", aria_describedby="id_score_error")
    [error] = html.described_by(group)
    assert "Choose a number from 1" in error.text
    assert "autofocus" in html.all("input", name="score")[0].attrs  # the first field in error


# --- radio groups ------------------------------------------------------------------------------------
class Pick(forms.Form):
    temperature = forms.ChoiceField(label="How does the client feel?", widget=forms.RadioSelect,
                                    choices=[("calm", "Calm"), ("upset", "Upset")])


@pytest.mark.parametrize("writer", ["template", "python"])
def test_a_radio_group_in_error_is_described_by_its_error(writer):
    form = Pick(data={})
    field = form["temperature"]
    if writer == "template":
        html = get_template("cases/parts/_field.html").render({"field": field, "form": form})
    else:
        html = field_row(field)

    written = Page(html)
    group = written.one("fieldset")
    [error] = written.described_by(group)
    assert error["id"] == "id_temperature_error" and error.text == "This field is required."


def test_a_radio_group_without_an_error_has_no_description():
    written = Page(field_row(Pick()["temperature"]))

    assert written.one("fieldset")["aria-describedby"] is None


def test_the_new_case_pages_mood_group_in_error_is_described_by_its_error(rep_client):
    data = _new_case_data()
    del data["temperature"]

    html = page(rep_client.post(reverse("cases:case_new"), data), 422)

    first_mood = html.all("input", name="temperature")[0]
    [group] = [f for f in html.all("fieldset", **{"class": "choices"}) if first_mood.inside(f)]
    [error] = html.described_by(group)
    assert error["id"] == "id_temperature_error"


# --- signing in --------------------------------------------------------------------------------------
def test_a_refused_sign_in_marks_both_boxes_and_points_them_at_the_reason(client, rep):
    html = page(client.post(reverse("login"), {"username": rep.username, "password": "not-the-password"}))

    for name in ("username", "password"):
        box = html.one("input", name=name)
        assert box["aria-invalid"] == "true"
        [reason] = html.described_by(box)
        assert "Please enter a correct username and password" in reason.text


def test_the_sign_in_page_marks_nothing_before_a_try(client, db):
    html = page(client.get(reverse("login")))

    for name in ("username", "password"):
        box = html.one("input", name=name)
        assert box["aria-invalid"] is None and box["aria-describedby"] is None


# --- headers and landmarks ---------------------------------------------------------------------------
def test_the_queues_button_column_has_a_header_a_screen_reader_reads(boss, escalation):
    html = page(boss.get(reverse("supervisor:queue")))

    headers = html.all("th", scope="col")
    assert headers and all(th.text.strip() for th in headers), [th.text for th in headers]
    assert headers[-1].text.strip() == "Actions"


def test_my_cases_two_search_landmarks_have_different_names(rep_client):
    html = page(rep_client.get(reverse("cases:my_cases")))

    names = [form["aria-label"] for form in html.all(role="search")]
    assert names == ["Search all cases", "Filter my cases"]  # the top bar's, then the list's


# --- the live region ---------------------------------------------------------------------------------
def test_an_htmx_answer_fills_the_pages_live_region_instead_of_replacing_it(rep_client, case):
    response = rep_client.post(url("concern_add", case), {"description": "Invoice email bounces back"},
                               headers=HTMX)

    region = page(response).one(id="messages")
    assert region["hx-swap-oob"] == "innerHTML"


def test_every_page_has_the_live_region_an_htmx_answer_fills(rep_client, case):
    html = page(rep_client.get(reverse("cases:case_detail", args=[case.reference])))

    region = html.one(id="messages")
    assert region["aria-live"] == "polite"


def test_no_answer_replaces_the_live_region_itself():
    """Every template that sends #messages out of band fills it (innerHTML): found in review after the audit,
    the answer to an email to the client replaced the region outright, as the case page's forms had."""
    templates = Path(__file__).resolve().parents[2] / "templates"
    sent = {path.relative_to(templates).as_posix(): re.findall(r'<div id="messages"[^>]*>', path.read_text())
            for path in templates.rglob("*.html")}
    oob = {name: tags for name, tags in sent.items() if any("hx-swap-oob" in tag for tag in tags)}

    assert {"cases/_action_response.html", "cases/parts/_client_messages_response.html"} <= set(oob)
    assert all('hx-swap-oob="innerHTML"' in tag for tags in oob.values() for tag in tags), oob
