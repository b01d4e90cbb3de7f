"""Canned-reply reads: those a user may insert in an org, those they may edit, and the values a ticket
gives the placeholders."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet

from apps.connections.models import DeskConnection
from apps.connections.selectors import connections_for_user
from apps.customers.models import Contact
from apps.tickets.models import CannedReply, Ticket


def canned_replies_for(*, connection: DeskConnection, user: User) -> QuerySet[CannedReply]:
    """The org's shared replies and the user's own personal ones."""
    return CannedReply.objects.filter(connection=connection).filter(Q(is_shared=True) | Q(owner_id=user.pk))


def canned_reply_visible(*, user: User, pk: int) -> CannedReply | None:
    """One canned reply the user may see: in an org they can access, shared or their own (else None: 404)."""
    return (
        CannedReply.objects.select_related("connection")
        .filter(pk=pk, connection__in=connections_for_user(user=user))
        .filter(Q(is_shared=True) | Q(owner_id=user.pk))
        .first()
    )


def canned_may_edit(*, user: User, reply: CannedReply) -> bool:
    """Agents manage their personal replies; shared ones need core.edit_tickets (managers and admins)."""
    if reply.is_shared:
        return user.has_perm("core.edit_tickets")
    return reply.owner_id == user.pk


def placeholder_values(*, ticket: Ticket, user: User) -> dict[str, str]:
    """What a ticket and the agent give the placeholders (mirror only, no Desk call)."""
    contact = Contact.objects.filter(
        connection_id=ticket.connection_id, desk_id=ticket.contact_desk_id
    ).first()
    agent_name = user.get_full_name() or user.get_username()
    return {
        "contact.first_name": contact.first_name if contact else "",
        "contact.last_name": contact.last_name if contact else "",
        "contact.name": str(contact) if contact else "",
        "contact.email": (contact.email if contact else "") or ticket.email,
        "ticket.number": str(ticket.ticket_number or ""),
        "ticket.subject": ticket.subject or "",
        "agent.name": agent_name,
        "agent.first_name": user.first_name or agent_name,
    }
