from django.apps import AppConfig


class MailinConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "mailin"
    verbose_name = "Client email (inbound)"

    def ready(self):
        from anymail.signals import inbound

        from . import checks  # noqa: F401 (registers the settings' check)

        from .webhooks import handle_inbound

        inbound.connect(handle_inbound, dispatch_uid="mailin.inbound")

        # Outbound client email (cases.services.client_messages) puts the case's signed reply address in
        # Reply-To; cases reaches it through its port, never by importing this app.
        from cases import notices

        from .addresses import reply_address

        notices.connect_reply_address(reply_address)
