"""The stale-write guard: a signed note of what the agent saw, and the check that stops a write when the
mirror (a webhook or a sync) holds a newer version of the ticket."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core import signing

from apps.desk.types import parse_datetime
from apps.tickets.models import Ticket, TicketThread

SEEN_SALT = "tickets.seen"
# The fields whose change the stale-write guard reports, with the words it uses.
WATCHED_FIELDS = {
    "subject": "Subject",
    "status": "Status",
    "priority": "Priority",
    "assignee_desk_id": "Assignee",
    "team_desk_id": "Team",
    "department_desk_id": "Department",
    "due_date": "Due date",
}


def snapshot_value(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return "" if value is None else str(value)


def ticket_seen_token(ticket: Ticket) -> str:
    """A signed note of what the agent is looking at, sent back with every write on the ticket."""
    return signing.dumps(
        {
            "m": snapshot_value(ticket.desk_modified_time),
            "f": {name: snapshot_value(getattr(ticket, name)) for name in WATCHED_FIELDS},
            "t": ticket.thread_count,
            "c": snapshot_value(ticket.customer_response_time),
        },
        salt=SEEN_SALT,
    )


def ticket_seen_read(token: str) -> dict[str, Any] | None:
    """What a form's signed note says the agent saw (None when absent or tampered with)."""
    if not token:
        return None
    try:
        return signing.loads(token, salt=SEEN_SALT)
    except signing.BadSignature:
        return None


@dataclass
class FieldChange:
    label: str
    before: str
    after: str


@dataclass
class StaleTicket(Exception):
    """The ticket changed in Desk since the agent opened it; they must see what changed and confirm."""

    ticket: Ticket
    changes: list[FieldChange] = field(default_factory=list)
    new_messages: list[TicketThread] = field(default_factory=list)

    def __str__(self) -> str:
        return "The ticket changed in Desk since you opened it."


def ticket_check_not_stale(*, ticket: Ticket, seen: dict[str, Any] | None, for_reply: bool = False) -> None:
    """Raise StaleTicket when the mirror holds a newer version than the one the agent saw.

    A reply is also stopped by a new customer message, even when no watched field changed.
    """
    if not seen:
        return
    seen_modified = parse_datetime(seen.get("m"))
    current = ticket.desk_modified_time
    changed = current is not None and (seen_modified is None or current > seen_modified)
    seen_fields = seen.get("f") or {}
    changes = [
        FieldChange(label, str(seen_fields.get(name, "")), snapshot_value(getattr(ticket, name)))
        for name, label in WATCHED_FIELDS.items()
        if name in seen_fields and seen_fields[name] != snapshot_value(getattr(ticket, name))
    ]
    seen_customer = parse_datetime(seen.get("c"))
    new_messages: list[TicketThread] = []
    customer_wrote = ticket.customer_response_time is not None and (
        seen_customer is None or ticket.customer_response_time > seen_customer
    )
    # Incoming messages newer than anything the agent saw (the agent's own replies are outgoing).
    cutoff = seen_customer or seen_modified
    if cutoff is not None and (customer_wrote or ticket.thread_count > int(seen.get("t") or 0)):
        threads = TicketThread.objects.filter(
            ticket=ticket, is_deleted=False, direction="in", created_time__gt=cutoff
        )
        new_messages = list(threads.order_by("-created_time")[:5])
    if for_reply and (customer_wrote or new_messages):
        raise StaleTicket(ticket=ticket, changes=changes, new_messages=new_messages)
    if changed and (changes or new_messages or customer_wrote):
        raise StaleTicket(ticket=ticket, changes=changes, new_messages=new_messages)
