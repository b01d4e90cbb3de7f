"""Conversation reads: a ticket's threads and comments as one sanitised time line, whether it is due a
refresh from Desk, and the From addresses a reply may use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.safestring import SafeString

from apps.connections.models import DeskConnection
from apps.team.models import SupportAddress
from apps.team.selectors import support_addresses_for_department
from apps.tickets.display import sanitize_html
from apps.tickets.models import Ticket, TicketComment, TicketThread


@dataclass
class ConversationEntry:
    kind: str  # "thread" or "comment"
    id: str
    when: datetime | None
    author: str
    direction: str
    is_public: bool
    channel: str
    to: str
    cc: str
    subject: str
    body: SafeString
    summary: str


def conversation_for(*, ticket: Ticket, newest_first: bool = True) -> list[ConversationEntry]:
    """Threads and comments of a ticket as one time line, sanitised."""
    entries: list[ConversationEntry] = []
    for thread in TicketThread.objects.filter(ticket=ticket, is_deleted=False):
        body = thread.content if thread.content is not None else thread.summary
        entries.append(
            ConversationEntry(
                kind="thread",
                id=thread.desk_id,
                when=thread.created_time,
                author=thread.author_name or thread.author_email or thread.from_email_address or "Unknown",
                direction=thread.direction,
                is_public=thread.visibility != "private",
                channel=thread.channel,
                to=thread.to,
                cc=thread.cc,
                subject=thread.subject,
                body=sanitize_html(body, content_type=thread.content_type or "html"),
                summary=thread.summary,
            )
        )
    for comment in TicketComment.objects.filter(ticket=ticket, is_deleted=False):
        entries.append(
            ConversationEntry(
                kind="comment",
                id=comment.desk_id,
                when=comment.commented_time,
                author=comment.commenter_name or "Agent",
                direction="",
                is_public=comment.is_public,
                channel="",
                to="",
                cc="",
                subject="",
                body=sanitize_html(comment.content, content_type=comment.content_type or "plainText"),
                summary="",
            )
        )
    oldest = datetime.min.replace(tzinfo=timezone.get_current_timezone())
    entries.sort(key=lambda e: (e.when or oldest, e.id), reverse=newest_first)
    return entries


def conversation_is_stale(ticket: Ticket, *, now: datetime | None = None) -> bool:
    """True when the mirrored conversation may be behind Desk: never fetched, older than the ticket's
    last change, or older than TICKETS_CONVERSATION_MAX_AGE seconds."""
    fetched = ticket.conversation_synced_at
    if fetched is None:
        return True
    if ticket.desk_modified_time and ticket.desk_modified_time > fetched:
        return True
    max_age = timedelta(seconds=settings.TICKETS_CONVERSATION_MAX_AGE)
    return (now or timezone.now()) - fetched > max_age


def department_addresses(*, connection: DeskConnection, department_desk_id: str) -> list[SupportAddress]:
    """The From addresses a reply on a ticket of this department may use, default first (0 API calls).

    Desk keeps them apart from the department (``GET /mailReplyAddress``); apps.team mirrors them.
    """
    return support_addresses_for_department(connection=connection, department_desk_id=department_desk_id)
