"""Background tasks (django.tasks, run by `manage.py db_worker`): bulk actions on tickets, the look for writes
whose answer was lost, and the planner statistics of the ticket mirror after a large apply."""

from __future__ import annotations

from typing import Any

from django.tasks import task


@task(queue_name="default")
def bulk_job_run(job_id: int) -> dict[str, Any]:
    """Run one bulk job's pending items; progress is saved per ticket, so the page can show it."""
    # Imported here, not at the top: services.bulk imports this module to enqueue the task.
    from apps.tickets.services.bulk import bulk_job_execute

    job = bulk_job_execute(job_id)
    return {"job": job.pk, "succeeded": job.succeeded, "failed": job.failed}


@task(queue_name="default")
def unknown_writes_reconcile_task() -> dict[str, Any]:
    """Look again for every write whose answer was lost and is not settled yet (services.unknown); queue
    the next look while some remain."""
    from apps.mirror.unknown import reconcile_task_run
    from apps.tickets.services.unknown import (
        RECONCILE_QUEUED,
        unknown_writes_queue_reconcile,
        unknown_writes_reconcile,
    )

    return reconcile_task_run(
        flag=RECONCILE_QUEUED, reconcile=unknown_writes_reconcile, queue=unknown_writes_queue_reconcile
    )


@task(queue_name="default")
def mirror_analyze_task() -> dict[str, Any]:
    """Refresh the ticket tables' planner statistics (``ANALYZE`` / ``VACUUM (ANALYZE)``), queued by
    ``maintenance.tickets_saved`` once enough tickets changed, so no request pays for it."""
    from apps.tickets.maintenance import mirror_analyze_run

    return mirror_analyze_run()
