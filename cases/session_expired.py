"""A form sent after its sender's sign-in ended loses nothing they typed. Found by a review: a rep signed
out in another tab (or whose session ran out) posted a case form and got the sign-in page, swapped by
htmx over the form (text gone) or, without JavaScript, followed by a GET of the POST-only action (405);
a form drawn before the rep signed in again failed its CSRF check on a "go back and reload" page, and
Back reloads an empty form.

The rule, for every page behind the sign-in (a view guarded by login_required or permission_required:
`behind_sign_in`), in this one module:
- A form posted there (any method but GET/HEAD/OPTIONS; with htmx, any request) by someone no longer
  signed in saves nothing and answers 401 (SignedOutFormMiddleware); one that fails the CSRF check
  answers 403 (csrf_failure, settings.CSRF_FAILURE_VIEW). htmx does not swap either (the htmx-config of
  templates/base.html): static/js/app.js shows the page's reason above the form, with its sign-in link
  opening in another tab, and puts the page's current CSRF token into the forms, so the text stays in
  the form. Signing in again changes the token, so the first send after it is refused once more (403,
  "the form is renewed now") with the new token taken in, and the next goes through.
- Without htmx, the page (templates/signed_out.html) says what happened, says back every text the
  sender typed (`said_back`: the non-hidden, non-token fields, escaped, only for a post from this
  site's own pages) and links to the page the form was on (`next_page`), through the sign-in when
  signed out. Nothing else of the site is shown to a visitor who is not signed in.
- Signing in (SignInView) never sends anyone by GET to a URL that takes only POST: `next` goes to the
  page that URL belongs to (`page_for`).
The client's status pages stand alone (no staff header, no sign-in): a post from them that fails the CSRF
check gets a page of their own, with what the client typed (cases.views_status.form_expired_page). The
other pages open to anyone (the sign-in form, the admin's own login) keep Django's behaviour and its CSRF
page (templates/403_csrf.html)."""
from urllib.parse import urlencode, urlsplit

from django import forms
from django.conf import settings
from django.contrib.auth.mixins import AccessMixin
from django.contrib.auth.views import LoginView
from django.shortcuts import render, resolve_url
from django.urls import Resolver404, resolve
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.csrf import csrf_failure as django_csrf_failure

from . import once
from .forms import NewCaseForm
from .views.actions import ACTIONS
from .views_status import form_expired_page, is_client_view

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# What a browser sends along with what was typed: the security tokens, and the hidden inputs templates
# write by hand (a form's own hidden fields are known from the form, `_form_of`): every marker of what a
# page showed ends in "_shown" (step_shown, newest_shown, handback_shown...), so none needs listing here.
NOT_TYPED = {"csrfmiddlewaretoken", once.FIELD, "shown", "taken", "flagged", "send_anyway"}
FORMS_BY_PAGE = {"cases:case_new": NewCaseForm}  # and each case action's form (cases.views.actions)

SIGNED_OUT = "you are signed out (the sign-in ran out, or you signed out in another tab)."
EXPIRED = ("this page was opened before your last sign-in (in another tab, perhaps), so the form's security "
           "check no longer matches.")
# What to do next: by htmx or a whole page, signed in or not and, for htmx signed out, a form sent or a part opened.
NEXT_STEP = {
    "htmx signed out sent": "Sign in again in another tab, then come back here and send it again.",
    "htmx signed out opened": "Sign in again in another tab, then try again.",
    "htmx signed in": "The form is renewed now: send it again.",
    "page signed out": "Sign in, then send it again from the page.",
    "page signed in": "Go back to the page and send it again.",
}
COPY_IT = "What you wrote is below: copy it first."


# --- Which pages are behind the sign-in, and which open by GET --------------------------------------
def _resolve(path):
    try:
        return resolve(path)
    except Resolver404:
        return None


def behind_sign_in(view_func):
    """Whether the view lets only signed-in users in: Django's login_required and permission_required
    (user_passes_test) mark their wrapper with `login_url`, or a class view with an access mixin. The
    admin's views are not: they keep the admin's own way to its login page."""
    if getattr(view_func, "__module__", "").startswith("django.contrib.admin"):
        return False
    view_class = getattr(view_func, "view_class", None)
    return hasattr(view_func, "login_url") or (view_class is not None and issubclass(view_class, AccessMixin))


def _methods_allowed(view_func):
    """The methods the view accepts, as its require_http_methods/require_POST/require_safe decorators
    (or its class) say; None when nothing limits them."""
    view_class = getattr(view_func, "view_class", None)
    if view_class is not None:
        return {m.upper() for m in view_class.http_method_names if hasattr(view_class, m)}
    func = view_func
    while func is not None:
        code = getattr(func, "__code__", None)
        if code is not None and "request_method_list" in code.co_freevars and func.__closure__:
            return set(func.__closure__[code.co_freevars.index("request_method_list")].cell_contents)
        func = getattr(func, "__wrapped__", None)
    return None


def opens_by_get(path):
    match = _resolve(path)
    if match is None:
        return False
    methods = _methods_allowed(match.func)
    return methods is None or "GET" in methods


def page_for(url):
    """`url` when it opens by GET; else the nearest page above it that does (the case page
    /cases/C-1/ for the action /cases/C-1/acknowledgement/), else "/". Never a POST-only URL, never
    another site's ("//evil.example/" or "/\\evil.example/" read as this site's path: found by a review)."""
    path = urlsplit(url).path or "/"
    if path.startswith("//") or "\\" in path or urlsplit(url).netloc:
        return "/"
    if opens_by_get(path):
        return url
    segments = path.rstrip("/").split("/")
    while len(segments) > 1:
        segments.pop()
        candidate = "/".join(segments) + "/"
        if opens_by_get(candidate):
            return candidate
    return "/"


class SignInView(LoginView):
    """Django's sign-in form; after it, `next` leads to a page, never by GET to a POST-only URL (405)."""

    def get_redirect_url(self):
        url = super().get_redirect_url()
        return page_for(url) if url else url


# --- What the refused sender gets -----------------------------------------------------------------
def _on_this_site(request, url):
    return url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure())


def next_page(request):
    """The page the form was on: the Referer's path when it is on this site, else the page the posted
    URL belongs to (the case page for a case action); never a POST-only URL, never the sign-in form."""
    referer = request.META.get("HTTP_REFERER", "")
    login = resolve_url(settings.LOGIN_URL)
    if referer and _on_this_site(request, referer) and urlsplit(referer).path != login:
        return page_for(urlsplit(referer).path)
    return page_for(request.path_info)


def sign_in_url(page):
    """The sign-in form, leading back to `page` (next_page) after it."""
    return f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': page})}"


def _posted_from_here(request):
    """Whether the post came from this site's own page (its Origin, or without one its Referer): what a
    page of another site posted is not said back on ours."""
    origin = request.META.get("HTTP_ORIGIN")
    if origin is not None:
        return origin == f"{request.scheme}://{request.get_host()}" or origin in settings.CSRF_TRUSTED_ORIGINS
    referer = request.META.get("HTTP_REFERER", "")
    return not referer or _on_this_site(request, referer)


def _form_of(request):
    """The form class behind the posted URL, when known: a case action's, or the intake form."""
    match = _resolve(request.path_info)
    if match is None:
        return None
    if match.namespace == "cases" and match.kwargs.get("action") in ACTIONS:
        return ACTIONS[match.kwargs["action"]].form
    return FORMS_BY_PAGE.get(match.view_name)


def _static_choices(field):
    choices = getattr(field, "choices", None)
    if not isinstance(choices, (list, tuple)):
        return {}
    flat = {}
    for value, label in choices:
        if isinstance(label, (list, tuple)):  # an optgroup
            flat.update({str(v): str(lbl) for v, lbl in label})
        else:
            flat[str(value)] = str(label)
    return flat


def _shown(field, value):
    if isinstance(field, forms.BooleanField):
        return "yes"
    return _static_choices(field).get(value, value) if isinstance(field, forms.ChoiceField) else value


def _said(name, field, values):
    """(label, text) for one posted field, or None when it is not something the sender typed."""
    if name in NOT_TYPED or name.endswith("_shown") or "password" in name.lower() or not values:
        return None
    if field is None:
        return name.replace("_", " ").capitalize(), ", ".join(values)
    if field.widget.is_hidden or isinstance(field.widget, forms.PasswordInput):
        return None
    if isinstance(field, forms.ModelChoiceField):  # a row's id: naming the row would show it to anyone
        return None
    return str(field.label or name.replace("_", " ").capitalize()), ", ".join(_shown(field, v) for v in values)


def said_back(request):
    """(label, text) of each field the sender filled in, in the order posted: not the tokens, not the
    hidden fields, not a password, not a field left empty. Nothing for a post from another site."""
    if not _posted_from_here(request):
        return []
    fields = getattr(_form_of(request), "base_fields", {})
    said = []
    for name in request.POST:
        values = [v.strip() for v in request.POST.getlist(name) if v.strip()]
        item = _said(name, fields.get(name), values)
        if item:
            said.append(item)
    return said


def refused(request, *, expired):
    """The answer to a form that was not saved: `expired` (the CSRF check failed, 403) or signed out
    (401). With htmx the reason only; without, the page with what they wrote."""
    signed_in = request.user.is_authenticated
    htmx = request.headers.get("HX-Request") == "true"
    sent = request.method not in SAFE_METHODS
    said = [] if htmx else said_back(request)
    what = EXPIRED if signed_in else SIGNED_OUT
    if htmx and not signed_in:
        step = NEXT_STEP["htmx signed out " + ("sent" if sent else "opened")]
    else:
        step = NEXT_STEP[f"{'htmx' if htmx else 'page'} signed {'in' if signed_in else 'out'}"]
    reason = f"{'Not saved' if sent else 'That could not be opened'}: {what} {step}" + (f" {COPY_IT}" if said else "")
    page = next_page(request)
    response = render(request, "signed_out.html", {
        "heading": "This form has expired" if expired else "You were signed out", "reason": reason,
        "signed_in": signed_in, "next_page": page, "sign_in_url": sign_in_url(page),
        "said_back": said,
    }, status=403 if expired else 401)
    add_never_cache_headers(response)
    return response


def csrf_failure(request, reason=""):
    """settings.CSRF_FAILURE_VIEW: a page behind the sign-in gets `refused`; a client's status page its own
    page, in the client's words (the staff's page extends the staff's base: found by an audit); the others
    Django's page."""
    match = _resolve(request.path_info)
    if match is not None and is_client_view(match.func):
        return form_expired_page(request, match.func, match.kwargs.get("token", ""),
                                 say_back=_posted_from_here(request))
    if match is None or not behind_sign_in(match.func):
        return django_csrf_failure(request, reason)
    return refused(request, expired=True)


class SignedOutFormMiddleware:
    """A form posted (or an htmx request) to a page behind the sign-in by someone no longer signed in:
    `refused`, in place of the way to the sign-in form. Runs after the CSRF check (csrf_failure)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method in SAFE_METHODS and request.headers.get("HX-Request") != "true":
            return None
        if request.user.is_authenticated or not behind_sign_in(view_func):
            return None
        return refused(request, expired=False)
