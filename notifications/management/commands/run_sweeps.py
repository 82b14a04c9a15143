"""`manage.py run_sweeps [--now ISO-8601] [--only NAME ...]`: run every sweep once, in order, and say
what each did. For operators without beat, and for replaying a moment that has passed (`--now`): a
moment still to come is refused, since the sweeps would break promises before their deadlines, open
escalations and email the team about them."""
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from notifications import registry, sweeps
from notifications.models import OutboxMessage, OutboxStatus
from notifications.sweeps.base import batch_size, resolve_now, run_recorded


class Command(BaseCommand):
    help = "Run every notification sweep once (reminders, broken promises, stalled cases, outbox delivery)."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="Act as if it were this moment (ISO-8601, e.g. 2026-03-02T14:00:00+00:00).")
        parser.add_argument("--only", nargs="+", choices=[s.name for s in registry.SWEEPS],
                            help="Run only these sweeps.")

    def handle(self, *args, now=None, only=None, **options):
        try:
            moment = resolve_now(now)
        except ValueError as exc:
            raise CommandError(f"--now must be an ISO-8601 date and time: {exc}") from exc
        if moment > timezone.now():
            raise CommandError(f"--now {moment.isoformat()} has not come yet: the sweeps would break promises "
                               "before their deadlines. Give a moment that has passed, or leave --now out.")
        self.stdout.write(f"Sweeping as of {moment.isoformat()}")
        size = batch_size()
        for sweep in registry.SWEEPS:
            if only and sweep.name not in only:
                continue
            fn = sweeps.SWEEPS[sweep.name]
            done = run_recorded(sweep.name, lambda fn=fn: fn(moment))
            more = "  (a full batch: run again for the rest)" if done >= size else ""
            self.stdout.write(f"  {sweep.label:<32} {done}{more}")
        pending = OutboxMessage.objects.filter(status=OutboxStatus.PENDING).count()
        failed = OutboxMessage.objects.filter(status=OutboxStatus.FAILED).count()
        line = f"Outbox: {pending} waiting, {failed} failed"
        if failed:
            self.stdout.write(self.style.WARNING(line + " (see the admin: Notifications > Outbox messages)"))
        else:
            self.stdout.write(line)
