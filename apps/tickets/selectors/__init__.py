"""Ticket reads from the mirror (0 Desk calls), by topic: ``queue``, ``detail``, ``conversation``,
``attachments``, ``bulk``, ``saved_views`` and ``search``. Import from the topic module; full-text search
is re-exported here because the sync's tests and checks use it too."""

from apps.tickets.selectors.search import search_terms, tickets_search

__all__ = ["search_terms", "tickets_search"]
