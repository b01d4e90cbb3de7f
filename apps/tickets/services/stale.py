"""The stale-write guard: a signed note of what the agent saw, and the check that stops a write when the
mirror (a webhook or a sync) holds a newer version of the ticket."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core import signing
from django.db.models import Max
from django.utils.html import strip_tags

from apps.desk.types import parse_datetime
from apps.tickets.models import Ticket, TicketComment, TicketThread

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


def conversation_last_time(ticket: Ticket) -> datetime | None:
    """The time of the newest thread or comment the mirror holds for the ticket (None: no conversation)."""
    thread = TicketThread.objects.filter(ticket=ticket, is_deleted=False).aggregate(t=Max("created_time"))[
        "t"
    ]
    comment = TicketComment.objects.filter(ticket=ticket, is_deleted=False).aggregate(
        t=Max("commented_time")
    )["t"]
    times = [t for t in (thread, comment) if t is not None]
    return max(times) if times else None


def ticket_seen_token(ticket: Ticket) -> str:
    """A signed note of what the agent is looking at, sent back with every write on the ticket.

    ``l`` is the newest thread or comment on the page: a reply sent after someone else's reply or comment
    (another agent, in the console or in Desk) stops and shows it.
    """
    return signing.dumps(
        {
            "m": snapshot_value(ticket.desk_modified_time),
            "f": {name: snapshot_value(getattr(ticket, name)) for name in WATCHED_FIELDS},
            "t": ticket.thread_count,
            "c": snapshot_value(ticket.customer_response_time),
            "l": snapshot_value(conversation_last_time(ticket)),
        },
        salt=SEEN_SALT,
    )


def seen_fields_unchanged(before: dict[str, Any] | None, after: dict[str, Any] | None) -> bool:
    """True when two notes differ at most in the conversation's newest time: only new messages came in."""
    if not before or not after:
        return False
    return all(before.get(key) == after.get(key) for key in ("m", "f", "t", "c"))


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
class NewActivity:
    """A reply or comment someone else added since the agent opened the ticket."""

    kind: str  # "reply" or "comment"
    author: str
    when: datetime | None
    text: str
    is_public: bool = True


@dataclass
class StaleTicket(Exception):
    """The ticket changed in Desk since the agent opened it; they must see what changed and confirm."""

    ticket: Ticket
    changes: list[FieldChange] = field(default_factory=list)
    new_messages: list[TicketThread] = field(default_factory=list)
    # Replies and comments by others (for a reply); ``unseen_threads`` counts threads Desk reports that the
    # mirror's conversation does not hold yet.
    new_activity: list[NewActivity] = field(default_factory=list)
    unseen_threads: int = 0

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
    if for_reply:
        activity, unseen = _activity_since(ticket=ticket, seen=seen)
        if customer_wrote or new_messages or activity or unseen:
            raise StaleTicket(
                ticket=ticket,
                changes=changes,
                new_messages=new_messages,
                new_activity=activity,
                unseen_threads=unseen,
            )
    if changed and (changes or new_messages or customer_wrote):
        raise StaleTicket(ticket=ticket, changes=changes, new_messages=new_messages)


def _activity_since(*, ticket: Ticket, seen: dict[str, Any]) -> tuple[list[NewActivity], int]:
    """Others' replies and comments newer than the conversation the agent saw, and threads Desk counts that
    the mirror does not hold yet. Notes written before ``l`` existed check nothing here."""
    if "l" not in seen:
        return [], 0
    since = parse_datetime(seen.get("l"))
    threads = TicketThread.objects.filter(ticket=ticket, is_deleted=False).exclude(direction="in")
    comments = TicketComment.objects.filter(ticket=ticket, is_deleted=False)
    if since is not None:
        threads = threads.filter(created_time__gt=since)
        comments = comments.filter(commented_time__gt=since)
    activity = [
        NewActivity(
            kind="reply",
            author=thread.author_name or thread.from_email_address or "An agent",
            when=thread.created_time,
            text=thread.summary,
            is_public=thread.visibility != "private",
        )
        for thread in threads.order_by("-created_time")[:5]
    ]
    activity += [
        NewActivity(
            kind="comment",
            author=comment.commenter_name or "An agent",
            when=comment.commented_time,
            text=_plain(comment.content),
            is_public=comment.is_public,
        )
        for comment in comments.order_by("-commented_time")[:5]
    ]
    activity.sort(key=lambda item: item.when.isoformat() if item.when else "", reverse=True)
    unseen = max(0, ticket.thread_count - int(seen.get("t") or 0))
    mirrored_new = TicketThread.objects.filter(ticket=ticket, is_deleted=False)
    if since is not None:
        mirrored_new = mirrored_new.filter(created_time__gt=since)
    unseen = max(0, unseen - mirrored_new.count())
    return activity[:5], unseen


def _plain(html: str) -> str:
    return strip_tags(html or "")[:300]
