"""Follower writes: add or remove agents (yourself included) as followers of a ticket; one Desk call each
(Desk answers 204), the mirror's list changed accordingly, audited."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from apps.tickets.mirror import mirror_set_ticket_followers
from apps.tickets.models import Ticket
from apps.tickets.services.desk_call import ticket_desk_call


def ticket_follower_change(
    *,
    actor: User,
    ticket: Ticket,
    agent_id: str,
    agent_name: str,
    follow: bool,
    seen: dict[str, Any] | None = None,
    confirmed: bool = False,
) -> Ticket:
    """Add (``follow``) or remove an agent as a follower: one audited Desk call (``addFollowers`` /
    ``removeFollowers``), then the mirror's list changed the same way."""
    ticket_desk_call(
        actor=actor,
        ticket=ticket,
        action="ticket.follower_add" if follow else "ticket.follower_remove",
        call=lambda desk: (desk.ticket_followers_add if follow else desk.ticket_followers_remove)(
            ticket.desk_id, follower_ids=[agent_id]
        ),
        detail={"agent_id": agent_id, "agent": agent_name, "subject": ticket.subject},
        seen=seen,
        confirmed=confirmed,
    )
    others = [f for f in ticket.followers if f.get("id") != agent_id]
    followers = [*others, {"id": agent_id, "name": agent_name}] if follow else others
    return mirror_set_ticket_followers(ticket, followers)
