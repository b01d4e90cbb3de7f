"""Attachment writes: upload (size-checked first), delete, and the streamed download (audited, never
stored locally); one Desk call each."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import F

from apps.tickets.mirror import mirror_apply_conversation, mirror_mark_deleted
from apps.tickets.models import Ticket, TicketAttachment
from apps.tickets.services.desk_call import desk_call_audited, desk_client


class AttachmentTooLarge(ValueError):
    def __init__(self, *, name: str, size: int, limit: int) -> None:
        super().__init__(f"{name} is {size / 1048576:.1f} MB; the limit is {limit / 1048576:.0f} MB.")


def attachment_upload(
    *,
    actor: User,
    ticket: Ticket,
    filename: str,
    content: IO[bytes],
    size: int,
    content_type: str,
    is_public: bool = False,
) -> TicketAttachment:
    """Upload one file to the ticket in Desk (size-checked first) and mirror its metadata."""
    limit = settings.ATTACHMENT_MAX_BYTES
    if size > limit:
        raise AttachmentTooLarge(name=filename, size=size, limit=limit)
    connection = ticket.connection
    with desk_client(connection) as desk:
        attachment = desk_call_audited(
            actor=actor,
            action="ticket.attachment.upload",
            connection=connection,
            target_id=ticket.desk_id,
            client=desk,
            call=lambda: desk.attachment_upload(
                ticket.desk_id,
                filename=filename,
                content=content,
                content_type=content_type or "application/octet-stream",
                is_public=is_public,
            ),
            detail={"name": filename, "size": size},
        )
    if not attachment.name:
        attachment.name = filename
    mirror_apply_conversation(connection, ticket, "attachments", [attachment])
    Ticket.objects.filter(pk=ticket.pk).update(attachment_count=F("attachment_count") + 1)
    return TicketAttachment.objects.get(connection=connection, desk_id=attachment.id)


def attachment_delete(*, actor: User, attachment: TicketAttachment) -> None:
    ticket = attachment.ticket
    connection = ticket.connection
    with desk_client(connection) as desk:
        desk_call_audited(
            actor=actor,
            action="ticket.attachment.delete",
            connection=connection,
            target_id=ticket.desk_id,
            client=desk,
            call=lambda: desk.attachment_delete(ticket.desk_id, attachment.desk_id),
            detail={"name": attachment.name, "attachment_id": attachment.desk_id},
        )
    mirror_mark_deleted(connection, "attachments", [attachment.desk_id])
    Ticket.objects.filter(pk=ticket.pk, attachment_count__gt=0).update(
        attachment_count=F("attachment_count") - 1
    )


@dataclass
class AttachmentStream:
    """An open download from Desk: iterate ``chunks`` once; it closes the Desk response at the end."""

    filename: str
    content_type: str
    size: int | None
    chunks: Iterator[bytes]


def attachment_download_open(*, actor: User, attachment: TicketAttachment) -> AttachmentStream:
    """Start streaming an attachment's bytes from Desk (one call); nothing is stored locally."""
    ticket = attachment.ticket
    connection = ticket.connection
    desk = desk_client(connection)
    try:
        download = desk_call_audited(
            actor=actor,
            action="ticket.attachment.download",
            connection=connection,
            target_id=ticket.desk_id,
            client=desk,
            call=lambda: desk.attachment_download(ticket.desk_id, attachment.desk_id),
            detail={"name": attachment.name, "attachment_id": attachment.desk_id},
        )
    except Exception:
        desk.close()
        raise

    def chunks() -> Iterator[bytes]:
        try:
            yield from download.iter_bytes()
        finally:
            download.close()
            desk.close()

    return AttachmentStream(
        filename=attachment.name or download.filename or f"attachment-{attachment.desk_id}",
        content_type=download.content_type,
        size=download.size,
        chunks=chunks(),
    )
