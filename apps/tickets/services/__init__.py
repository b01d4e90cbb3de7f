"""Ticket writes, by topic: ``fields`` (status, priority, assignment, edit, create, trash),
``conversation`` (comment, reply, and the refresh when a ticket is opened), ``attachments``, ``bulk``,
``saved_views``; ``stale`` is the stale-write guard and ``desk_call`` the audited Desk call they share.
Import from the topic module; the conversation refresh is re-exported here because the sync uses it too."""

from apps.tickets.services.conversation import ticket_conversation_refresh

__all__ = ["ticket_conversation_refresh"]
