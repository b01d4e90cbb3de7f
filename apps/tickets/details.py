"""Ticket detail reads from the mirror: the ticket in scope, its cards, SLA targets, the conversation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import nh3
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.html import linebreaks
from django.utils.safestring import SafeString, mark_safe

from apps.connections.models import DeskConnection
from apps.connections.selectors import connections_for_user
from apps.customers.models import Account, Contact
from apps.desk.types import parse_datetime
from apps.team.models import Agent, Department, SupportAddress, Team
from apps.team.selectors import support_addresses_for_department
from apps.tickets.models import Ticket, TicketAttachment, TicketComment, TicketThread

# Tags and attributes Desk's email HTML may keep; everything else (scripts, styles, events) goes.
ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "code", "div", "em", "h1", "h2", "h3", "h4", "hr", "i", "li", "ol", "p",
    "pre", "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}


def sanitize_html(content: str | None, *, content_type: str = "html") -> SafeString:
    """Desk content made safe to render: HTML through nh3's allow-list, plain text escaped."""
    if not content:
        return mark_safe("")
    if content_type.lower() in ("plaintext", "plain", "text"):
        return mark_safe(linebreaks(content, autoescape=True))  # noqa: S308 - escaped by linebreaks
    cleaned = nh3.clean(
        content,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(cleaned)  # noqa: S308 - cleaned by nh3's allow-list


def ticket_for_user(*, user: Any, desk_id: str, connection: DeskConnection | None = None) -> Ticket | None:
    """The mirrored ticket with that Desk id in an org the user may see (never another org's)."""
    if not desk_id.isdigit() or len(desk_id) > 32:
        return None
    tickets = Ticket.objects.filter(
        desk_id=desk_id, connection__in=connections_for_user(user=user), is_deleted=False
    ).select_related("connection")
    if connection is not None:
        preferred = tickets.filter(connection=connection).first()
        if preferred is not None:
            return preferred
    return tickets.first()


@dataclass
class SlaTarget:
    """One SLA target for display: always an icon name and words, never colour alone."""

    label: str
    due: datetime | None
    state: str  # "met", "breached", "running", "none"
    text: str

    @property
    def icon(self) -> str:
        return {"met": "check", "breached": "alert", "running": "clock"}.get(self.state, "")

    @property
    def symbol(self) -> str:
        return {"met": "✓", "breached": "⚠", "running": "⏱"}.get(self.state, "–")


def _duration(delta: timedelta) -> str:
    minutes = int(abs(delta.total_seconds()) // 60)
    days, minutes = divmod(minutes, 1440)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


def _target(label: str, *, due: datetime | None, done_at: datetime | None, now: datetime) -> SlaTarget:
    if due is None:
        return SlaTarget(label, None, "none", "No target")
    if done_at is not None:
        if done_at <= due:
            return SlaTarget(label, due, "met", "Met")
        return SlaTarget(label, due, "breached", f"Breached by {_duration(done_at - due)}")
    if now > due:
        return SlaTarget(label, due, "breached", f"Breached {_duration(now - due)} ago")
    return SlaTarget(label, due, "running", f"{_duration(due - now)} left")


def sla_targets(ticket: Ticket, *, now: datetime | None = None) -> list[SlaTarget]:
    """First response and resolution: due time, remaining, met or breached."""
    now = now or timezone.now()
    raw = ticket.raw or {}
    first_response = parse_datetime(raw.get("responseTime") or raw.get("firstResponseTime"))
    resolved = ticket.closed_time if ticket.status_type == "Closed" else None
    return [
        _target("First response", due=ticket.response_due_date, done_at=first_response, now=now),
        _target("Resolution", due=ticket.due_date, done_at=resolved, now=now),
    ]


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


def attachments_for(*, ticket: Ticket) -> QuerySet[TicketAttachment]:
    return TicketAttachment.objects.filter(ticket=ticket, is_deleted=False)


def conversation_is_stale(ticket: Ticket, *, now: datetime | None = None) -> bool:
    """True when the mirrored conversation may be behind Desk: never fetched, older than the ticket's
    last change, or older than TICKETS_CONVERSATION_MAX_AGE seconds."""
    fetched = ticket.conversation_synced_at
    if fetched is None:
        return True
    if ticket.desk_modified_time and ticket.desk_modified_time > fetched:
        return True
    max_age = int(getattr(settings, "TICKETS_CONVERSATION_MAX_AGE", 300))
    return (now or timezone.now()) - fetched > timedelta(seconds=max_age)


@dataclass
class TicketCards:
    contact: Contact | None
    account: Account | None
    assignee: Agent | None
    team: Team | None
    department: Department | None


def cards_for(ticket: Ticket) -> TicketCards:
    """The people and places around a ticket, each looked up in the ticket's own org."""

    def one(model: Any, desk_id: str) -> Any:
        if not desk_id:
            return None
        return model.objects.filter(connection_id=ticket.connection_id, desk_id=desk_id).first()

    contact = one(Contact, ticket.contact_desk_id)
    account_id = ticket.account_desk_id or (contact.account_desk_id if contact else "")
    return TicketCards(
        contact=contact,
        account=one(Account, account_id),
        assignee=one(Agent, ticket.assignee_desk_id),
        team=one(Team, ticket.team_desk_id),
        department=one(Department, ticket.department_desk_id),
    )


def department_addresses(*, connection: DeskConnection, department_desk_id: str) -> list[SupportAddress]:
    """The From addresses a reply on a ticket of this department may use, default first (0 API calls).

    Desk keeps them apart from the department (``GET /mailReplyAddress``); apps.team mirrors them.
    """
    return support_addresses_for_department(connection=connection, department_desk_id=department_desk_id)


def from_address_choices(addresses: list[SupportAddress]) -> list[tuple[str, str]]:
    """The reply form's From choices: the address (what Desk takes) shown with its name; default marked."""
    choices: dict[str, str] = {}
    for support in addresses:
        label = f"{support.display_name} <{support.address}>" if support.display_name else support.address
        choices.setdefault(support.address, f"{label} (default)" if support.is_department_default else label)
    return list(choices.items())
