"""Background tasks (django.tasks, run by `manage.py db_worker`): the look for creates whose answer was lost."""

from __future__ import annotations

from typing import Any

from django.tasks import task


@task(queue_name="default")
def unknown_creates_reconcile_task() -> dict[str, Any]:
    """Look again for every contact or account create not settled yet (services.unknown); queue the next look
    while some remain."""
    from django.core.cache import cache

    from apps.customers.services.unknown import (
        RECONCILE_QUEUED,
        unknown_creates_queue_reconcile,
        unknown_creates_reconcile,
    )

    cache.delete(RECONCILE_QUEUED)
    remaining = unknown_creates_reconcile()
    if remaining:
        unknown_creates_queue_reconcile()
    return {"unknown": remaining}
