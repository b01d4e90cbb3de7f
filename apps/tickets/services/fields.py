"""Ticket field writes (status, priority, assignment, any field), create and move to trash: one Desk
call each, the mirror updated from Desk's answer, an audit entry either way."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from apps.connections.models import DeskConnection
from apps.desk.client import DeskClient
from apps.tickets.mirror import mirror_apply_ticket, mirror_mark_deleted
from apps.tickets.models import Ticket
from apps.tickets.selectors.detail import ticket_reloaded
from apps.tickets.services.desk_call import desk_call_audited, desk_client
from apps.tickets.services.stale import snapshot_value, ticket_check_not_stale


def ticket_update(
    *,
    actor: User | None,
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
    desk = client or desk_client(connection)
    try:
        answer = desk_call_audited(
            actor=actor,
            action=action,
            connection=connection,
            target_id=ticket.desk_id,
            client=desk,
            call=lambda: desk.ticket_update(ticket.desk_id, **changes),
            detail={"changes": {k: snapshot_value(v) for k, v in changes.items()}},
        )
    finally:
        if owned:
            desk.close()
    mirror_apply_ticket(connection, answer)
    return ticket_reloaded(ticket)


def ticket_status_change(
    *,
    actor: User,
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
    *, actor: User, ticket: Ticket, priority: str, seen: dict[str, Any] | None = None, confirmed: bool = False
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
    actor: User,
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


def ticket_create(*, actor: User, connection: DeskConnection, fields: dict[str, Any]) -> Ticket:
    """Create a ticket in Desk (``fields`` as the Desk client names them) and mirror the answer."""
    with desk_client(connection) as desk:
        answer = desk_call_audited(
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


def ticket_move_to_trash(*, actor: User, ticket: Ticket, client: DeskClient | None = None) -> None:
    """Delete the Desk way: the ticket goes to Desk's trash; the mirror marks it deleted."""
    connection = ticket.connection
    owned = client is None
    desk = client or desk_client(connection)
    try:
        desk_call_audited(
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
