"""Tag writes (add, remove: one Desk call each, the mirror set from Desk's answer, audited) and the
refresh of a ticket's tags and followers when it is opened (Desk's ticket lists carry neither)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from apps.desk.client import DeskClient
from apps.tickets.mirror import mirror_set_ticket_followers, mirror_set_ticket_tags, tag_names
from apps.tickets.models import Ticket
from apps.tickets.services.desk_call import ticket_desk_call


def ticket_tags_add(
    *,
    actor: User,
    ticket: Ticket,
    names: list[str],
    seen: dict[str, Any] | None = None,
    confirmed: bool = False,
) -> Ticket:
    """Associate tags (Desk creates the ones its department lacks); the answer lists the ticket's tags."""
    names = tag_names(names)
    answer = ticket_desk_call(
        actor=actor,
        ticket=ticket,
        action="ticket.tag_add",
        call=lambda desk: desk.ticket_tags_add(ticket.desk_id, tags=names),
        detail={"tags": names, "subject": ticket.subject},
        seen=seen,
        confirmed=confirmed,
    )
    # Desk answers with all the ticket's tags; an empty answer still means ours went on.
    known = [t.name or "" for t in answer] or [*ticket.tags, *names]
    return mirror_set_ticket_tags(ticket, known)


def ticket_tags_remove(
    *,
    actor: User,
    ticket: Ticket,
    names: list[str],
    seen: dict[str, Any] | None = None,
    confirmed: bool = False,
) -> Ticket:
    """Dissociate tags (Desk answers with an empty body: the mirror drops what was removed)."""
    names = tag_names(names)
    ticket_desk_call(
        actor=actor,
        ticket=ticket,
        action="ticket.tag_remove",
        call=lambda desk: desk.ticket_tags_remove(ticket.desk_id, tags=names),
        detail={"tags": names, "subject": ticket.subject},
        seen=seen,
        confirmed=confirmed,
    )
    removed = {name.lower() for name in names}
    return mirror_set_ticket_tags(ticket, [t for t in ticket.tags if t.lower() not in removed])


def ticket_tags_followers_refresh(*, ticket: Ticket, client: DeskClient) -> Ticket:
    """Two calls: the ticket's tags and its followers, as Desk has them now. Part of the conversation
    refresh (apps/tickets/services/conversation.py), so it runs when the conversation does."""
    mirror_set_ticket_tags(ticket, [t.name or "" for t in client.ticket_tags_list(ticket.desk_id)])
    return mirror_set_ticket_followers(ticket, client.ticket_followers_list(ticket.desk_id))
