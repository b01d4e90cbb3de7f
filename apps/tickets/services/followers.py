"""Follower writes: add or remove agents (yourself included) as followers of a ticket; one Desk call each
(Desk answers 204), the mirror's list changed accordingly, audited."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from apps.tickets.mirror import mirror_set_ticket_followers
from apps.tickets.models import Ticket
from apps.tickets.services.desk_call import ticket_desk_call


def ticket_follower_add(
    *,
    actor: User,
    ticket: Ticket,
    agent_id: str,
    agent_name: str,
    seen: dict[str, Any] | None = None,
    confirmed: bool = False,
) -> Ticket:
    ticket_desk_call(
        actor=actor,
        ticket=ticket,
        action="ticket.follower_add",
        call=lambda desk: desk.ticket_followers_add(ticket.desk_id, follower_ids=[agent_id]),
        detail={"agent_id": agent_id, "agent": agent_name, "subject": ticket.subject},
        seen=seen,
        confirmed=confirmed,
    )
    others = [f for f in ticket.followers if f.get("id") != agent_id]
    return mirror_set_ticket_followers(ticket, [*others, {"id": agent_id, "name": agent_name}])


def ticket_follower_remove(
    *,
    actor: User,
    ticket: Ticket,
    agent_id: str,
    agent_name: str,
    seen: dict[str, Any] | None = None,
    confirmed: bool = False,
) -> Ticket:
    ticket_desk_call(
        actor=actor,
        ticket=ticket,
        action="ticket.follower_remove",
        call=lambda desk: desk.ticket_followers_remove(ticket.desk_id, follower_ids=[agent_id]),
        detail={"agent_id": agent_id, "agent": agent_name, "subject": ticket.subject},
        seen=seen,
        confirmed=confirmed,
    )
    return mirror_set_ticket_followers(ticket, [f for f in ticket.followers if f.get("id") != agent_id])
