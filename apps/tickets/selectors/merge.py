"""Reads for the merge page: tickets of the same org found by number or words, and the chosen ones (mirror only)."""

from __future__ import annotations

from collections.abc import Iterable

from apps.core.parsing import is_ascii_digits
from apps.customers.models import Contact
from apps.tickets.models import Ticket
from apps.tickets.selectors.search import tickets_search

MERGE_CANDIDATES_SHOWN = 20


def merge_candidates(*, ticket: Ticket, query: str, exclude: Iterable[str] = ()) -> list[Ticket]:
    """Tickets of ``ticket``'s org matching ``query``: a ticket number (``#123``; plain ``123`` also searches
    the words) or words of the subject, description, conversation or contact (0 Desk calls). The ticket
    itself and ``exclude`` are left out."""
    query = (query or "").strip()
    skip = {ticket.desk_id, *exclude}
    found: list[Ticket] = []
    number = query.lstrip("#")
    is_number = is_ascii_digits(number, max_length=9)  # "²" is str.isdigit() but no ticket number
    if is_number:
        found += list(
            Ticket.objects.filter(connection=ticket.connection, is_deleted=False, ticket_number=number)
        )
    if query and not (query.startswith("#") and is_number):
        # "#123" is a ticket number only; plain words (or digits, as in an order number) search the text too.
        found += list(tickets_search(ticket.connection, query)[: MERGE_CANDIDATES_SHOWN + len(skip)])
    unique: dict[str, Ticket] = {}
    for candidate in found:
        if candidate.desk_id not in skip:
            unique.setdefault(candidate.desk_id, candidate)
    return list(unique.values())[:MERGE_CANDIDATES_SHOWN]


def merge_tickets_chosen(*, ticket: Ticket, desk_ids: Iterable[str]) -> list[Ticket]:
    """The chosen tickets, in the order given, of ``ticket``'s org only (another org's id finds nothing)."""
    wanted = [d for d in dict.fromkeys(desk_ids) if is_ascii_digits(d, max_length=32) and d != ticket.desk_id]
    rows = {
        t.desk_id: t
        for t in Ticket.objects.filter(connection=ticket.connection, is_deleted=False, desk_id__in=wanted)
    }
    return [rows[d] for d in wanted if d in rows]


def merge_contact_names(tickets: Iterable[Ticket]) -> dict[str, str]:
    """Contact name (or email) per ticket desk id, for the choice of which contact the merged ticket keeps."""
    tickets = list(tickets)
    if not tickets:
        return {}
    contacts = {
        c.desk_id: c
        for c in Contact.objects.filter(
            connection=tickets[0].connection, desk_id__in={t.contact_desk_id for t in tickets}
        )
    }
    names: dict[str, str] = {}
    for t in tickets:
        contact = contacts.get(t.contact_desk_id)
        name = " ".join(p for p in (contact.first_name, contact.last_name) if p) if contact else ""
        names[t.desk_id] = name or (contact.email if contact else "") or t.email or "(no contact)"
    return names
