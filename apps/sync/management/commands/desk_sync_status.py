"""`manage.py desk_sync_status`: each connection's mirror freshness, progress, last result and next run."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from apps.connections.models import DeskConnection
from apps.connections.selectors import age_words, mirror_freshness
from apps.sync.selectors import sync_progress


class Command(BaseCommand):
    help = "Show each connection's sync: freshness, per-entity progress, last result, next run."

    def handle(self, *args: Any, **options: Any) -> None:
        connections = DeskConnection.objects.order_by("org_name", "pk")
        if not connections:
            self.stdout.write("No Desk connections.")
            return
        now = timezone.now()
        for connection in connections:
            freshness = mirror_freshness(connection, now=now)
            progress = sync_progress(connection, now=now)
            state = (
                "running"
                if progress.running
                else ("ready" if progress.initial_done else "initial sync pending")
            )
            self.stdout.write(
                f"[{connection.pk}] {connection.org_name} ({connection.org_id}, {connection.status}): "
                f"{freshness.label}; {state}"
            )
            for entity in progress.entities:
                total = f"/{entity.total}" if entity.total else ""
                self.stdout.write(f"    {entity.label:<13} {entity.status:<8} {entity.done}{total}")
            if progress.eta_label:
                self.stdout.write(f"    {progress.eta_label}")
            if progress.next_run_at:
                delta = int((progress.next_run_at - now).total_seconds())
                when = f"in {age_words(delta)}" if delta > 0 else "due now"
                self.stdout.write(f"    next run {when}")
            if progress.last_error:
                self.stdout.write(f"    last error: {progress.last_error}")
