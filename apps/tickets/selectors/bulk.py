"""Bulk-job reads: a job in the user's orgs, its pending count and the outcomes the page lists."""

from __future__ import annotations

from django.contrib.auth.models import User

from apps.connections.selectors import connections_for_user
from apps.core.paging import KeysetPage, PageRequest, SortKey, keyset_page_for
from apps.team.models import Agent, Team
from apps.tickets.models import BulkJob, BulkJobItem, Ticket

# The outcome table shows this many items a page (failures first), paged by keyset (apps/core/paging.py).
BULK_ITEMS_PER_PAGE = 100
BULK_ITEMS_SORT = SortKey("outcome")  # "failure" < "pending" < "success" < "unknown", then the id


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


def bulk_job_items_page(job: BulkJob, *, where: PageRequest | None = None) -> KeysetPage[BulkJobItem]:
    """A page of the items the progress page lists, failures first: they are what the manager acts on.
    Keyset pages over the (job, outcome) index, so a job of thousands polls as cheaply as a small one."""
    return keyset_page_for(
        job.items.all(), key=BULK_ITEMS_SORT, size=BULK_ITEMS_PER_PAGE, where=where or PageRequest()
    )


def bulk_job_names(job: BulkJob, items: list[BulkJobItem]) -> dict[str, object]:
    """What a person reads on the review and progress pages: the agent and team by name, each ticket by
    number and subject (from the mirror; an id only when the mirror does not know it)."""
    params = job.params or {}
    assignee_id = str(params.get("assignee_id") or "")
    team_id = str(params.get("team_id") or "")
    assignee = (
        Agent.objects.filter(connection_id=job.connection_id, desk_id=assignee_id).first()
        if assignee_id
        else None
    )
    team = Team.objects.filter(connection_id=job.connection_id, desk_id=team_id).first() if team_id else None
    ticket_ids = {item.ticket_desk_id for item in items}
    tickets = {
        desk_id: (number, subject)
        for desk_id, number, subject in Ticket.objects.filter(
            connection_id=job.connection_id, desk_id__in=ticket_ids
        ).values_list("desk_id", "ticket_number", "subject")
    }
    for item in items:
        number, subject = tickets.get(item.ticket_desk_id, ("", ""))
        item.ticket_number = number  # type: ignore[attr-defined]
        item.ticket_subject = subject  # type: ignore[attr-defined]
    return {
        "assignee_name": (str(assignee) if assignee else f"agent {assignee_id}") if assignee_id else "",
        "team_name": (team.name or f"team {team_id}" if team else f"team {team_id}") if team_id else "",
    }
