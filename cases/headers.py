"""The Content-Security-Policy and Permissions-Policy headers on every response. Django's
SecurityMiddleware sends the other headers (HSTS, nosniff, Referrer-Policy, COOP); settings in
config/settings/security.py.

- `ContentSecurityPolicyMiddleware` is django-csp's middleware with the site's policy built once
  (settings.CONTENT_SECURITY_POLICY and CONTENT_SECURITY_POLICY_REPORT_ONLY) instead of on every
  response. A response that needs its own policy (django-csp's decorators: csp_update, csp_replace...)
  or a request that used a nonce goes through django-csp's per-request build, so what is sent is
  exactly what django-csp sends.
- `PermissionsPolicyMiddleware`: the browser features named in settings.PERMISSIONS_POLICY are
  allowed only to the origins listed there (an empty list: to nobody).

Both header values depend on settings alone; they are rebuilt when a setting changes
(override_settings in tests sends `setting_changed`)."""
import functools

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy

# What django-csp's decorators set on a response to change its policy.
_PER_RESPONSE = ("_csp_config", "_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro")


def permissions_policy_value(policy):
    """{"camera": [], "fullscreen": ["self"]} -> 'camera=(), fullscreen=(self)'."""
    parts = []
    for feature, origins in policy.items():
        allowed = " ".join("self" if origin == "self" else f'"{origin}"' for origin in origins)
        parts.append(f"{feature}=({allowed})")
    return ", ".join(parts)


@functools.cache
def _permissions_policy():
    return permissions_policy_value(getattr(settings, "PERMISSIONS_POLICY", {}))


@functools.cache
def _site_csp():
    """((header, value, excluded path prefixes, exempting attribute), ...): the policies the settings
    define, as django-csp builds them for a response without a nonce or a decorator."""
    out = []
    for header, setting, report_only, exempt in (
        (HEADER, "CONTENT_SECURITY_POLICY", False, "_csp_exempt"),
        (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", True, "_csp_exempt_ro"),
    ):
        value = build_policy(report_only=report_only)
        if value:
            prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES", None) or ()
            out.append((header, value, tuple(prefixes), exempt))
    return tuple(out)


@receiver(setting_changed)
def _settings_changed(*, setting, **kwargs):
    if setting in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY"):
        _site_csp.cache_clear()
    elif setting == "PERMISSIONS_POLICY":
        _permissions_policy.cache_clear()


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def process_response(self, request, response):
        if (getattr(request, "_csp_nonce", None) is not None
                or any(hasattr(response, name) for name in _PER_RESPONSE)
                or (settings.DEBUG and response.status_code in (404, 500))):
            return super().process_response(request, response)
        for header, value, prefixes, exempt in _site_csp():
            if (header not in response and getattr(response, exempt, False) is False
                    and not request.path_info.startswith(prefixes)):
                response[header] = value
        # As django-csp does: a nonce asked for after the header is written is an error, not a silent no-op.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        value = _permissions_policy()
        if value:
            response.headers.setdefault("Permissions-Policy", value)
        return response
