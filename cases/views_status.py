"""The client's read-only status page: no login, reached only through a signed, expiring link.
It renders `cases.status_links.client_status`, which carries nothing internal."""
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .status_links import LinkExpired, LinkInvalid, client_status, handler_first_name, read_token


def _private(response):
    # The token is the key to the page: keep it out of caches, search engines and Referer headers.
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
def client_status_page(request, token):
    try:
        case = read_token(token)
    except LinkExpired as exc:
        ctx = {"handler": handler_first_name(exc.case), "reference": exc.case.reference}
        return _private(render(request, "status/expired.html", ctx, status=410))
    except LinkInvalid:
        return _private(render(request, "status/invalid.html", status=404))
    return _private(render(request, "status/case.html", {"status": client_status(case)}))
