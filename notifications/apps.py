from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"

    def ready(self):
        # cases sends its notices through a port (cases.notices) so that it never imports this app;
        # the outbox is what delivers them.
        from cases import notices

        from .outbox import (
            outbox_enqueue, outbox_enqueue_direct, outbox_enqueue_many, outbox_retime_for_client, outbox_withdraw,
        )

        notices.connect(outbox_enqueue, many=outbox_enqueue_many)
        notices.connect_direct(outbox_enqueue_direct, withdraw=outbox_withdraw,
                               retime=outbox_retime_for_client)  # emails to clients
