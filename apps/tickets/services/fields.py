"""Ticket field writes (status, priority, assignment, any field), create and move to trash: one Desk
call each, the mirror updated from Desk's answer, an audit entry either way."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from apps.connections.models import DeskConnection
from apps.desk.client import DeskClient
from apps.desk.errors import DeskOutcomeUnknown
from apps.tickets.mirror import mirror_apply_ticket, mirror_mark_deleted
from apps.tickets.models import BulkJobItem, Ticket
from apps.tickets.selectors.detail import ticket_reloaded
from apps.tickets.services.desk_call import desk_call_audited, desk_client
from apps.tickets.services.stale import snapshot_value, ticket_check_not_stale
from apps.tickets.services.unknown import (
    AlreadySaved,
    Kind,
    known_ids,
    unknown_write_record,
    unknown_write_settle_now,
    unknown_writes_before_send,
)


def ticket_update(
    *,
    actor: User | None,
    ticket: Ticket,
    changes: dict[str, Any],
    action: str = "ticket.update",
    seen: dict[str, Any] | None = None,
    confirmed: bool = False,
    client: DeskClient | None = None,
    bulk_item: BulkJobItem | None = None,
) -> Ticket:
    """PATCH the given fields (Desk client keyword names) in Desk, then mirror Desk's answer.

    A PATCH whose answers were all lost (the client resends it, as it is safe to) is settled by reading the
    ticket (services.unknown): saved when Desk's fields say what was asked, else ``WriteNotSaved`` /
    ``WriteOutcomeUnknown``.
    """
    if not confirmed:
        ticket_check_not_stale(ticket=ticket, seen=seen)
    connection = ticket.connection
    owned = client is None
    desk = client or desk_client(connection)
    snapshot = {k: snapshot_value(v) for k, v in changes.items()}
    sent_at = timezone.now()
    try:
        answer = desk_call_audited(
            actor=actor,
            action=action,
            connection=connection,
            target_id=ticket.desk_id,
            client=desk,
            call=lambda: desk.ticket_update(ticket.desk_id, **changes),
            detail={"changes": snapshot},
        )
    except DeskOutcomeUnknown:
        write = unknown_write_record(
            kind=Kind.UPDATE,
            action=action,
            actor=actor,
            connection=connection,
            ticket_desk_id=ticket.desk_id,
            payload={"changes": snapshot},
            known=[],
            sent_at=sent_at,
            bulk_item=bulk_item,
        )
        unknown_write_settle_now(write, client=desk)  # returns when saved (mirrored there)
        return ticket_reloaded(ticket)
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


def ticket_create(
    *, actor: User, connection: DeskConnection, fields: dict[str, Any], retry_of: str | None = None
) -> Ticket:
    """Create a ticket in Desk (``fields`` as the Desk client names them) and mirror the answer.

    If Desk's answer is lost, the department's newest tickets are looked through for it first
    (services.unknown): found, it counts as created; otherwise ``WriteNotSaved`` / ``WriteOutcomeUnknown``
    is raised, and the same draft is not sent again while an earlier try of it may be in Desk.
    """
    payload = {key: value for key, value in fields.items() if isinstance(value, str | int | bool | dict)}
    try:
        unknown_writes_before_send(
            kind=Kind.CREATE, connection=connection, ticket_desk_id="", payload=payload, retry_of=retry_of
        )
    except AlreadySaved as saved:
        return Ticket.objects.select_related("connection").get(
            connection=connection, desk_id=saved.write.result_desk_id
        )
    known = known_ids(kind=Kind.CREATE, connection=connection, ticket=None, payload=payload)
    sent_at = timezone.now()
    with desk_client(connection) as desk:
        try:
            answer = desk_call_audited(
                actor=actor,
                action="ticket.create",
                connection=connection,
                target_id="",
                client=desk,
                call=lambda: desk.ticket_create(**fields),
                detail={"subject": fields.get("subject", "")},
            )
        except DeskOutcomeUnknown:
            write = unknown_write_record(
                kind=Kind.CREATE,
                action="ticket.create",
                actor=actor,
                connection=connection,
                ticket_desk_id="",
                payload=payload,
                known=known,
                sent_at=sent_at,
            )
            unknown_write_settle_now(write, client=desk)  # returns when saved (mirrored there)
            return Ticket.objects.select_related("connection").get(
                connection=connection, desk_id=write.result_desk_id
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
