"""The Permissions-Policy header on every response: the browser features named in
settings.PERMISSIONS_POLICY are allowed only to the origins listed there (an empty list: to nobody).
Django's SecurityMiddleware sends the other headers (HSTS, nosniff, Referrer-Policy, COOP) and
django-csp the Content-Security-Policy; settings in config/settings/security.py."""
from django.conf import settings


def permissions_policy_value(policy):
    """{"camera": [], "fullscreen": ["self"]} -> 'camera=(), fullscreen=(self)'."""
    parts = []
    for feature, origins in policy.items():
        allowed = " ".join("self" if origin == "self" else f'"{origin}"' for origin in origins)
        parts.append(f"{feature}=({allowed})")
    return ", ".join(parts)


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        value = permissions_policy_value(getattr(settings, "PERMISSIONS_POLICY", {}))
        if value:
            response.headers.setdefault("Permissions-Policy", value)
        return response
