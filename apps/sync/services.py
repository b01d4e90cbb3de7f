"""Sync writes: request a sync now (the engine runs it in the task worker)."""

from __future__ import annotations

from django.contrib.auth.models import User

from apps.connections.models import DeskConnection
from apps.core.services import audit_record
from apps.sync.engine import SyncReport, sync_run
from apps.sync.tasks import sync_connection_task

__all__ = ["SyncReport", "sync_request", "sync_run"]


def sync_request(*, actor: User, connection: DeskConnection, full: bool = False) -> None:
    """Queue a sync of the connection now ("Sync now"); audited. Runs in the task worker."""
    audit_record(
        actor=actor,
        action="sync.requested",
        org_id=connection.org_id,
        target_type="connection",
        target_id=connection.pk,
        message=f"{'Full' if full else 'Incremental'} sync of {connection.org_name} requested",
        detail={"full": full},
    )
    sync_connection_task.enqueue(connection.pk, full)
