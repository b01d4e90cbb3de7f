"""Sync writes other apps call: apply Desk objects to the mirror, fetch a conversation, request a sync."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from apps.core.services import audit_record
from apps.sync.apply import (
    ApplyResult,
    apply_objects,
    mirror_apply_account,
    mirror_apply_agent,
    mirror_apply_contact,
    mirror_apply_department,
    mirror_apply_team,
    mirror_apply_ticket,
    mirror_apply_tickets,
    mirror_mark_deleted,
    plain_text,
    ticket_search_text,
)
from apps.sync.engine import SyncReport, sync_run

__all__ = [
    "ApplyResult",
    "apply_objects",
    "mirror_apply_account",
    "mirror_apply_agent",
    "mirror_apply_contact",
    "mirror_apply_department",
    "mirror_apply_team",
    "mirror_apply_ticket",
    "mirror_apply_tickets",
    "mirror_mark_deleted",
    "sync_request",
    "sync_run",
    "ticket_conversation_refresh",
]


class TicketNotMirrored(Exception):
    """The ticket is not in this connection's mirror (yet): sync first, or it belongs to another org."""


def ticket_conversation_refresh(
    connection: Any, ticket_id: str, *, force: bool = False, client: Any = None
) -> Any:
    """Fetch a ticket's threads, comments and attachment metadata into the mirror, if they may be stale.

    Fresh means: fetched after the ticket's last Desk modification (a reply or comment bumps it), so
    opening an unchanged ticket costs no call. Otherwise 3 calls (more for very long conversations).
    Returns the mirrored Ticket. Raises TicketNotMirrored, or the Desk client's errors.
    """
    from apps.connections.services import desk_client_for
    from apps.tickets.models import Ticket

    ticket = Ticket.objects.filter(connection=connection, desk_id=str(ticket_id)).first()
    if ticket is None:
        raise TicketNotMirrored(f"Ticket {ticket_id} is not in the mirror of {connection.org_name}.")
    fresh = (
        ticket.conversation_synced_at is not None
        and ticket.desk_modified_time is not None
        and ticket.conversation_synced_at >= ticket.desk_modified_time
    )
    if fresh and not force:
        return ticket
    own_client = client is None
    client = client or desk_client_for(connection, priority="interactive")
    try:
        threads = list(client.threads_list(ticket.desk_id))
        comments = list(client.comments_list(ticket.desk_id))
        attachments = list(client.attachments_list(ticket.desk_id))
    finally:
        if own_client:
            client.close()
    parent = {"ticket": ticket}
    apply_objects(connection, "threads", threads, parent=parent)
    apply_objects(connection, "comments", comments, parent=parent)
    apply_objects(connection, "attachments", attachments, parent=parent)
    # What Desk no longer lists (a deleted comment) is gone.
    for entity, items in (("threads", threads), ("comments", comments), ("attachments", attachments)):
        present = {str(i.id) for i in items}
        related = getattr(ticket, entity).filter(is_deleted=False).values_list("desk_id", flat=True)
        mirror_mark_deleted(connection, entity, set(related) - present)
    texts = [plain_text(t.content) or t.summary for t in ticket.threads.filter(is_deleted=False)]
    texts += [plain_text(c.content) for c in ticket.comments.filter(is_deleted=False)]
    ticket.conversation_text = " ".join(t for t in texts if t)
    from apps.customers.models import Contact

    contact = Contact.objects.filter(connection=connection, desk_id=ticket.contact_desk_id).first()
    ticket.search_text = ticket_search_text(ticket, contact)
    ticket.conversation_synced_at = timezone.now()
    ticket.save(update_fields=["conversation_text", "search_text", "conversation_synced_at"])
    return ticket


def sync_request(*, actor: Any, connection: Any, full: bool = False) -> None:
    """Queue a sync of the connection now ("Sync now"); audited. Runs in the task worker."""
    from apps.sync.tasks import sync_connection_task

    audit_record(
        actor=actor,
        action="sync.requested",
        org_id=connection.org_id,
        target_type="connection",
        target_id=connection.pk,
        message=f"{'Full' if full else 'Incremental'} sync of {connection.org_name} requested",
        detail={"full": full},
    )
    sync_connection_task.enqueue(connection.pk, full)


__all__ += ["SyncReport", "TicketNotMirrored"]
