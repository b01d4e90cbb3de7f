"""Background tasks (django.tasks, run by `manage.py db_worker`): bulk actions on tickets."""

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
