"""What the tests of the client's own word share: Dennis's browser on his status page (no login, CSRF
checks on, the token read from the page as a browser would) and issuing his link."""
import re

from django.test import Client as Visitor
from django.urls import reverse

from cases import services


def token_of(rep, case):
    return services.status_link_issue(user=rep, case=case).path.split("/")[2]


def emailed_browser(message):
    """Dennis's browser on the link `message` (a ClientMessage: the invitation to rate us) emailed him."""
    from notifications.models import OutboxMessage

    body = OutboxMessage.objects.get(key=message.outbox_key).body_text
    url = next(word for word in body.split() if "/status/" in word)
    return DennisBrowser(url.rstrip("/").rsplit("/", 1)[1])


def invitation_browser(case):
    """Dennis's browser on the link the latest invitation to rate us emailed him, opened once (his browser
    keeps the CSRF cookie)."""
    browser = emailed_browser(case.client_messages.filter(kind="follow_up").order_by("-pk").first())
    browser.open()
    return browser


class DennisBrowser:
    """Dennis's browser: no login, Django's CSRF checks on, the token read from the page like a browser."""

    def __init__(self, token):
        self.token = token
        self.http = Visitor(enforce_csrf_checks=True)

    @property
    def page_url(self):
        return reverse("client_status", kwargs={"token": self.token})

    def open(self):
        return self.http.get(self.page_url)

    def answer(self, answer, text="", *, attempt=None, with_csrf=True):
        """Open the page, then answer on it."""
        page = self.open().content.decode()
        found = re.search(r'name="attempt" value="([^"]*)"', page)
        return self.post(answer, text, attempt=found.group(1) if attempt is None else attempt, with_csrf=with_csrf)

    def post(self, answer, text="", *, attempt="", with_csrf=True):
        """Answer on the page opened earlier (it may be out of date by now)."""
        data = {"answer": answer, "text": text, "attempt": attempt}
        if with_csrf:
            data["csrfmiddlewaretoken"] = self.http.cookies["csrftoken"].value
        return self.http.post(reverse("client_status_answer", kwargs={"token": self.token}), data)

    def rate(self, score, comment=""):
        """Answer the satisfaction question on the page opened earlier."""
        data = {"score": score, "comment": comment, "csrfmiddlewaretoken": self.http.cookies["csrftoken"].value}
        return self.http.post(reverse("client_status_survey", kwargs={"token": self.token}), data)
