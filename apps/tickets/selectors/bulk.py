"""Bulk-job reads: a job in the user's orgs, its pending count and the outcomes the page lists."""

from __future__ import annotations

from django.contrib.auth.models import User

from apps.connections.selectors import connections_for_user
from apps.tickets.models import BulkJob, BulkJobItem

# The outcome table shows at most this many items (failures first).
BULK_ITEMS_SHOWN = 500


def bulk_job_for_user(*, user: User, pk: int) -> BulkJob | None:
    """The bulk job with that id in an org the user may see (never another org's)."""
    return (
        BulkJob.objects.select_related("connection")
        .filter(pk=pk, connection__in=connections_for_user(user=user))
        .first()
    )


def bulk_job_pending_count(job: BulkJob) -> int:
    return job.items.filter(outcome=BulkJobItem.Outcome.PENDING).count()


def bulk_job_success_count(job: BulkJob) -> int:
    return job.items.filter(outcome=BulkJobItem.Outcome.SUCCESS).count()


def bulk_job_items_shown(job: BulkJob) -> list[BulkJobItem]:
    """The items the progress page lists, failures first: they are what the manager acts on."""
    return list(job.items.order_by("outcome", "id")[:BULK_ITEMS_SHOWN])
