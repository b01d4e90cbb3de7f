"""How ticket data is shown (no queries): Desk HTML made safe, SLA targets in words, reply From choices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import nh3
from django.utils import timezone
from django.utils.html import linebreaks
from django.utils.safestring import SafeString, mark_safe

from apps.desk.types import parse_datetime
from apps.team.models import SupportAddress
from apps.tickets.models import Ticket

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


def from_address_choices(addresses: list[SupportAddress]) -> list[tuple[str, str]]:
    """The reply form's From choices: the address (what Desk takes) shown with its name; default marked."""
    choices: dict[str, str] = {}
    for support in addresses:
        label = f"{support.display_name} <{support.address}>" if support.display_name else support.address
        choices.setdefault(support.address, f"{label} (default)" if support.is_department_default else label)
    return list(choices.items())
