"""The Overview's cross-org search: tickets (number, words, contact email) and contacts (name, email, phone) in
every org the user may see, grouped by org, from the mirror only (0 API calls).

Each org is searched by its own app's selectors, so the results are what that org's ticket queue and contact
list find for the same words (``tickets_for_queue`` with ``QueueFilters(query=…)``, ``contacts_for_list``
with ``ListFilters(query=…)``); only the first few of each are kept per org.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse

from apps.connections.models import DeskConnection
from apps.customers.filters import ListFilters
from apps.customers.selectors.lists import contacts_for_list
from apps.customers.selectors.lists import search_terms as contact_terms
from apps.tickets.filters import QueueFilters
from apps.tickets.selectors.queue import tickets_for_queue
from apps.tickets.selectors.search import search_terms as ticket_terms

MAX_QUERY_LENGTH = 200
PER_ORG = 5


class SearchRefused(ValueError):
    """The query cannot be searched; ``str(error)`` says why, in words for the page."""


def clean_query(raw: object) -> str:
    """The query as searched: whitespace collapsed. Raises ``SearchRefused`` for an empty, over-long or
    word-less query (punctuation only)."""
    text = " ".join(str(raw or "").split())
    if not text:
        raise SearchRefused("Type a ticket number, a few words, or a contact's name, email or phone number.")
    if len(text) > MAX_QUERY_LENGTH:
        raise SearchRefused(f"That search is too long: at most {MAX_QUERY_LENGTH} characters.")
    if not ticket_terms(text) and not contact_terms(text):
        raise SearchRefused("There is nothing to search for in that: use letters or digits.")
    return text


@dataclass(frozen=True)
class TicketHit:
    desk_id: str
    number: str
    subject: str
    email: str
    status: str


@dataclass(frozen=True)
class ContactHit:
    desk_id: str
    name: str
    email: str
    phone: str


@dataclass
class OrgResults:
    """One org's matches: at most ``PER_ORG`` of each, and whether there are more (the lists show them)."""

    connection: DeskConnection
    tickets: list[TicketHit] = field(default_factory=list)
    more_tickets: bool = False
    contacts: list[ContactHit] = field(default_factory=list)
    more_contacts: bool = False
    searched_tickets: bool = False
    searched_contacts: bool = False
    queue_url: str = ""  # the org's queue with the same search
    contacts_url: str = ""  # the org's contact list with the same search

    @property
    def found(self) -> bool:
        return bool(self.tickets or self.contacts)


def _tickets(connection: DeskConnection, query: str) -> tuple[list[TicketHit], bool, str]:
    filters = QueueFilters(query=query)
    rows = list(
        tickets_for_queue(connection=connection, filters=filters).values(
            "desk_id", "ticket_number", "subject", "email", "status"
        )[: PER_ORG + 1]
    )
    hits = [
        TicketHit(
            desk_id=row["desk_id"],
            number=row["ticket_number"],
            subject=row["subject"],
            email=row["email"],
            status=row["status"],
        )
        for row in rows[:PER_ORG]
    ]
    return hits, len(rows) > PER_ORG, f"{reverse('tickets:queue')}?{filters.to_query()}"


def _contact_name(first_name: str, last_name: str, email: str) -> str:
    return " ".join(part for part in (first_name, last_name) if part) or email or "—"


def _contacts(connection: DeskConnection, query: str) -> tuple[list[ContactHit], bool, str]:
    filters = ListFilters(kind="contact", query=query)
    rows = list(
        contacts_for_list(connection=connection, filters=filters).values(
            "desk_id", "first_name", "last_name", "email", "phone", "mobile"
        )[: PER_ORG + 1]
    )
    hits = [
        ContactHit(
            desk_id=row["desk_id"],
            name=_contact_name(row["first_name"], row["last_name"], row["email"]),
            email=row["email"],
            phone=row["phone"] or row["mobile"],
        )
        for row in rows[:PER_ORG]
    ]
    return hits, len(rows) > PER_ORG, f"{reverse('customers:contacts')}?{filters.to_query()}"


def search_orgs(
    *, connections: list[DeskConnection], query: str, tickets: bool = True, contacts: bool = True
) -> list[OrgResults]:
    """``query`` (already through ``clean_query``) in each connection's mirror: tickets and/or contacts."""
    results = []
    for connection in connections:
        found = OrgResults(connection=connection, searched_tickets=tickets, searched_contacts=contacts)
        if tickets:
            found.tickets, found.more_tickets, found.queue_url = _tickets(connection, query)
        if contacts:
            found.contacts, found.more_contacts, found.contacts_url = _contacts(connection, query)
        results.append(found)
    return results
