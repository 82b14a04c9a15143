"""The providers' inbound webhook URLs, mounted under /anymail/ (config/urls.py) in anymail's own
namespace. Only the providers this project supports are mounted (not all of anymail.urls: a provider
whose library is not installed, Amazon SES without boto3, would answer 500), and each answers 404
until it is enabled and its check configured (mailin.webhooks.provider_enabled), before anymail's
view is even built: an unconfigured provider's view would otherwise fail on its missing key. The views are
anymail's, keeping a payload anymail cannot read instead of answering 500 (mailin.webhook_views)."""
from django.http import Http404
from django.urls import path, re_path

from .webhook_views import MailgunInbound, PostmarkInbound
from .webhooks import provider_enabled

app_name = "anymail"


def _gated(esp_name, view_class):
    def view(request, *args, **kwargs):
        if not provider_enabled(esp_name):
            raise Http404(f"Inbound email from {esp_name} is not enabled here.")
        return view_class.as_view()(request, *args, **kwargs)

    view.csrf_exempt = True  # the providers post without a session; anymail checks their signature/auth
    return view


urlpatterns = [
    re_path(r"^mailgun/inbound(_mime)?/$", _gated("mailgun", MailgunInbound),
            name="mailgun_inbound_webhook"),
    path("postmark/inbound/", _gated("postmark", PostmarkInbound), name="postmark_inbound_webhook"),
]
