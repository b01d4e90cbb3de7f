"""Attachment reads: a ticket's mirrored attachments (metadata only; the bytes stay in Desk)."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.tickets.models import Ticket, TicketAttachment


def attachments_for(*, ticket: Ticket) -> QuerySet[TicketAttachment]:
    return TicketAttachment.objects.filter(ticket=ticket, is_deleted=False)


def attachment_for(*, ticket: Ticket, desk_id: str) -> TicketAttachment | None:
    """The ticket's attachment with that Desk id, unless deleted."""
    return attachments_for(ticket=ticket).filter(desk_id=desk_id).select_related("ticket__connection").first()
