"""The Content-Security-Policy and Permissions-Policy values are built once, not per response
(cases/headers.py), and that changes nothing that is sent: the policy is django-csp's own, a response
with its own policy (django-csp's decorators) or a nonce still gets it, and a changed setting shows at
once."""
import pytest
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from cases.headers import ContentSecurityPolicyMiddleware, PermissionsPolicyMiddleware
from csp.constants import NONCE, SELF
from csp.decorators import csp_update
from csp.exceptions import CSPNonceError
from csp.utils import build_policy


def directives(header):
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in header.split("; ")}


def serve(view, middleware=ContentSecurityPolicyMiddleware):
    request = RequestFactory().get("/somewhere/")
    return request, middleware(view)(request)


def plain_view(request):
    return HttpResponse("ok")


def test_the_policy_sent_is_the_one_django_csp_builds():
    _, response = serve(plain_view)

    assert directives(response["Content-Security-Policy"]) == directives(build_policy())
    assert directives(response["Content-Security-Policy"])["script-src"] == SELF


def test_a_view_that_updates_the_policy_gets_its_own():
    _, response = serve(csp_update({"img-src": "https://maps.example.com"})(plain_view))

    assert directives(response["Content-Security-Policy"])["img-src"] == "'self' data: https://maps.example.com"


def test_a_changed_policy_setting_is_sent_on_the_next_response():
    serve(plain_view)

    with override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": {"default-src": [SELF], "frame-src": [SELF]}}):
        _, response = serve(plain_view)

    assert directives(response["Content-Security-Policy"]) == {"default-src": SELF, "frame-src": SELF}
    assert directives(serve(plain_view)[1]["Content-Security-Policy"]) == directives(build_policy())


def test_a_nonce_used_by_the_page_is_in_its_policy():
    def view(request):
        return HttpResponse(f"nonce {request.csp_nonce}")

    policy = {"DIRECTIVES": {"default-src": [SELF], "script-src": [SELF, NONCE]}}
    with override_settings(CONTENT_SECURITY_POLICY=policy):
        _, response = serve(view)

    nonce = response.content.decode().removeprefix("nonce ")
    assert directives(response["Content-Security-Policy"])["script-src"] == f"'self' 'nonce-{nonce}'"


def test_a_nonce_asked_for_after_the_policy_is_sent_is_an_error():
    request, _ = serve(plain_view)

    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)


def test_a_changed_permissions_policy_setting_is_sent_on_the_next_response():
    serve(plain_view, PermissionsPolicyMiddleware)

    with override_settings(PERMISSIONS_POLICY={"camera": ["self"], "usb": []}):
        _, response = serve(plain_view, PermissionsPolicyMiddleware)

    assert response["Permissions-Policy"] == "camera=(self), usb=()"
    assert "camera=(), " in serve(plain_view, PermissionsPolicyMiddleware)[1]["Permissions-Policy"]
