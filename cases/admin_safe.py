"""What every admin list of the project does with a filter the database cannot take."""
from django.contrib.admin.views.main import ERROR_FLAG
from django.http import HttpResponseRedirect


class SafeChangelist:
    """A hand-typed filter the database cannot take (?due_at__year=99999, ?created_at__year=9999 on a date
    hierarchy) is the admin's "invalid lookup" page (?e=1), not a 500: the list is rendered here, where the
    value is turned into a date. Every list with dates mixes it in (found by an audit: the outbox's and the
    inbound mail's lists did not)."""

    def changelist_view(self, request, extra_context=None):
        try:
            response = super().changelist_view(request, extra_context)
            if hasattr(response, "render"):
                response.render()
            return response
        except (ValueError, OverflowError):
            return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")


def guard_every_list(site):
    """Mix SafeChangelist into every list of `site` that does not have it, the libraries' included (found by
    an audit: django-axes' three sign-in logs, each with a date hierarchy, answered ?attempt_time__year=9999
    with a 500). Called once every app's admin is registered (cases.apps: after the admin's autodiscover), so
    a list added later, by the project or a library, is guarded without anyone remembering to."""
    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, SafeChangelist):
            continue
        guarded = type(f"Safe{type(model_admin).__name__}", (SafeChangelist, type(model_admin)), {})
        site.unregister(model)
        site.register(model, guarded)
