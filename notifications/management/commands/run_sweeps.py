"""`manage.py run_sweeps [--now ISO-8601] [--only NAME ...]`: run every sweep once, in order, and say
what each did. For operators without beat, and for replaying a moment that has passed (`--now`): a
moment still to come is refused, since the sweeps would break promises before their deadlines, open
escalations and email the team about them. Email delivery always sends as of the wall clock, never a
replayed `--now` (notifications.sweeps.outbox.sending_moment): what it sends goes now, quiet hours and all."""
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor

from notifications import registry, sweeps
from notifications.models import OutboxMessage, OutboxStatus
from notifications.sweeps.base import MomentToCome, batch_size, resolve_now, run_recorded


class Command(BaseCommand):
    help = "Run every notification sweep once (reminders, broken promises, stalled cases, outbox delivery)."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="Act as if it were this moment (ISO-8601, e.g. 2026-03-02T14:00:00+00:00). "
                                           "Email delivery still sends as of the real clock.")
        parser.add_argument("--only", nargs="+", choices=[s.name for s in registry.SWEEPS],
                            help="Run only these sweeps.")

    def handle(self, *args, now=None, only=None, **options):
        try:
            moment = resolve_now(now)
        except MomentToCome as exc:
            raise CommandError(f"--now {exc}") from exc
        except ValueError as exc:
            raise CommandError(f"--now must be an ISO-8601 date and time: {exc}") from exc
        _check_database()
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


def _check_database():
    """Refuse, naming the database, one that cannot be reached or is not migrated (a wrong
    DATABASE_URL or CASETRACKER_VAR_DIR), before any sweep fails on a missing table."""
    connection = connections[DEFAULT_DB_ALIAS]
    name = connection.settings_dict.get("NAME")
    try:
        executor = MigrationExecutor(connection)
        missing = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        raise CommandError(f"The database {name} cannot be reached: {exc}") from exc
    if missing:
        raise CommandError(f"The database {name} is missing {len(missing)} migrations (is it the right one?). "
                           "Run `manage.py migrate` first.")
