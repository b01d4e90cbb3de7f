"""Conversation writes and refresh: comments and replies (one Desk call each, mirrored from Desk's answer,
audited), and the refresh of a ticket's threads, comments and attachment metadata when it is opened."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import IO, Any, cast

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db.models import F
from django.utils import timezone

from apps.core.models import AuditEntry
from apps.core.services import audit_record
from apps.customers.models import Contact
from apps.desk.client import DeskClient
from apps.desk.errors import DeskError, DeskOutcomeUnknown
from apps.desk.types import Thread as DeskThread
from apps.mirror.apply import plain_text
from apps.tickets.display import sanitize_html
from apps.tickets.mirror import mirror_apply_conversation, mirror_mark_deleted, ticket_search_text
from apps.tickets.models import Ticket, TicketThread
from apps.tickets.selectors.detail import ticket_reloaded
from apps.tickets.services.desk_call import desk_call_audited, desk_client, ticket_desk_call
from apps.tickets.services.fields import ticket_status_change
from apps.tickets.services.stale import ticket_check_not_stale
from apps.tickets.services.tags import ticket_tags_followers_refresh
from apps.tickets.services.unknown import (
    AlreadySaved,
    Kind,
    known_ids,
    unknown_write_record,
    unknown_write_settle_now,
    unknown_writes_before_send,
)


def ticket_comment_add(
    *,
    actor: User,
    ticket: Ticket,
    content: str,
    is_public: bool,
    seen: dict[str, Any] | None = None,
    confirmed: bool = False,
    retry_of: str | None = None,
) -> Ticket:
    """A comment (private by default) on the ticket; the mirror gets Desk's copy of it.

    If Desk's answer is lost, the comment is looked for before anything else happens (services.unknown):
    found, it counts as added; otherwise ``WriteNotSaved`` or ``WriteOutcomeUnknown`` is raised, and the
    same draft is never sent again while an earlier try of it may be in Desk (``retry_of`` names the try
    the page offers to send again).
    """
    connection = ticket.connection
    payload = {"content": content, "is_public": is_public}
    try:
        unknown_writes_before_send(
            kind=Kind.COMMENT,
            connection=connection,
            ticket_desk_id=ticket.desk_id,
            payload=payload,
            retry_of=retry_of,
        )
    except AlreadySaved:
        return ticket_reloaded(ticket)
    known = known_ids(kind=Kind.COMMENT, connection=connection, ticket=ticket, payload=payload)
    sent_at = timezone.now()
    try:
        comment = ticket_desk_call(
            actor=actor,
            ticket=ticket,
            action="ticket.comment",
            call=lambda desk: desk.comment_create(ticket.desk_id, content=content, is_public=is_public),
            detail={"is_public": is_public},
            seen=seen,
            confirmed=confirmed,
        )
    except DeskOutcomeUnknown:
        write = unknown_write_record(
            kind=Kind.COMMENT,
            action="ticket.comment",
            actor=actor,
            connection=connection,
            ticket_desk_id=ticket.desk_id,
            payload=payload,
            known=known,
            sent_at=sent_at,
        )
        unknown_write_settle_now(write)  # returns when saved (mirrored and counted there)
        return ticket_reloaded(ticket)
    mirror_apply_conversation(ticket.connection, ticket, "comments", [comment])
    Ticket.objects.filter(pk=ticket.pk).update(comment_count=F("comment_count") + 1)
    return ticket_reloaded(ticket)


class ReplySentStatusFailed(Exception):
    """The reply went out, but the status change asked for with it failed (the reply is not undone)."""

    def __init__(self, *, ticket: Ticket, status: str, error: DeskError) -> None:
        super().__init__(f"status {status}: {error}")
        self.ticket = ticket
        self.status = status
        self.error = error


def ticket_reply_send(
    *,
    actor: User,
    ticket: Ticket,
    from_address: str,
    to: str,
    cc: str,
    content: str,
    content_type: str,
    bcc: str = "",
    files: Sequence[UploadedFile] = (),
    then_status: str = "",
    seen: dict[str, Any] | None = None,
    confirmed: bool = False,
    retry_of: str | None = None,
) -> Ticket:
    """Email the customer (Desk's sendReply); never over a customer message the agent has not seen.

    A reply whose answer is lost is looked for among the ticket's newest threads before anything else
    (services.unknown, as for comments): the customer never gets the same email twice from a retry.

    HTML is sanitised before it goes to Desk. ``files`` are uploaded first (POST /uploads, one audited
    call each) and referenced by ``attachmentIds``. With ``then_status`` the ticket's status is changed
    after the reply (its own audited call); if only that fails, ReplySentStatusFailed says so.
    """
    if not confirmed:
        ticket_check_not_stale(ticket=ticket, seen=seen, for_reply=True)
    if content_type == "html":
        content = str(sanitize_html(content, content_type="html"))
    connection = ticket.connection
    # sendReply (Thread.json): channel, content and fromEmailAddress are required; cc/bcc only when given.
    reply: dict[str, Any] = {
        "channel": "EMAIL",
        "from_email_address": from_address,
        "to": to,
        "content": content,
        "content_type": content_type,
    }
    if cc:
        reply["cc"] = cc
    if bcc:
        reply["bcc"] = bcc
    payload = {
        "from_email_address": from_address,
        "to": to,
        "cc": cc,
        "bcc": bcc,
        "content": content,
        "content_type": content_type,
    }
    try:
        unknown_writes_before_send(
            kind=Kind.REPLY,
            connection=connection,
            ticket_desk_id=ticket.desk_id,
            payload=payload,
            retry_of=retry_of,
        )
    except AlreadySaved:
        return ticket_reloaded(ticket)
    known = known_ids(kind=Kind.REPLY, connection=connection, ticket=ticket, payload=payload)
    mirrored = False
    with desk_client(connection) as desk:
        upload_ids = []
        for upload in files:
            upload.seek(0)
            try:
                uploaded = desk_call_audited(
                    actor=actor,
                    action="ticket.reply.upload",
                    connection=connection,
                    target_id=ticket.desk_id,
                    client=desk,
                    call=functools.partial(
                        desk.upload,
                        filename=upload.name or "file",
                        content=cast("IO[bytes]", upload.file),
                        content_type=upload.content_type or "application/octet-stream",
                    ),
                    detail={"name": upload.name, "size": upload.size},
                )
            except DeskOutcomeUnknown:
                # An upload is on no ticket until a reply names it, and this reply is stopped here: whatever
                # Desk kept, the ticket has no such file, so the unknown entry is settled at once (no look:
                # Desk has no list of uploads). Sending the reply again uploads the file again.
                audit_record(
                    actor=actor,
                    action="ticket.reply.upload",
                    org_id=connection.org_id,
                    target_type="ticket",
                    target_id=ticket.desk_id,
                    outcome=AuditEntry.Outcome.FAILURE,
                    message="unknown → not saved (the reply was not sent, so the file is on no ticket)",
                    detail={"name": upload.name, "size": upload.size},
                )
                raise
            upload_ids.append(str(uploaded.id))
        if upload_ids:
            reply["attachment_ids"] = upload_ids
        sent_at = timezone.now()
        try:
            thread = desk_call_audited(
                actor=actor,
                action="ticket.reply",
                connection=connection,
                target_id=ticket.desk_id,
                client=desk,
                call=lambda: desk.reply_send(ticket.desk_id, **reply),
                detail={
                    "to": to,
                    "cc": cc,
                    "bcc": bcc,
                    "from": from_address,
                    "content_type": content_type,
                    "attachments": [f.name for f in files],
                },
            )
        except DeskOutcomeUnknown:
            write = unknown_write_record(
                kind=Kind.REPLY,
                action="ticket.reply",
                actor=actor,
                connection=connection,
                ticket_desk_id=ticket.desk_id,
                payload={**payload, "attachments": [f.name for f in files]},
                known=known,
                sent_at=sent_at,
            )
            found = unknown_write_settle_now(write, client=desk)  # returns when saved
            if found is None:
                return ticket_reloaded(ticket)  # settled by another look, which mirrored it
            thread = cast("DeskThread", found)
            mirrored = True  # the look mirrored and counted it
    if not mirrored:
        if not thread.content:
            thread.content = content
            thread.content_type = content_type
        mirror_apply_conversation(connection, ticket, "threads", [thread])
        Ticket.objects.filter(pk=ticket.pk).update(thread_count=F("thread_count") + 1)
    ticket = ticket_reloaded(ticket)
    if upload_ids:
        # The files are the ticket's attachments now: mirror their metadata (one list call).
        with desk_client(connection) as desk:
            try:
                attachments = list(desk.attachments_list(ticket.desk_id))
            except DeskError:
                attachments = []
        if attachments:
            mirror_apply_conversation(connection, ticket, "attachments", attachments)
            Ticket.objects.filter(pk=ticket.pk).update(attachment_count=len(attachments))
    if then_status and then_status != ticket.status:
        try:
            # The agent passed the stale guard for this reply; the reply itself changed the ticket.
            ticket = ticket_status_change(actor=actor, ticket=ticket, status=then_status, confirmed=True)
        except DeskError as error:
            raise ReplySentStatusFailed(
                ticket=ticket_reloaded(ticket), status=then_status, error=error
            ) from error
    return ticket_reloaded(ticket)


def ticket_conversation_refresh(
    *, ticket: Ticket, force: bool = False, client: DeskClient | None = None
) -> Ticket:
    """Bring a ticket's conversation up to date from Desk (threads, comments, attachment metadata).

    Fresh means fetched after the ticket's last Desk modification (a reply or comment bumps it), so
    refreshing an unchanged ticket costs no call unless ``force`` (the detail page forces when
    ``selectors.conversation.conversation_is_stale`` also counts age). Otherwise 3 list calls, plus one
    per thread whose full content the mirror lacks (the newest ``TICKETS_THREAD_CONTENTS_PER_OPEN``):
    Desk lists threads as summaries, and a kept content makes later opens free. Raises the Desk client's
    errors.
    """
    fresh = (
        ticket.conversation_synced_at is not None
        and ticket.desk_modified_time is not None
        and ticket.conversation_synced_at >= ticket.desk_modified_time
    )
    if fresh and not force:
        return ticket
    connection = ticket.connection
    desk = client or desk_client(connection)
    try:
        threads = list(desk.threads_list(ticket.desk_id))
        comments = list(desk.comments_list(ticket.desk_id))
        attachments = list(desk.attachments_list(ticket.desk_id))
        mirror_apply_conversation(connection, ticket, "threads", threads)
        mirror_apply_conversation(connection, ticket, "comments", comments)
        mirror_apply_conversation(connection, ticket, "attachments", attachments)
        # What Desk no longer lists (a deleted comment) is gone.
        for entity, items in (("threads", threads), ("comments", comments), ("attachments", attachments)):
            present = {str(i.id) for i in items}
            related = getattr(ticket, entity).filter(is_deleted=False).values_list("desk_id", flat=True)
            mirror_mark_deleted(connection, entity, set(related) - present)
        missing = TicketThread.objects.filter(ticket=ticket, is_deleted=False, content__isnull=True).order_by(
            "-created_time"
        )[: settings.TICKETS_THREAD_CONTENTS_PER_OPEN]
        full = [desk.thread_get(ticket.desk_id, thread.desk_id) for thread in missing]
        # Tags and followers travel with the conversation: Desk's ticket lists carry neither (2 calls).
        ticket_tags_followers_refresh(ticket=ticket, client=desk)
    finally:
        if client is None:
            desk.close()
    if full:
        mirror_apply_conversation(connection, ticket, "threads", full)
    texts = [plain_text(t.content) or t.summary for t in ticket.threads.filter(is_deleted=False)]
    texts += [plain_text(c.content) for c in ticket.comments.filter(is_deleted=False)]
    ticket.conversation_text = " ".join(t for t in texts if t)
    contact = Contact.objects.filter(connection=connection, desk_id=ticket.contact_desk_id).first()
    ticket.search_text = ticket_search_text(ticket, contact)
    ticket.conversation_synced_at = timezone.now()
    ticket.save(update_fields=["conversation_text", "search_text", "conversation_synced_at"])
    return ticket
