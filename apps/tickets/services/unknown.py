"""Writes whose answer was lost: recorded, looked for in Desk, settled "saved" or "not saved".

A create, comment or reply whose answer never arrives (read timeout, connection cut mid-answer, a
gateway's 502/504: ``DeskOutcomeUnknown``) may or may not have been saved by Desk. Sending it again blindly
would make a second ticket, a second comment, a second email to the customer. So the console:

1. records an ``UnknownWrite`` (the draft as sent, the ids of that kind the mirror already had, the time)
   and an audit entry with the outcome ``unknown``;
2. looks for the object once, right away, after ``TICKETS_UNKNOWN_CHECK_DELAY`` (one list call, newest
   first: the ticket's comments or threads, or the department's tickets), matching the same content made
   since shortly before the send and not among the known ids;
3. settles it: found → "unknown → saved" (the mirror gets Desk's copy; the write counts as done); not found
   once ``TICKETS_UNKNOWN_SETTLE_SECONDS`` have passed since the send (Desk cannot still be working on it)
   → "unknown → not saved" (sending again is safe). Otherwise it stays unknown: the page shows "Desk may
   have saved this — checking" and asks again, and ``unknown_writes_reconcile`` (a task) does too;
4. before any write is sent, an unsettled write with the same draft is settled first
   (``unknown_writes_before_send``), so a retry never sends a second copy of what Desk already has.

Bulk jobs' changes (PATCH, safe to resend) reconcile the same way: the ticket is read and the change is
saved when Desk's fields already say what the job asked for.

The steps, the timing and the matching helpers are shared with the customers' creates (``apps.mirror.unknown``);
this module says what a ticket write looks for and what settling it does (mirror, bulk item, audit entry).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db.models import F
from django.utils import timezone

from apps.connections.models import DeskConnection
from apps.core.models import AuditEntry
from apps.core.services import audit_record
from apps.desk import types as desk
from apps.desk.client import DeskClient
from apps.mirror import unknown as lost
from apps.mirror.unknown import field_equal as _field_equal
from apps.mirror.unknown import first_match as _first_match
from apps.mirror.unknown import normal_text as _normal
from apps.mirror.unknown import same_start as _same_start
from apps.tickets.mirror import mirror_apply_conversation, mirror_apply_ticket
from apps.tickets.models import BulkJob, BulkJobItem, Ticket, TicketComment, TicketThread, UnknownWrite
from apps.tickets.services.desk_call import desk_client

Kind = UnknownWrite.Kind
State = UnknownWrite.State

# How many of the newest objects one look walks at most (pages of LOOK_PAGE, newest first).
LOOK_PAGE = 20
LOOK_MAX = 100


class WriteOutcomeUnknown(lost.OutcomeUnknown):
    """Desk's answer was lost and looking has not settled it yet: the draft is kept, nothing is resent."""

    write: UnknownWrite


class WriteNotSaved(lost.NotSaved):
    """Desk's answer was lost and Desk does not have the object: sending it again is safe."""

    write: UnknownWrite


class AlreadySaved(Exception):
    """The draft being sent is one Desk already has (an earlier try whose answer was lost): not resent."""

    def __init__(self, write: UnknownWrite) -> None:
        super().__init__(f"already saved as {write.result_desk_id}")
        self.write = write


# --- recording ------------------------------------------------------------------------------------------


def write_fingerprint(
    *, kind: str, connection: DeskConnection, ticket_desk_id: str, payload: dict[str, Any]
) -> str:
    """The same draft to the same place gives the same fingerprint (whitespace aside; a reply's file names,
    kept for the page, are not part of it)."""
    return lost.fingerprint(
        kind, connection.pk, ticket_desk_id, payload=payload, normal=_normal, leave_out="attachments"
    )


def known_ids(
    *, kind: str, connection: DeskConnection, ticket: Ticket | None, payload: dict[str, Any]
) -> list[str]:
    """What the mirror already has of the kind the write makes: none of these can be the new object."""
    if kind == Kind.COMMENT and ticket is not None:
        return list(TicketComment.objects.filter(ticket=ticket).values_list("desk_id", flat=True))
    if kind == Kind.REPLY and ticket is not None:
        return list(TicketThread.objects.filter(ticket=ticket).values_list("desk_id", flat=True))
    if kind == Kind.CREATE:
        since = timezone.now() - lost.window()
        return list(
            Ticket.objects.filter(
                connection=connection,
                department_desk_id=str(payload.get("department_id", "")),
                created_time__gte=since,
            ).values_list("desk_id", flat=True)
        )
    return []


def unknown_write_record(
    *,
    kind: str,
    action: str,
    actor: User | None,
    connection: DeskConnection,
    ticket_desk_id: str,
    payload: dict[str, Any],
    known: list[str],
    sent_at: datetime,
    bulk_item: BulkJobItem | None = None,
) -> UnknownWrite:
    return lost.record(
        UnknownWrite,
        connection=connection,
        actor=actor,
        fingerprint=write_fingerprint(
            kind=kind, connection=connection, ticket_desk_id=ticket_desk_id, payload=payload
        ),
        payload=payload,
        known=known,
        sent_at=sent_at,
        kind=kind,
        action=action,
        ticket_desk_id=ticket_desk_id,
        bulk_item=bulk_item,
    )


def unknown_writes_before_send(
    *,
    kind: str,
    connection: DeskConnection,
    ticket_desk_id: str,
    payload: dict[str, Any],
    retry_of: str | int | None = None,
    client: DeskClient | None = None,
) -> None:
    """Settle earlier tries of this same draft before it is sent again.

    Raises ``AlreadySaved`` when Desk has it (an unsettled try turned out saved, or the page's retry names
    a try that was), ``WriteOutcomeUnknown`` while one still cannot be settled; returns when sending is safe.
    """
    saved = lost.earlier_tries_settled(
        UnknownWrite,
        connection=connection,
        fingerprint=write_fingerprint(
            kind=kind, connection=connection, ticket_desk_id=ticket_desk_id, payload=payload
        ),
        retry_of=retry_of,
        check=lambda write: unknown_write_check(write, client=client),
        pending=WriteOutcomeUnknown,
    )
    if saved is not None:
        raise AlreadySaved(saved)


def unknown_write_settle_now(
    write: UnknownWrite, *, client: DeskClient | None = None
) -> desk.DeskObject | None:
    """Right after the lost answer: wait briefly, look once. Returns when it was saved (Desk's object, or
    None when another looker settled it first: ``write.result_desk_id`` names it); raises ``WriteNotSaved``
    or ``WriteOutcomeUnknown`` otherwise (a background look is queued then)."""
    return lost.settle_now(
        write,
        check=lambda write: unknown_write_check(write, client=client),
        queue_reconcile=unknown_writes_queue_reconcile,
        not_saved=WriteNotSaved,
        pending=WriteOutcomeUnknown,
    )


# --- looking and settling -------------------------------------------------------------------------------


def _background_client(connection: DeskConnection) -> DeskClient:
    return desk_client(connection, priority="background")


def unknown_write_check(write: UnknownWrite, *, client: DeskClient | None = None) -> desk.DeskObject | None:
    """Look for the write's object in Desk once and settle the write if the look is conclusive.

    Returns Desk's object when it is found (the write is SAVED then). A look that fails (Desk down,
    rate-limited) leaves the write unknown. Only one of several concurrent lookers records the outcome.
    """
    return lost.check(write, look=_look, settled=_settled, open_client=_background_client, client=client)


def unknown_writes_reconcile(
    *, connection: DeskConnection | None = None, older_than: float | None = None
) -> int:
    """Look once for every write still unknown (sent at least ``older_than`` seconds ago, the check delay by
    default); returns how many are still unknown afterwards."""
    return lost.reconcile(
        UnknownWrite, check=unknown_write_check, connection=connection, older_than=older_than
    )


RECONCILE_QUEUED = "tickets:unknown-writes-reconcile-queued"


def unknown_writes_queue_reconcile() -> None:
    """One background look later on (at most one queued at a time), where the task backend can wait."""
    from apps.tickets.tasks import unknown_writes_reconcile_task

    lost.queue_reconcile(flag=RECONCILE_QUEUED, task=unknown_writes_reconcile_task)


def _settled(
    write: UnknownWrite, state: str, found: desk.DeskObject | None, desk_id: str, credits: int
) -> None:
    connection = write.connection
    ticket = (
        Ticket.objects.filter(connection=connection, desk_id=write.ticket_desk_id).first()
        if write.ticket_desk_id
        else None
    )
    if found is not None:
        _mirror_found(write, found, ticket)
    _settle_bulk_item(write, state)
    audit_record(
        actor=write.actor,
        action=write.action,
        org_id=connection.org_id,
        target_type="ticket",
        target_id=desk_id if write.kind == Kind.CREATE else write.ticket_desk_id,
        outcome=AuditEntry.Outcome.SUCCESS if state == State.SAVED else AuditEntry.Outcome.FAILURE,
        message="unknown → saved" if state == State.SAVED else "unknown → not saved",
        api_calls=write.checks,
        credits=credits,
        detail={"unknown_write": write.pk, "desk_id": desk_id, "sent_at": write.sent_at.isoformat()},
    )


def _mirror_found(write: UnknownWrite, found: desk.DeskObject, ticket: Ticket | None) -> None:
    connection = write.connection
    if write.kind in (Kind.CREATE, Kind.UPDATE) and isinstance(found, desk.Ticket):
        mirror_apply_ticket(connection, found)
    elif write.kind == Kind.COMMENT and ticket is not None and isinstance(found, desk.Comment):
        if not TicketComment.objects.filter(connection=connection, desk_id=found.id).exists():
            Ticket.objects.filter(pk=ticket.pk).update(comment_count=F("comment_count") + 1)
        mirror_apply_conversation(connection, ticket, "comments", [found])
    elif write.kind == Kind.REPLY and ticket is not None and isinstance(found, desk.Thread):
        if not TicketThread.objects.filter(connection=connection, desk_id=found.id).exists():
            Ticket.objects.filter(pk=ticket.pk).update(thread_count=F("thread_count") + 1)
        mirror_apply_conversation(connection, ticket, "threads", [found])


def _settle_bulk_item(write: UnknownWrite, state: str) -> None:
    if write.bulk_item_id is None:
        return
    saved = state == State.SAVED
    changed = BulkJobItem.objects.filter(pk=write.bulk_item_id, outcome=BulkJobItem.Outcome.UNKNOWN).update(
        outcome=BulkJobItem.Outcome.SUCCESS if saved else BulkJobItem.Outcome.FAILURE,
        message="" if saved else "Desk's answer was lost and Desk did not make the change; retry it.",
    )
    if changed:
        item = BulkJobItem.objects.get(pk=write.bulk_item_id)
        counter = "succeeded" if saved else "failed"
        BulkJob.objects.filter(pk=item.job_id).update(**{counter: F(counter) + 1})


# --- matching -------------------------------------------------------------------------------------------


def _look(write: UnknownWrite, api: DeskClient) -> desk.DeskObject | None:
    payload = write.payload or {}
    since = write.sent_at - lost.window()
    known = set(map(str, write.known_ids or []))
    if write.kind == Kind.COMMENT:
        comments = api.comments_list(
            write.ticket_desk_id, sort_by="-commentedTime", page_size=LOOK_PAGE, max_items=LOOK_MAX
        )
        return _first_match(
            comments,
            since=since,
            when=lambda c: c.commented_time,
            matches=lambda c: (
                str(c.id) not in known
                and _normal(c.content or "") == _normal(payload.get("content", ""))
                and bool(c.is_public) == bool(payload.get("is_public"))
            ),
        )
    if write.kind == Kind.REPLY:
        threads = api.threads_list(
            write.ticket_desk_id, sort_by="-sendDateTime", page_size=LOOK_PAGE, max_items=LOOK_MAX
        )
        sender = str(payload.get("from_email_address", "")).lower()
        thread = _first_match(
            threads,
            since=since,
            when=lambda t: t.created_time,
            matches=lambda t: (
                str(t.id) not in known
                and (t.direction or "out").lower() == "out"
                and (not sender or not t.from_email_address or t.from_email_address.lower() == sender)
                and _same_start(t.summary or "", payload.get("content", ""))
            ),
        )
        return api.thread_get(write.ticket_desk_id, thread.id) if thread is not None else None
    if write.kind == Kind.CREATE:
        tickets = api.tickets_list(
            department_id=str(payload.get("department_id", "")) or None,
            sort_by="-createdTime",
            page_size=LOOK_PAGE,
            max_items=LOOK_MAX,
        )
        email = str((payload.get("contact") or {}).get("email", "") or payload.get("email", "")).lower()
        contact_id = str(payload.get("contact_id", "") or "")
        ticket = _first_match(
            tickets,
            since=since,
            when=lambda t: t.created_time,
            matches=lambda t: (
                str(t.id) not in known
                and _normal(t.subject or "") == _normal(payload.get("subject", ""))
                and (not contact_id or str(t.contact_id or "") == contact_id)
                and (not email or (t.email or "").lower() == email)
            ),
        )
        return api.ticket_get(ticket.id) if ticket is not None else None
    if write.kind == Kind.UPDATE:
        current = api.ticket_get(write.ticket_desk_id)
        wanted = payload.get("changes") or {}
        same = all(_field_equal(getattr(current, name, None), value) for name, value in wanted.items())
        return current if same else None
    return None
