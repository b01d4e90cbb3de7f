"""Ticket page reads: the ticket in the user's scope, and the people and places around it."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Model

from apps.connections.models import DeskConnection
from apps.connections.selectors import connections_for_user
from apps.core.parsing import is_ascii_digits
from apps.customers.models import Account, Contact
from apps.team.models import Agent, Department, Team
from apps.tickets.models import Ticket


def ticket_for_user(*, user: User, desk_id: str, connection: DeskConnection | None = None) -> Ticket | None:
    """The mirrored ticket with that Desk id in an org the user may see (never another org's)."""
    if not is_ascii_digits(desk_id, max_length=32):
        return None
    tickets = Ticket.objects.filter(
        desk_id=desk_id, connection__in=connections_for_user(user=user), is_deleted=False
    ).select_related("connection")
    if connection is not None:
        preferred = tickets.filter(connection=connection).first()
        if preferred is not None:
            return preferred
    return tickets.first()


def ticket_reloaded(ticket: Ticket) -> Ticket:
    """The ticket as the mirror has it now (after a write or a refresh changed its row)."""
    return Ticket.objects.select_related("connection").get(pk=ticket.pk)


@dataclass
class TicketCards:
    contact: Contact | None
    account: Account | None
    assignee: Agent | None
    team: Team | None
    department: Department | None


def _in_org[M: Model](model: type[M], *, ticket: Ticket, desk_id: str) -> M | None:
    if not desk_id:
        return None
    return model._default_manager.filter(connection_id=ticket.connection_id, desk_id=desk_id).first()


def cards_for(ticket: Ticket) -> TicketCards:
    """The people and places around a ticket, each looked up in the ticket's own org."""
    contact = _in_org(Contact, ticket=ticket, desk_id=ticket.contact_desk_id)
    account_id = ticket.account_desk_id or (contact.account_desk_id if contact else "")
    return TicketCards(
        contact=contact,
        account=_in_org(Account, ticket=ticket, desk_id=account_id),
        assignee=_in_org(Agent, ticket=ticket, desk_id=ticket.assignee_desk_id),
        team=_in_org(Team, ticket=ticket, desk_id=ticket.team_desk_id),
        department=_in_org(Department, ticket=ticket, desk_id=ticket.department_desk_id),
    )
