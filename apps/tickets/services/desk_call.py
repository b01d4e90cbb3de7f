"""The plumbing every ticket write shares: the Desk client for a connection, and one audited Desk call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from django.contrib.auth.models import User

from apps.connections.models import DeskConnection
from apps.connections.services import desk_client_for
from apps.core.models import AuditEntry
from apps.core.services import audit_record
from apps.desk.client import DeskClient
from apps.desk.errors import DeskError, DeskOutcomeUnknown
from apps.tickets.credits import credits_spent, is_credits_exhausted
from apps.tickets.models import Ticket
from apps.tickets.services.stale import ticket_check_not_stale


def desk_client(
    connection: DeskConnection, *, priority: Literal["interactive", "background"] = "interactive"
) -> DeskClient:
    return desk_client_for(connection, priority=priority)


def desk_call_audited[R](
    *,
    # None: a bulk job's user was deleted meanwhile; the audit entry keeps no name then.
    actor: User | None,
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

    A call whose answer was lost (``DeskOutcomeUnknown``) is recorded with the outcome ``unknown``.

    Credits are what the client counted for this call (its weight from Desk's v3 header); a client that
    does not count them is taken at 1 credit per single-record call, and a call refused because the
    day's credits are spent at 0.
    """
    before = credits_spent(client) if client is not None else None
    try:
        result = call()
    except DeskError as error:
        fallback = 0 if is_credits_exhausted(error) else api_calls
        # A lost answer is not a failure: Desk may have done it. A later entry settles it (services.unknown).
        lost = isinstance(error, DeskOutcomeUnknown)
        audit_record(
            actor=actor,
            action=action,
            org_id=connection.org_id,
            target_type=target_type,
            target_id=target_id,
            outcome=AuditEntry.Outcome.UNKNOWN if lost else AuditEntry.Outcome.FAILURE,
            message="Desk's answer was lost; it may have saved this. Checking." if lost else error.message,
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


def ticket_desk_call[R](
    *,
    actor: User,
    ticket: Ticket,
    action: str,
    call: Callable[[DeskClient], R],
    detail: dict[str, Any] | None = None,
    seen: dict[str, Any] | None = None,
    confirmed: bool = False,
) -> R:
    """The shape of a single write on one ticket: the stale-write guard (unless the user confirmed), then
    one audited Desk call ``call(client)`` on a client of the ticket's connection. Returns Desk's answer."""
    if not confirmed:
        ticket_check_not_stale(ticket=ticket, seen=seen)
    connection = ticket.connection
    with desk_client(connection) as desk:
        return desk_call_audited(
            actor=actor,
            action=action,
            connection=connection,
            target_id=ticket.desk_id,
            client=desk,
            call=lambda: call(desk),
            detail=detail,
        )


def _credits_since(client: DeskClient | None, before: int | None, *, fallback: int) -> int:
    after = credits_spent(client) if client is not None else None
    if before is None or after is None:
        return fallback
    return max(0, after - before)
