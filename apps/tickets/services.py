"""Ticket writes: one Desk call each, the mirror updated from Desk's answer, an audit entry either way."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from django.conf import settings
from django.core import signing
from django.db import models
from django.utils import timezone

from apps.connections.models import DeskConnection
from apps.connections.services import desk_client_for
from apps.core.models import AuditEntry
from apps.core.services import audit_record
from apps.customers.models import Contact
from apps.desk.client import DeskClient
from apps.desk.errors import DeskError, RateLimited
from apps.desk.types import parse_datetime
from apps.mirror.apply import plain_text
from apps.tickets.credits import credits_exhausted_message, credits_spent, is_credits_exhausted
from apps.tickets.mirror import (
    mirror_apply_conversation,
    mirror_apply_ticket,
    mirror_mark_deleted,
    ticket_search_text,
)
from apps.tickets.models import (
    BulkJob,
    BulkJobItem,
    SavedView,
    Ticket,
    TicketAttachment,
    TicketThread,
)

SEEN_SALT = "tickets.seen"
# The fields whose change the stale-write guard reports, with the words it uses.
WATCHED_FIELDS = {
    "subject": "Subject",
    "status": "Status",
    "priority": "Priority",
    "assignee_desk_id": "Assignee",
    "team_desk_id": "Team",
    "department_desk_id": "Department",
    "due_date": "Due date",
}
DEFAULT_ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024


def attachment_max_bytes() -> int:
    return int(getattr(settings, "ATTACHMENT_MAX_BYTES", DEFAULT_ATTACHMENT_MAX_BYTES))


# --- the stale-write guard -----------------------------------------------------------------------------
def _snapshot_value(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return "" if value is None else str(value)


def ticket_seen_token(ticket: Ticket) -> str:
    """A signed note of what the agent is looking at, sent back with every write on the ticket."""
    return signing.dumps(
        {
            "m": _snapshot_value(ticket.desk_modified_time),
            "f": {name: _snapshot_value(getattr(ticket, name)) for name in WATCHED_FIELDS},
            "t": ticket.thread_count,
            "c": _snapshot_value(ticket.customer_response_time),
        },
        salt=SEEN_SALT,
    )


@dataclass
class FieldChange:
    label: str
    before: str
    after: str


@dataclass
class StaleTicket(Exception):
    """The ticket changed in Desk since the agent opened it; they must see what changed and confirm."""

    ticket: Ticket
    changes: list[FieldChange] = field(default_factory=list)
    new_messages: list[TicketThread] = field(default_factory=list)

    def __str__(self) -> str:
        return "The ticket changed in Desk since you opened it."


def ticket_check_not_stale(*, ticket: Ticket, seen: dict[str, Any] | None, for_reply: bool = False) -> None:
    """Raise StaleTicket when the mirror holds a newer version than the one the agent saw.

    A reply is also stopped by a new customer message, even when no watched field changed.
    """
    if not seen:
        return
    seen_modified = parse_datetime(seen.get("m"))
    current = ticket.desk_modified_time
    changed = current is not None and (seen_modified is None or current > seen_modified)
    seen_fields = seen.get("f") or {}
    changes = [
        FieldChange(label, str(seen_fields.get(name, "")), _snapshot_value(getattr(ticket, name)))
        for name, label in WATCHED_FIELDS.items()
        if name in seen_fields and seen_fields[name] != _snapshot_value(getattr(ticket, name))
    ]
    seen_customer = parse_datetime(seen.get("c"))
    new_messages: list[TicketThread] = []
    customer_wrote = ticket.customer_response_time is not None and (
        seen_customer is None or ticket.customer_response_time > seen_customer
    )
    # Incoming messages newer than anything the agent saw (the agent's own replies are outgoing).
    cutoff = seen_customer or seen_modified
    if cutoff is not None and (customer_wrote or ticket.thread_count > int(seen.get("t") or 0)):
        threads = TicketThread.objects.filter(
            ticket=ticket, is_deleted=False, direction="in", created_time__gt=cutoff
        )
        new_messages = list(threads.order_by("-created_time")[:5])
    if for_reply and (customer_wrote or new_messages):
        raise StaleTicket(ticket=ticket, changes=changes, new_messages=new_messages)
    if changed and (changes or new_messages or customer_wrote):
        raise StaleTicket(ticket=ticket, changes=changes, new_messages=new_messages)


# --- plumbing --------------------------------------------------------------------------------------------
def _client(connection: DeskConnection, priority: str = "interactive") -> DeskClient:
    return desk_client_for(connection, priority=priority)  # type: ignore[arg-type]


def _audited[R](
    *,
    actor: Any,
    action: str,
    connection: DeskConnection,
    target_id: str,
    call: Callable[[], R],
    client: DeskClient | None = None,
    detail: dict[str, Any] | None = None,
    target_type: str = "ticket",
    api_calls: int = 1,
) -> R:
    """Run one Desk call; record success or failure (with Desk's message) and its credits in the audit log.

    Credits are what the client counted for this call (its weight from Desk's v3 header); a client that
    does not count them is taken at 1 credit per single-record call, and a call refused because the
    day's credits are spent at 0.
    """
    before = credits_spent(client) if client is not None else None
    try:
        result = call()
    except DeskError as error:
        fallback = 0 if is_credits_exhausted(error) else api_calls
        audit_record(
            actor=actor,
            action=action,
            org_id=connection.org_id,
            target_type=target_type,
            target_id=target_id,
            outcome=AuditEntry.Outcome.FAILURE,
            message=error.message,
            api_calls=api_calls,
            credits=_credits_since(client, before, fallback=fallback),
            detail={**(detail or {}), "error_code": error.error_code or "", "status": error.status},
        )
        raise
    audit_record(
        actor=actor,
        action=action,
        org_id=connection.org_id,
        target_type=target_type,
        target_id=target_id,
        api_calls=api_calls,
        credits=_credits_since(client, before, fallback=api_calls),
        detail=detail or {},
    )
    return result


def _credits_since(client: DeskClient | None, before: int | None, *, fallback: int) -> int:
    after = credits_spent(client) if client is not None else None
    if before is None or after is None:
        return fallback
    return max(0, after - before)


def _refreshed(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_related("connection").get(pk=ticket.pk)


# --- ticket field writes ------------------------------------------------------------------------------------
def ticket_update(
    *,
    actor: Any,
    ticket: Ticket,
    changes: dict[str, Any],
    action: str = "ticket.update",
    seen: dict[str, Any] | None = None,
    confirmed: bool = False,
    client: DeskClient | None = None,
) -> Ticket:
    """PATCH the given fields (Desk client keyword names) in Desk, then mirror Desk's answer."""
    if not confirmed:
        ticket_check_not_stale(ticket=ticket, seen=seen)
    connection = ticket.connection
    owned = client is None
    desk = client or _client(connection)
    try:
        answer = _audited(
            actor=actor,
            action=action,
            connection=connection,
            target_id=ticket.desk_id,
            client=desk,
            call=lambda: desk.ticket_update(ticket.desk_id, **changes),
            detail={"changes": {k: _snapshot_value(v) for k, v in changes.items()}},
        )
    finally:
        if owned:
            desk.close()
    mirror_apply_ticket(connection, answer)
    return _refreshed(ticket)


def ticket_status_change(
    *,
    actor: Any,
    ticket: Ticket,
    status: str,
    resolution: str = "",
    seen: dict[str, Any] | None = None,
    confirmed: bool = False,
    client: DeskClient | None = None,
) -> Ticket:
    changes: dict[str, Any] = {"status": status}
    if resolution:
        changes["resolution"] = resolution
    action = "ticket.close" if status.lower() == "closed" else "ticket.status"
    return ticket_update(
        actor=actor,
        ticket=ticket,
        changes=changes,
        action=action,
        seen=seen,
        confirmed=confirmed,
        client=client,
    )


def ticket_priority_change(
    *, actor: Any, ticket: Ticket, priority: str, seen: dict[str, Any] | None = None, confirmed: bool = False
) -> Ticket:
    return ticket_update(
        actor=actor,
        ticket=ticket,
        changes={"priority": priority or None},
        action="ticket.priority",
        seen=seen,
        confirmed=confirmed,
    )


def ticket_assign(
    *,
    actor: Any,
    ticket: Ticket,
    assignee_id: str,
    team_id: str,
    seen: dict[str, Any] | None = None,
    confirmed: bool = False,
    client: DeskClient | None = None,
) -> Ticket:
    """Assign to an agent and/or a team; empty values unassign."""
    return ticket_update(
        actor=actor,
        ticket=ticket,
        changes={"assignee_id": assignee_id or None, "team_id": team_id or None},
        action="ticket.assign",
        seen=seen,
        confirmed=confirmed,
        client=client,
    )


def ticket_create(*, actor: Any, connection: DeskConnection, fields: dict[str, Any]) -> Ticket:
    """Create a ticket in Desk (``fields`` as the Desk client names them) and mirror the answer."""
    with _client(connection) as desk:
        answer = _audited(
            actor=actor,
            action="ticket.create",
            connection=connection,
            target_id="",
            client=desk,
            call=lambda: desk.ticket_create(**fields),
            detail={"subject": fields.get("subject", "")},
        )
    mirror_apply_ticket(connection, answer)
    return Ticket.objects.select_related("connection").get(connection=connection, desk_id=answer.id)


def ticket_move_to_trash(*, actor: Any, ticket: Ticket, client: DeskClient | None = None) -> None:
    """Delete the Desk way: the ticket goes to Desk's trash; the mirror marks it deleted."""
    connection = ticket.connection
    owned = client is None
    desk = client or _client(connection)
    try:
        _audited(
            actor=actor,
            action="ticket.trash",
            connection=connection,
            target_id=ticket.desk_id,
            client=desk,
            call=lambda: desk.tickets_move_to_trash(ticket_ids=[ticket.desk_id]),
            detail={"subject": ticket.subject},
        )
    finally:
        if owned:
            desk.close()
    mirror_mark_deleted(connection, "tickets", [ticket.desk_id])


# --- conversation writes ----------------------------------------------------------------------------------
def ticket_comment_add(
    *,
    actor: Any,
    ticket: Ticket,
    content: str,
    is_public: bool,
    seen: dict[str, Any] | None = None,
    confirmed: bool = False,
) -> Ticket:
    """A comment (private by default) on the ticket; the mirror gets Desk's copy of it."""
    if not confirmed:
        ticket_check_not_stale(ticket=ticket, seen=seen)
    connection = ticket.connection
    with _client(connection) as desk:
        comment = _audited(
            actor=actor,
            action="ticket.comment",
            connection=connection,
            target_id=ticket.desk_id,
            client=desk,
            call=lambda: desk.comment_create(ticket.desk_id, content=content, is_public=is_public),
            detail={"is_public": is_public},
        )
    mirror_apply_conversation(connection, ticket, "comments", [comment])
    Ticket.objects.filter(pk=ticket.pk).update(comment_count=ticket.comment_count + 1)
    return _refreshed(ticket)


def ticket_reply_send(
    *,
    actor: Any,
    ticket: Ticket,
    from_address: str,
    to: str,
    cc: str,
    content: str,
    content_type: str,
    seen: dict[str, Any] | None = None,
    confirmed: bool = False,
) -> Ticket:
    """Email the customer (Desk's sendReply); never over a customer message the agent has not seen."""
    if not confirmed:
        ticket_check_not_stale(ticket=ticket, seen=seen, for_reply=True)
    connection = ticket.connection
    # sendReply (Thread.json): channel, content and fromEmailAddress are required; cc only when given.
    reply: dict[str, Any] = {
        "channel": "EMAIL",
        "from_email_address": from_address,
        "to": to,
        "content": content,
        "content_type": content_type,
    }
    if cc:
        reply["cc"] = cc
    with _client(connection) as desk:
        thread = _audited(
            actor=actor,
            action="ticket.reply",
            connection=connection,
            target_id=ticket.desk_id,
            client=desk,
            call=lambda: desk.reply_send(ticket.desk_id, **reply),
            detail={"to": to, "cc": cc, "from": from_address, "content_type": content_type},
        )
    if not thread.content:
        thread.content = content
        thread.content_type = content_type
    mirror_apply_conversation(connection, ticket, "threads", [thread])
    Ticket.objects.filter(pk=ticket.pk).update(thread_count=ticket.thread_count + 1)
    return _refreshed(ticket)


# --- attachments ------------------------------------------------------------------------------------------
class AttachmentTooLarge(ValueError):
    def __init__(self, *, name: str, size: int, limit: int) -> None:
        super().__init__(f"{name} is {size / 1048576:.1f} MB; the limit is {limit / 1048576:.0f} MB.")


def attachment_upload(
    *,
    actor: Any,
    ticket: Ticket,
    filename: str,
    content: IO[bytes],
    size: int,
    content_type: str,
    is_public: bool = False,
) -> TicketAttachment:
    """Upload one file to the ticket in Desk (size-checked first) and mirror its metadata."""
    limit = attachment_max_bytes()
    if size > limit:
        raise AttachmentTooLarge(name=filename, size=size, limit=limit)
    connection = ticket.connection
    with _client(connection) as desk:
        attachment = _audited(
            actor=actor,
            action="ticket.attachment.upload",
            connection=connection,
            target_id=ticket.desk_id,
            client=desk,
            call=lambda: desk.attachment_upload(
                ticket.desk_id,
                filename=filename,
                content=content,
                content_type=content_type or "application/octet-stream",
                is_public=is_public,
            ),
            detail={"name": filename, "size": size},
        )
    if not attachment.name:
        attachment.name = filename
    mirror_apply_conversation(connection, ticket, "attachments", [attachment])
    Ticket.objects.filter(pk=ticket.pk).update(attachment_count=ticket.attachment_count + 1)
    return TicketAttachment.objects.get(connection=connection, desk_id=attachment.id)


def attachment_delete(*, actor: Any, attachment: TicketAttachment) -> None:
    ticket = attachment.ticket
    connection = ticket.connection
    with _client(connection) as desk:
        _audited(
            actor=actor,
            action="ticket.attachment.delete",
            connection=connection,
            target_id=ticket.desk_id,
            client=desk,
            call=lambda: desk.attachment_delete(ticket.desk_id, attachment.desk_id),
            detail={"name": attachment.name, "attachment_id": attachment.desk_id},
        )
    mirror_mark_deleted(connection, "attachments", [attachment.desk_id])
    Ticket.objects.filter(pk=ticket.pk, attachment_count__gt=0).update(
        attachment_count=ticket.attachment_count - 1
    )


@dataclass
class AttachmentStream:
    """An open download from Desk: iterate ``chunks`` once; it closes the Desk response at the end."""

    filename: str
    content_type: str
    size: int | None
    chunks: Iterator[bytes]


def attachment_download_open(*, actor: Any, attachment: TicketAttachment) -> AttachmentStream:
    """Start streaming an attachment's bytes from Desk (one call); nothing is stored locally."""
    ticket = attachment.ticket
    connection = ticket.connection
    desk = _client(connection)
    try:
        download = _audited(
            actor=actor,
            action="ticket.attachment.download",
            connection=connection,
            target_id=ticket.desk_id,
            client=desk,
            call=lambda: desk.attachment_download(ticket.desk_id, attachment.desk_id),
            detail={"name": attachment.name, "attachment_id": attachment.desk_id},
        )
    except Exception:
        desk.close()
        raise

    def chunks() -> Iterator[bytes]:
        try:
            yield from download.iter_bytes()
        finally:
            download.close()
            desk.close()

    return AttachmentStream(
        filename=attachment.name or download.filename or f"attachment-{attachment.desk_id}",
        content_type=download.content_type,
        size=download.size,
        chunks=chunks(),
    )


# --- the conversation, fetched when a ticket is opened -------------------------------------------------------
def ticket_conversation_refresh(
    *, ticket: Ticket, force: bool = False, client: DeskClient | None = None
) -> Ticket:
    """Bring a ticket's conversation up to date from Desk (threads, comments, attachment metadata).

    Fresh means fetched after the ticket's last Desk modification (a reply or comment bumps it), so
    refreshing an unchanged ticket costs no call unless ``force`` (the detail page forces when
    ``details.conversation_is_stale`` also counts age). Otherwise 3 list calls, plus one per thread whose
    full content the mirror lacks (the newest ``TICKETS_THREAD_CONTENTS_PER_OPEN``): Desk lists threads
    as summaries, and a kept content makes later opens free. Raises the Desk client's errors.
    """
    fresh = (
        ticket.conversation_synced_at is not None
        and ticket.desk_modified_time is not None
        and ticket.conversation_synced_at >= ticket.desk_modified_time
    )
    if fresh and not force:
        return ticket
    connection = ticket.connection
    desk = client or _client(connection)
    try:
        threads = list(desk.threads_list(ticket.desk_id))
        comments = list(desk.comments_list(ticket.desk_id))
        attachments = list(desk.attachments_list(ticket.desk_id))
        mirror_apply_conversation(connection, ticket, "threads", threads)
        mirror_apply_conversation(connection, ticket, "comments", comments)
        mirror_apply_conversation(connection, ticket, "attachments", attachments)
        # What Desk no longer lists (a deleted comment) is gone.
        for entity, items in (("threads", threads), ("comments", comments), ("attachments", attachments)):
            present = {str(i.id) for i in items}
            related = getattr(ticket, entity).filter(is_deleted=False).values_list("desk_id", flat=True)
            mirror_mark_deleted(connection, entity, set(related) - present)
        missing = TicketThread.objects.filter(ticket=ticket, is_deleted=False, content__isnull=True).order_by(
            "-created_time"
        )[: settings.TICKETS_THREAD_CONTENTS_PER_OPEN]
        full = [desk.thread_get(ticket.desk_id, thread.desk_id) for thread in missing]
    finally:
        if client is None:
            desk.close()
    if full:
        mirror_apply_conversation(connection, ticket, "threads", full)
    texts = [plain_text(t.content) or t.summary for t in ticket.threads.filter(is_deleted=False)]
    texts += [plain_text(c.content) for c in ticket.comments.filter(is_deleted=False)]
    ticket.conversation_text = " ".join(t for t in texts if t)
    contact = Contact.objects.filter(connection=connection, desk_id=ticket.contact_desk_id).first()
    ticket.search_text = ticket_search_text(ticket, contact)
    ticket.conversation_synced_at = timezone.now()
    ticket.save(update_fields=["conversation_text", "search_text", "conversation_synced_at"])
    return ticket


# --- bulk actions ------------------------------------------------------------------------------------------
BULK_ACTIONS = {
    "assign": "Assign",
    "status": "Change status",
    "priority": "Change priority",
    "close": "Close",
}
BULK_MAX_TICKETS = 5000
BULK_ITEMS_SHOWN = 500


class BulkRequestError(ValueError):
    """The bulk request cannot run as given (no tickets, too many, unknown action)."""


def bulk_job_create(
    *, actor: Any, connection: DeskConnection, action: str, params: dict[str, Any], ticket_ids: list[str]
) -> BulkJob:
    """Freeze the tickets a bulk action will touch; nothing is sent to Desk until it is started."""
    if action not in BULK_ACTIONS:
        raise BulkRequestError("Choose what to do with the tickets.")
    ids = list(dict.fromkeys(str(i) for i in ticket_ids if str(i).isdigit()))
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


def bulk_job_start(*, actor: Any, job: BulkJob, retry_failed: bool = False) -> BulkJob:
    """Queue the job for the background worker (failed items again when ``retry_failed``)."""
    from apps.tickets.tasks import bulk_job_run

    if retry_failed:
        reset = BulkJobItem.objects.filter(job=job, outcome=BulkJobItem.Outcome.FAILURE).update(
            outcome=BulkJobItem.Outcome.PENDING, message=""
        )
        BulkJob.objects.filter(pk=job.pk).update(failed=models.F("failed") - reset)
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


def bulk_job_refuse(*, actor: Any, job: BulkJob, message: str, credits_needed: int) -> None:
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
    with _client(connection, priority="background") as desk:
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
                    )
                except DeskError as error:
                    outcome, message = BulkJobItem.Outcome.FAILURE, error.message[:500]
                    if isinstance(error, RateLimited) and is_credits_exhausted(error):
                        exhausted = error
                        message = credits_exhausted_message(error)[:500]
            BulkJobItem.objects.filter(pk=item.pk).update(
                outcome=outcome, message=message, attempts=item.attempts + 1
            )
            counter = "succeeded" if outcome == BulkJobItem.Outcome.SUCCESS else "failed"
            BulkJob.objects.filter(pk=job.pk).update(**{counter: models.F(counter) + 1})
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
    BulkJob.objects.filter(pk=job.pk).update(failed=models.F("failed") + stopped)


# --- saved views --------------------------------------------------------------------------------------------
def saved_view_create(
    *, actor: Any, connection: DeskConnection, name: str, query: str, is_shared: bool
) -> SavedView:
    """Save (or overwrite, by name) a queue URL for the actor, optionally shared with the org."""
    view, _ = SavedView.objects.update_or_create(
        connection=connection,
        owner=actor,
        name=name.strip()[:100],
        defaults={"query": query[:2000], "is_shared": is_shared},
    )
    audit_record(
        actor=actor,
        action="ticket.view.save",
        org_id=connection.org_id,
        target_type="saved_view",
        target_id=view.pk,
        detail={"name": view.name, "shared": is_shared},
    )
    return view


def saved_view_delete(*, actor: Any, view: SavedView) -> None:
    audit_record(
        actor=actor,
        action="ticket.view.delete",
        org_id=view.connection.org_id,
        target_type="saved_view",
        target_id=view.pk,
        detail={"name": view.name},
    )
    view.delete()
