"""Background tasks (django.tasks, run by `manage.py db_worker`): one connection's sync, and the recurring tick."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.tasks import task
from django.utils import timezone

from apps.connections.models import DeskConnection
from apps.sync import scheduler
from apps.sync.engine import sync_run


@task(queue_name="default")
def sync_connection_task(connection_id: int, full: bool = False) -> dict[str, Any]:
    """Sync one connection; if the budget paused it, queue the rest for when Desk allows more calls."""
    connection = DeskConnection.objects.filter(pk=connection_id).first()
    if connection is None or not connection.is_usable:
        return {"connection": connection_id, "mode": "not usable"}
    report = sync_run(connection, full=full)
    if report.retry_at is not None and scheduler.backend_runs_elsewhere():
        sync_connection_task.using(run_after=report.retry_at).enqueue(connection_id)
    return {
        "connection": connection_id,
        "mode": report.mode,
        "api_calls": report.api_calls,
        "changes": report.changes,
        "finished": report.finished,
        "error": report.error,
    }


@task(queue_name="default")
def sync_tick() -> int:
    """Queue the due syncs, then the next tick. A duplicate tick (the row is already claimed) does nothing."""
    if not scheduler.tick_claim():
        return 0
    scheduler.killed_syncs_recover()
    queued = scheduler.enqueue_due_syncs()
    if scheduler.backend_runs_elsewhere():
        next_at = timezone.now() + timedelta(seconds=scheduler.tick_seconds())
        sync_tick.using(run_after=next_at).enqueue()
    return queued
