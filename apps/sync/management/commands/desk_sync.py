"""`manage.py desk_sync [--full] [--connection ID] [--queue]`: sync connections now, or queue their syncs."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.connections.models import DeskConnection
from apps.sync import scheduler
from apps.sync.engine import sync_run
from apps.sync.tasks import sync_connection_task


class Command(BaseCommand):
    help = (
        "Sync every usable connection (or one) into the local mirror, in this process. --full walks every "
        "record again; --queue hands the syncs to the task worker instead and makes sure the recurring "
        "sync tick is scheduled."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--connection", type=int, help="the DeskConnection id (default: all usable ones)")
        parser.add_argument("--full", action="store_true", help="walk every record again, not just changes")
        parser.add_argument("--queue", action="store_true", help="enqueue for `manage.py db_worker`")

    def handle(self, *args: Any, connection: int | None, full: bool, queue: bool, **options: Any) -> None:
        connections = DeskConnection.objects.exclude(status=DeskConnection.Status.DISCONNECTED)
        if connection is not None:
            connections = connections.filter(pk=connection)
            if not connections.exists():
                raise CommandError(
                    f"No connected Desk org with id {connection}; see `manage.py desk_sync_status`."
                )
        usable = [c for c in connections if c.is_usable]
        if not usable:
            self.stdout.write("No usable connection to sync.")
            return
        if queue:
            for item in usable:
                sync_connection_task.enqueue(item.pk, full)
                self.stdout.write(f"queued: {item.org_name} ({item.pk})")
            if scheduler.tick_ensure(force=True):
                self.stdout.write("the recurring sync tick was not scheduled; it is now")
            return
        failed = False
        for item in usable:
            report = sync_run(item, full=full)
            if report.skipped:
                self.stdout.write(f"{item.org_name}: another worker is syncing it right now; skipped")
                continue
            status = "done" if report.finished else f"stopped: {report.error}"
            failed = failed or not report.finished
            self.stdout.write(
                f"{item.org_name}: {report.mode} sync {status} · {report.api_calls} API calls · "
                f"{report.changes} changes"
            )
        if failed:
            raise CommandError("Some syncs stopped early; they resume where they stopped on the next run.")
