"""Bulk actions: freeze the tickets a job covers, queue it, run it (one Desk call per ticket, progress
saved after each), stop it when the day's credits are spent, and record a refusal. A ticket whose change
lost its answer is "checking" until services.unknown settles it (then counted done or failed)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import F
from django.utils import timezone

from apps.connections.models import DeskConnection
from apps.core.models import AuditEntry
from apps.core.parsing import is_ascii_digits
from apps.core.services import audit_record
from apps.desk.errors import DeskError, RateLimited
from apps.tickets.credits import credits_exhausted_message, is_credits_exhausted
from apps.tickets.models import BulkJob, BulkJobItem, Ticket
from apps.tickets.services.desk_call import desk_client
from apps.tickets.services.fields import ticket_update
from apps.tickets.services.unknown import WriteOutcomeUnknown
from apps.tickets.tasks import bulk_job_run

BULK_ACTIONS = {
    "assign": "Assign",
    "status": "Change status",
    "priority": "Change priority",
    "close": "Close",
}
BULK_MAX_TICKETS = 5000


class BulkRequestError(ValueError):
    """The bulk request cannot run as given (no tickets, too many, unknown action)."""


def bulk_job_create(
    *, actor: User, connection: DeskConnection, action: str, params: dict[str, Any], ticket_ids: list[str]
) -> BulkJob:
    """Freeze the tickets a bulk action will touch; nothing is sent to Desk until it is started."""
    if action not in BULK_ACTIONS:
        raise BulkRequestError("Choose what to do with the tickets.")
    ids = list(dict.fromkeys(str(i) for i in ticket_ids if is_ascii_digits(str(i), max_length=32)))
    if not ids:
        raise BulkRequestError("Select at least one ticket.")
    if len(ids) > BULK_MAX_TICKETS:
        raise BulkRequestError(f"A bulk action covers at most {BULK_MAX_TICKETS} tickets; narrow the filter.")
    known = set(
        Ticket.objects.filter(connection=connection, desk_id__in=ids, is_deleted=False).values_list(
            "desk_id", flat=True
        )
    )
    ids = [i for i in ids if i in known]
    if not ids:
        raise BulkRequestError("None of the selected tickets is in this org any more.")
    job = BulkJob.objects.create(
        connection=connection, actor=actor, action=action, params=params, total=len(ids)
    )
    BulkJobItem.objects.bulk_create([BulkJobItem(job=job, ticket_desk_id=i) for i in ids], batch_size=500)
    return job


def bulk_job_changes(job: BulkJob) -> dict[str, Any]:
    """The Desk client fields a job's action sets on each ticket."""
    params = job.params or {}
    if job.action == "assign":
        return {"assignee_id": params.get("assignee_id") or None, "team_id": params.get("team_id") or None}
    if job.action == "status":
        return {"status": params["status"]}
    if job.action == "priority":
        return {"priority": params.get("priority") or None}
    if job.action == "close":
        changes: dict[str, Any] = {"status": "Closed"}
        if params.get("resolution"):
            changes["resolution"] = params["resolution"]
        return changes
    raise BulkRequestError(f"unknown bulk action {job.action!r}")


def bulk_job_start(*, actor: User, job: BulkJob, retry_failed: bool = False) -> BulkJob:
    """Queue the job for the background worker (failed items again when ``retry_failed``)."""
    if retry_failed:
        reset = BulkJobItem.objects.filter(job=job, outcome=BulkJobItem.Outcome.FAILURE).update(
            outcome=BulkJobItem.Outcome.PENDING, message=""
        )
        BulkJob.objects.filter(pk=job.pk).update(failed=F("failed") - reset)
    pending = BulkJobItem.objects.filter(job=job, outcome=BulkJobItem.Outcome.PENDING).count()
    audit_record(
        actor=actor,
        action="ticket.bulk.retry" if retry_failed else "ticket.bulk.start",
        org_id=job.connection.org_id,
        target_type="bulk_job",
        target_id=job.pk,
        detail={"action": job.action, "tickets": pending, "params": job.params},
    )
    BulkJob.objects.filter(pk=job.pk).update(
        status=BulkJob.Status.PENDING, started_at=timezone.now(), finished_at=None
    )
    bulk_job_run.enqueue(job.pk)
    job.refresh_from_db()
    return job


def bulk_job_refuse(*, actor: User, job: BulkJob, message: str, credits_needed: int) -> None:
    """Record that a bulk action was not started because the org cannot afford it today."""
    audit_record(
        actor=actor,
        action="ticket.bulk.start",
        org_id=job.connection.org_id,
        target_type="bulk_job",
        target_id=job.pk,
        outcome=AuditEntry.Outcome.DENIED,
        message=message,
        api_calls=0,
        detail={"action": job.action, "credits_needed": credits_needed},
    )


def bulk_job_execute(job_id: int) -> BulkJob:
    """Work through a job's pending items, one Desk call each, saving progress after every ticket."""
    job = BulkJob.objects.select_related("connection", "actor").get(pk=job_id)
    BulkJob.objects.filter(pk=job.pk).update(status=BulkJob.Status.RUNNING)
    changes = bulk_job_changes(job)
    connection = job.connection
    with desk_client(connection, priority="background") as desk:
        for item in BulkJobItem.objects.filter(job=job, outcome=BulkJobItem.Outcome.PENDING):
            outcome, message = BulkJobItem.Outcome.SUCCESS, ""
            exhausted: RateLimited | None = None
            ticket = (
                Ticket.objects.select_related("connection")
                .filter(connection=connection, desk_id=item.ticket_desk_id, is_deleted=False)
                .first()
            )
            if ticket is None:
                outcome, message = BulkJobItem.Outcome.FAILURE, "The ticket is no longer in the mirror."
            else:
                try:
                    ticket_update(
                        actor=job.actor,
                        ticket=ticket,
                        changes=changes,
                        action=f"ticket.bulk.{job.action}",
                        confirmed=True,
                        client=desk,
                        bulk_item=item,
                    )
                except WriteOutcomeUnknown as unknown:
                    # Desk may have made the change: the item waits for the look that settles it.
                    outcome, message = BulkJobItem.Outcome.UNKNOWN, unknown.message[:500]
                except DeskError as error:
                    outcome, message = BulkJobItem.Outcome.FAILURE, error.message[:500]
                    if isinstance(error, RateLimited) and is_credits_exhausted(error):
                        exhausted = error
                        message = credits_exhausted_message(error)[:500]
            BulkJobItem.objects.filter(pk=item.pk).update(
                outcome=outcome, message=message, attempts=F("attempts") + 1
            )
            if outcome != BulkJobItem.Outcome.UNKNOWN:  # counted when it is settled
                counter = "succeeded" if outcome == BulkJobItem.Outcome.SUCCESS else "failed"
                BulkJob.objects.filter(pk=job.pk).update(**{counter: F(counter) + 1})
            if exhausted is not None:
                # Every further call would be refused until the reset: stop, and leave the rest retryable.
                _bulk_job_stop_for_credits(job, message)
                break
    BulkJob.objects.filter(pk=job.pk).update(status=BulkJob.Status.DONE, finished_at=timezone.now())
    job.refresh_from_db()
    return job


def _bulk_job_stop_for_credits(job: BulkJob, message: str) -> None:
    """Mark the items not sent yet as failed (with when to retry), so "Retry the failed" resumes them."""
    stopped = BulkJobItem.objects.filter(job=job, outcome=BulkJobItem.Outcome.PENDING).update(
        outcome=BulkJobItem.Outcome.FAILURE, message=f"Not sent. {message}"[:500]
    )
    BulkJob.objects.filter(pk=job.pk).update(failed=F("failed") + stopped)
