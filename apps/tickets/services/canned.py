"""Canned replies: create, edit, delete (audited, no Desk call), and their placeholders filled in for a
ticket (``{{contact.first_name}}``, ``{{ticket.number}}``…): values escaped, unknown ones left visible."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.utils.html import escape

from apps.connections.models import DeskConnection
from apps.core.services import audit_record
from apps.tickets.display import sanitize_html
from apps.tickets.models import CannedReply

PLACEHOLDER_RE = re.compile(r"\{\{\s*([A-Za-z_][\w.]*)\s*\}\}")

# The placeholders a canned reply may use, with what each becomes (the canned replies page lists them).
PLACEHOLDERS = {
    "contact.first_name": "The contact's first name",
    "contact.last_name": "The contact's last name",
    "contact.name": "The contact's full name",
    "contact.email": "The contact's email address",
    "ticket.number": "The ticket number",
    "ticket.subject": "The ticket subject",
    "agent.name": "Your name",
    "agent.first_name": "Your first name",
}


@dataclass(frozen=True)
class Rendered:
    html: str
    unknown: list[str]  # placeholders left as they were (not a known name)
    empty: list[str]  # known placeholders with no value for this ticket (left visible too)


def clean_body(body: str) -> str:
    """A canned reply's HTML through the same allow-list as Desk's content (text typed without the
    editor keeps its line breaks)."""
    if "<" not in body:
        return str(sanitize_html(body, content_type="plainText"))
    return str(sanitize_html(body, content_type="html"))


def canned_render(body: str, values: Mapping[str, str]) -> Rendered:
    """Fill in the placeholders of ``body`` (HTML) with ``values`` (text, escaped here).

    An unknown placeholder, or a known one without a value, stays as written so the agent sees it.
    """
    unknown: list[str] = []
    empty: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in PLACEHOLDERS:
            if name not in unknown:
                unknown.append(name)
            return match.group(0)
        value = values.get(name, "")
        if not value:
            if name not in empty:
                empty.append(name)
            return match.group(0)
        return escape(value)

    html = str(sanitize_html(PLACEHOLDER_RE.sub(replace, body), content_type="html"))
    return Rendered(html=html, unknown=unknown, empty=empty)


def canned_create(
    *, actor: User, connection: DeskConnection, title: str, body: str, is_shared: bool
) -> CannedReply:
    reply = CannedReply.objects.create(
        connection=connection, owner=actor, title=title, body=clean_body(body), is_shared=is_shared
    )
    audit_record(
        actor=actor,
        action="canned_reply.create",
        org_id=connection.org_id,
        target_type="canned_reply",
        target_id=str(reply.pk),
        message=f"Canned reply “{title}”{' (shared)' if is_shared else ''} created.",
    )
    return reply


def canned_update(*, actor: User, reply: CannedReply, title: str, body: str, is_shared: bool) -> CannedReply:
    reply.title = title
    reply.body = clean_body(body)
    reply.is_shared = is_shared
    reply.save(update_fields=["title", "body", "is_shared", "updated_at"])
    audit_record(
        actor=actor,
        action="canned_reply.update",
        org_id=reply.connection.org_id,
        target_type="canned_reply",
        target_id=str(reply.pk),
        message=f"Canned reply “{title}” edited.",
    )
    return reply


def canned_delete(*, actor: User, reply: CannedReply) -> None:
    pk, title, org_id = reply.pk, reply.title, reply.connection.org_id
    reply.delete()
    audit_record(
        actor=actor,
        action="canned_reply.delete",
        org_id=org_id,
        target_type="canned_reply",
        target_id=str(pk),
        message=f"Canned reply “{title}” deleted.",
    )
