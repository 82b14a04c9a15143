"""The client's status page: no login, reached only through a signed, expiring, revocable link.
It renders `cases.status_links.client_status` (or, for a closed case, `client_final_status`), which
carry nothing internal, and `cases.client_word.client_word`, what the client told us on it. A revoked
link gets a page that names nothing of the case. A post refused before it is read (the link revoked or
expired meanwhile, or the browser's CSRF cookie missing: `form_expired_page`) says back what the client
typed, so that nothing they wrote is lost.

The client's own word is posted back through the same link (each form carries Django's CSRF token,
which needs no login): "It works" / "Not yet" at delivery (`client_answer`), and how satisfied they are
after the follow-up call (`client_survey`). Both open the link first, so an expired, revoked or forged
link refuses them before anything is written; a refused answer comes back on the page, in the client's
words, next to its field; a recorded one redirects to the page, which shows it.

A view behind a status link starts with `open_link`, which answers the refusal pages itself; pages for
the client go through `client_page`, which keeps them out of caches, robots and other sites' Referer
headers (same-origin: the browser must still send the page's own origin with its forms, or the CSRF
check would refuse them)."""
from django.conf import settings
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe, require_POST

from .client_word import answer_refusal, client_word, current_answer, current_survey, survey_refusal
from .errors import CaseRuleError
from .forms.base import add_rule_error
from .forms.client_word import ClientAnswerForm, ClientSurveyForm
from .models import ClientAnswerKind
from .refused_forms import typed_texts
from .services.client_word import PAGE_MOVED_ON, client_delivery_answer, client_survey_answer
from .status_links import (
    LinkExpired, LinkInvalid, LinkRevoked, client_final_status, client_status, handler_first_name, read_link,
)


def _private(response):
    # The token is the key to the page: keep it out of caches, search engines and other sites' Referers.
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "same-origin"
    return response


def client_page(request, template, context=None, status=200):
    return _private(render(request, template, context or {}, status=status))


def open_link(request, token, *, you_wrote=""):
    """(opened link, None), or (None, the page that refuses it): 410 revoked or expired, 404 not valid.
    `you_wrote`: what a refused post typed, said back on the revoked or expired page (found by an audit: a
    client whose link was revoked or had expired lost what they had typed); it is the client's own text,
    so it names nothing of the case the revoked page must not name."""
    try:
        return read_link(token), None
    except LinkRevoked:
        return None, revoked_page(request, you_wrote)
    except LinkExpired as exc:
        ctx = {"handler": handler_first_name(exc.case), "reference": exc.case.reference, "you_wrote": you_wrote}
        return None, client_page(request, "status/expired.html", ctx, 410)
    except LinkInvalid:
        return None, client_page(request, "status/invalid.html", status=404)


def revoked_page(request, you_wrote=""):
    return client_page(request, "status/revoked.html", {"team": settings.CLIENT_LINK_TEAM_NAME,
                                                        "you_wrote": you_wrote}, 410)


def typed_by_client(form_class, data):
    """The text the client typed into a form of their page (its one text box), to say back when the post
    is refused; "" when none. The hidden and choice fields are not theirs to be told about."""
    return next((text for _label, text in typed_texts(form_class(data))), "")


def for_the_client(form_class=None):
    """Marks a view of the client's pages and the form it takes: a post to it that fails the CSRF check
    gets `form_expired_page` (cases.session_expired.csrf_failure reads the mark), not the staff's page."""
    def mark(view):
        view.client_form = form_class
        return view
    return mark


def is_client_view(view):
    return hasattr(view, "client_form")


def form_expired_page(request, view, token, *, say_back):
    """403 for a client's post that failed the CSRF check: a page of their own (no staff header, no sign-in
    button: found by an audit), saying back what they typed (`say_back`: only for a post from this site's
    own page) and linking to their page to send it again. It names nothing of the case."""
    form_class = view.client_form
    written = typed_by_client(form_class, request.POST) if form_class and say_back else ""
    page_url = reverse("client_status", kwargs={"token": token}) if token else ""
    return client_page(request, "status/form_expired.html", {"you_wrote": written, "page_url": page_url}, 403)


def _status_page(request, link, token, *, answer_form=None, survey_form=None, refused="", you_wrote="", status=200):
    word = client_word(link.case)
    ctx = {"word": word, "token": token, "refused": refused, "you_wrote": you_wrote}
    if link.final:
        return client_page(request, "status/resolved.html", {
            **ctx, "status": client_final_status(link.case, client_accepted=word.said_it_works),
            "team": settings.CLIENT_LINK_TEAM_NAME,
            "survey_form": survey_form or ClientSurveyForm()}, status)
    answer_form = answer_form or ClientAnswerForm()
    if not answer_form.is_bound:  # a fresh form answers the attempt the page shows now
        answer_form.initial["attempt"] = word.attempt
    status_shown = client_status(link.case, not_yet=word.said_not_yet)
    return client_page(request, "status/case.html", {**ctx, "status": status_shown, "answer_form": answer_form},
                       status)


def _back_to_page(token, anchor):
    return _private(HttpResponseRedirect(reverse("client_status", kwargs={"token": token}) + f"#{anchor}"))


@for_the_client()
@require_safe
def client_status_page(request, token):
    link, refusal = open_link(request, token)
    return refusal or _status_page(request, link, token)


# The client's word is theirs: a browser signed in to the app belongs to the team, and what it posts here
# would be counted as the client's ("It works", their satisfaction score). It cannot stop a rep who opens
# the link in another browser; it stops the easy way, a click on the page the rep is checking.
TEAM_MAY_NOT_ANSWER = ("This answer is the client's own: you are signed in to the case tracker, so it was not "
                       "recorded. Ask the client to answer on this page themselves.")


def _post(request, token, form_class, form_key, *, refusal, recorded, write, anchor):
    """Open the link; a browser signed in to the app is refused (TEAM_MAY_NOT_ANSWER); a question the case
    does not ask now is refused in the client's words, one already answered shows the answer; else check
    the form's shape and write. Refusals come back on the page."""
    written = typed_by_client(form_class, request.POST)
    link, refused_page = open_link(request, token, you_wrote=written)
    if refused_page:
        return refused_page
    if request.user.is_authenticated:  # clients never sign in: this is someone of the team
        return _status_page(request, link, token, refused=TEAM_MAY_NOT_ANSWER, status=403)
    refused = refusal(link.case)
    if refused:  # the question is not asked now (the case moved on): what the client wrote is said back
        return _status_page(request, link, token, refused=refused, you_wrote=written, status=409)
    if recorded(link.case) is not None:
        return _back_to_page(token, anchor)
    form = form_class(request.POST)
    if not form.is_valid():
        if set(form.errors) == {"attempt"}:  # no attempt (or a forged one): not from the page showing now
            return _refused_as_a_whole(request, link, token, form, form_key, PAGE_MOVED_ON)
        return _status_page(request, link, token, **{form_key: form}, status=422)
    try:
        write(link, form.cleaned_data)
    except LinkRevoked:  # revoked after it was opened above (the service checks again under the case's lock)
        return revoked_page(request, written)
    except CaseRuleError as exc:
        if exc.field in form.fields:
            add_rule_error(form, exc)
            return _status_page(request, link, token, **{form_key: form}, status=422)
        return _refused_as_a_whole(request, link, token, form, form_key, exc.message)
    return _back_to_page(token, anchor)


def _refused_as_a_whole(request, link, token, form, form_key, message):
    """Refused as a whole (an answer to an earlier attempt, or one with no attempt): the page as it is now,
    with what the client wrote kept in a fresh form for the question asked now; a closed case's page asks
    nothing, so it says their words back."""
    if link.final:
        said = form.cleaned_data.get("text") or form.cleaned_data.get("comment", "")
        return _status_page(request, link, token, refused=message, you_wrote=said, status=409)
    typed = {name: value for name, value in form.cleaned_data.items() if name != "attempt"}
    return _status_page(request, link, token, refused=message, status=409, **{form_key: type(form)(initial=typed)})


@for_the_client(ClientAnswerForm)
@require_POST
def client_answer(request, token):
    """At delivery: "It works" or "Not yet" (with a line). The service checks the link's version again under
    the case's lock (a reassign or a new link may have revoked it since it was opened here)."""
    return _post(request, token, ClientAnswerForm, "answer_form", refusal=answer_refusal, recorded=current_answer,
                 anchor="your-answer", write=lambda link, d: client_delivery_answer(
                     case=link.case, version=link.version, attempt=d["attempt"],
                     works=d["answer"] == ClientAnswerKind.WORKS, text=d["text"]))


@for_the_client(ClientSurveyForm)
@require_POST
def client_survey(request, token):
    """After the follow-up call: how satisfied (1-5), and a comment. The service checks the link's version
    again under the case's lock (a newer invitation may have replaced it since it was opened here)."""
    return _post(request, token, ClientSurveyForm, "survey_form", refusal=survey_refusal, recorded=current_survey,
                 anchor="your-rating", write=lambda link, d: client_survey_answer(
                     case=link.case, version=link.version, score=d["score"], comment=d["comment"]))
