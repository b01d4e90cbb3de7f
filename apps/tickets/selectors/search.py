"""Full-text search over the ticket mirror (FTS5 on SQLite, tsvector on PostgreSQL) behind one selector."""

from __future__ import annotations

import re

from django.db import connections
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from apps.connections.models import DeskConnection
from apps.tickets.models import Ticket

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 8


def search_terms(query: str) -> list[str]:
    """The words of a search box entry; punctuation and operators are dropped, so input can't break a query."""
    return _WORD.findall(query or "")[:MAX_TERMS]


def tickets_search(connection: DeskConnection, query: str) -> QuerySet[Ticket]:
    """Tickets of the connection whose subject, description, conversation or contact name/email contain
    every word of ``query`` (each as a word prefix), newest first. Deleted tickets are left out."""
    tickets = Ticket.objects.filter(connection=connection, is_deleted=False)
    terms = search_terms(query)
    if not terms:
        return tickets.none()
    vendor = connections[Ticket.objects.db].vendor
    if vendor == "sqlite":
        # Each term quoted (so FTS5 syntax in input is inert) and prefix-matched; terms are ANDed.
        match = " ".join('"' + term.replace('"', "") + '"*' for term in terms)
        ids = RawSQL("SELECT rowid FROM tickets_ticket_fts WHERE tickets_ticket_fts MATCH %s", (match,))
        return tickets.filter(id__in=ids).order_by("-modified_time", "-desk_id")
    if vendor == "postgresql":
        tsquery = " & ".join(f"{term}:*" for term in (t.replace("'", "") for t in terms) if term)
        return tickets.extra(where=["search_vector @@ to_tsquery('simple', %s)"], params=[tsquery]).order_by(
            "-modified_time", "-desk_id"
        )
    # Any other database: a plain, slower substring search over the same text.
    for term in terms:
        tickets = tickets.filter(Q(subject__icontains=term) | Q(search_text__icontains=term))
    return tickets.order_by("-modified_time", "-desk_id")
