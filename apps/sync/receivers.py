"""Signal receivers: the first sync is queued when an org is connected; the scheduler watchdog on requests."""

from __future__ import annotations

import logging
from typing import Any

from django.core.signals import request_started
from django.db import transaction

from apps.connections.models import DeskConnection
from apps.connections.services import connection_connected
from apps.sync import scheduler
from apps.sync.tasks import sync_connection_task

logger = logging.getLogger(__name__)


def queue_first_sync(sender: object, connection: DeskConnection, created: bool, **kwargs: Any) -> None:
    """Queue the connection's sync once the connect transaction commits (a reconnect resumes or refreshes)."""
    if not scheduler.backend_runs_elsewhere():
        # The immediate backend would run a many-minute sync inside the admin's request.
        logger.info("no task worker backend: run `manage.py desk_sync --connection %s`", connection.pk)
        return
    transaction.on_commit(lambda: sync_connection_task.enqueue(connection.pk))


connection_connected.connect(queue_first_sync, dispatch_uid="apps.sync.queue_first_sync")
request_started.connect(scheduler.on_request_started, dispatch_uid="apps.sync.scheduler_watchdog")
