"""Background tasks (django.tasks, run by `manage.py db_worker`): the look for creates whose answer was lost."""

from __future__ import annotations

from typing import Any

from django.tasks import task


@task(queue_name="default")
def unknown_creates_reconcile_task() -> dict[str, Any]:
    """Look again for every contact or account create not settled yet (services.unknown); queue the next look
    while some remain."""
    from apps.customers.services.unknown import (
        RECONCILE_QUEUED,
        unknown_creates_queue_reconcile,
        unknown_creates_reconcile,
    )
    from apps.mirror.unknown import reconcile_task_run

    return reconcile_task_run(
        flag=RECONCILE_QUEUED, reconcile=unknown_creates_reconcile, queue=unknown_creates_queue_reconcile
    )
