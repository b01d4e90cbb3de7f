"""Readable names for the audit log's ticket targets (tickets, bulk jobs, saved views), registered with the core."""

from __future__ import annotations

from apps.core.orgs import register_target_labeler
from apps.core.parsing import is_ascii_digits
from apps.tickets.models import BulkJob, CannedReply, SavedView, Ticket
from apps.tickets.services.bulk import BULK_ACTIONS


def ticket_labels(org_id: str, target_ids: list[str]) -> dict[str, str]:
    """ "#123 Printer on fire" for each mirrored ticket (by Desk id) of the org."""
    rows = Ticket.objects.filter(desk_id__in=target_ids)
    if org_id:
        rows = rows.filter(connection__org_id=org_id)
    return {
        desk_id: f"#{number} {subject or '(no subject)'}" if number else subject or f"ticket {desk_id}"
        for desk_id, number, subject in rows.values_list("desk_id", "ticket_number", "subject")
    }


def bulk_job_labels(org_id: str, target_ids: list[str]) -> dict[str, str]:
    pks = [int(i) for i in target_ids if is_ascii_digits(i)]
    return {
        str(job.pk): f"Bulk {BULK_ACTIONS.get(job.action, job.action).lower()} of {job.total} "
        f"ticket{'' if job.total == 1 else 's'}"
        for job in BulkJob.objects.filter(pk__in=pks)
    }


def saved_view_labels(org_id: str, target_ids: list[str]) -> dict[str, str]:
    pks = [int(i) for i in target_ids if is_ascii_digits(i)]
    return {
        str(pk): f"view “{name}”"
        for pk, name in SavedView.objects.filter(pk__in=pks).values_list("pk", "name")
    }


def canned_reply_labels(org_id: str, target_ids: list[str]) -> dict[str, str]:
    pks = [int(i) for i in target_ids if is_ascii_digits(i)]
    return {
        str(pk): f"canned reply “{title}”"
        for pk, title in CannedReply.objects.filter(pk__in=pks).values_list("pk", "title")
    }


def register() -> None:
    register_target_labeler("ticket", ticket_labels)
    register_target_labeler("bulk_job", bulk_job_labels)
    register_target_labeler("saved_view", saved_view_labels)
    register_target_labeler("canned_reply", canned_reply_labels)
