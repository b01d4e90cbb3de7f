"""Background tasks (django.tasks, run by `manage.py db_worker`): the look for creates whose answer was lost, and
the planner statistics of the contact and account tables after a large apply."""

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


@task(queue_name="default")
def customers_analyze_task() -> dict[str, Any]:
    """Refresh the contact and account tables' planner statistics (``ANALYZE`` / ``VACUUM (ANALYZE)``), queued
    by ``maintenance.customers_saved`` once enough contacts and accounts changed, so no request pays for it."""
    from apps.customers.maintenance import customers_analyze_run

    return customers_analyze_run()
