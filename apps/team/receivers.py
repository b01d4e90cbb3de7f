"""Signal receivers: a newly connected org gets its support addresses mirrored after its first sync is queued."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.tasks import default_task_backend

from apps.connections.models import DeskConnection
from apps.connections.services import connection_connected
from apps.team.tasks import support_addresses_fill


def queue_support_addresses_fill(
    sender: object, connection: DeskConnection, created: bool, **kwargs: Any
) -> None:
    """Queue the fill once the connect transaction commits; only with a worker (never inside the request)."""
    if not getattr(default_task_backend, "supports_defer", False):
        return
    transaction.on_commit(lambda: support_addresses_fill.enqueue(connection.pk))


connection_connected.connect(queue_support_addresses_fill, dispatch_uid="apps.team.support_addresses_fill")
