"""Collision presence: who in the console is on a ticket right now, kept in the Django cache (the file cache
in the embedded profile, Redis in production, so every process sees it), never a Desk call."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache

from apps.tickets.models import Ticket

STATES = ("viewing", "replying")


def heartbeat_seconds() -> int:
    """How often an open ticket beats (TICKETS_PRESENCE_HEARTBEAT_SECONDS, 15 by default)."""
    return settings.TICKETS_PRESENCE_HEARTBEAT_SECONDS


def ttl_seconds() -> int:
    """An entry older than this has left: two missed beats and some slack (40 s at the default)."""
    return heartbeat_seconds() * 2 + 10


def presence_key(ticket: Ticket) -> str:
    # The connection's primary key keeps two orgs' tickets with the same Desk id apart.
    return f"tickets:presence:{ticket.connection_id}:{ticket.desk_id}"


def presence_entries(ticket: Ticket, *, now: float | None = None) -> dict[int, dict[str, Any]]:
    """Who beat on the ticket within ``ttl_seconds()``: user id -> {"state", "at"}."""
    now = time.time() if now is None else now
    entries = cache.get(presence_key(ticket)) or {}
    ttl = ttl_seconds()
    return {int(uid): entry for uid, entry in entries.items() if now - entry.get("at", 0) <= ttl}


def presence_heartbeat(*, ticket: Ticket, user: User, state: str, now: float | None = None) -> None:
    """Record that ``user`` is viewing (or replying on) the ticket now; ``state="left"`` removes them.

    One cache entry per ticket, read and written back: two beats at the same instant may drop one of
    them, which the next beat (a heartbeat later) puts back. Not a lock-worthy loss.
    """
    now = time.time() if now is None else now
    entries = presence_entries(ticket, now=now)
    if state in STATES:
        entries[user.pk] = {"state": state, "at": now}
    else:
        entries.pop(user.pk, None)
    key = presence_key(ticket)
    if entries:
        cache.set(key, entries, timeout=ttl_seconds())
    else:
        cache.delete(key)
