"""`manage.py check_health`: for cron and monitoring. Prints what is wrong with the background work
(sweeps that stopped running, emails that could not be sent) and exits 1, or says all is well and
exits 0. The same checks as /healthz (notifications/health.py)."""
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError

from notifications.health import system_health


class Command(BaseCommand):
    help = "Check that every sweep ran recently and no email failed; print the problems and exit 1 if any."

    def handle(self, *args, **options):
        try:
            health = system_health()
        except DatabaseError as exc:
            self.stderr.write(self.style.ERROR(f"The database cannot be reached: {exc}"))
            raise SystemExit(1) from exc
        if health.ok:
            self.stdout.write(f"OK: every sweep succeeded within the last {settings.SWEEP_STALE_AFTER_SECONDS} s "
                              "and no email failed.")
            return
        for problem in health.problems:
            self.stdout.write(self.style.WARNING(problem))
        raise SystemExit(1)
