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
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db.models import F, Q
from django.utils import timezone

from apps.connections.models import DeskConnection
from apps.core.models import AuditEntry
from apps.core.services import audit_record
from apps.desk import types as desk
from apps.desk.client import DeskClient
from apps.desk.errors import DeskError
from apps.mirror.apply import plain_text
from apps.tickets.credits import credits_spent
from apps.tickets.mirror import mirror_apply_conversation, mirror_apply_ticket
from apps.tickets.models import BulkJob, BulkJobItem, Ticket, TicketComment, TicketThread, UnknownWrite
from apps.tickets.services.desk_call import desk_client

Kind = UnknownWrite.Kind
State = UnknownWrite.State

# How many of the newest objects one look walks at most (pages of LOOK_PAGE, newest first).
LOOK_PAGE = 20
LOOK_MAX = 100


class WriteOutcomeUnknown(DeskError):
    """Desk's answer was lost and looking has not settled it yet: the draft is kept, nothing is resent."""

    def __init__(self, write: UnknownWrite) -> None:
        super().__init__(
            "Desk may have saved this — checking. Your draft is kept; nothing is sent again until Desk says.",
            error_code="OUTCOME_UNKNOWN",
        )
        self.write = write


class WriteNotSaved(DeskError):
    """Desk's answer was lost and Desk does not have the object: sending it again is safe."""

    def __init__(self, write: UnknownWrite) -> None:
        super().__init__(
            "Desk's answer was lost and Desk did not save this. Your draft is kept; send it again.",
            error_code="NOT_SAVED",
        )
        self.write = write


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
    normal = {
        key: _normal(value) if isinstance(value, str) else value
        for key, value in payload.items()
        if key != "attachments"
    }
    raw = json.dumps([kind, connection.pk, ticket_desk_id, normal], sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def known_ids(
    *, kind: str, connection: DeskConnection, ticket: Ticket | None, payload: dict[str, Any]
) -> list[str]:
    """What the mirror already has of the kind the write makes: none of these can be the new object."""
    if kind == Kind.COMMENT and ticket is not None:
        return list(TicketComment.objects.filter(ticket=ticket).values_list("desk_id", flat=True))
    if kind == Kind.REPLY and ticket is not None:
        return list(TicketThread.objects.filter(ticket=ticket).values_list("desk_id", flat=True))
    if kind == Kind.CREATE:
        since = timezone.now() - timedelta(seconds=settings.TICKETS_UNKNOWN_WINDOW_SECONDS)
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
    return UnknownWrite.objects.create(
        connection=connection,
        actor=actor if actor is not None and actor.is_authenticated else None,
        kind=kind,
        action=action,
        ticket_desk_id=ticket_desk_id,
        fingerprint=write_fingerprint(
            kind=kind, connection=connection, ticket_desk_id=ticket_desk_id, payload=payload
        ),
        payload=payload,
        known_ids=known,
        sent_at=sent_at,
        bulk_item=bulk_item,
        message="Desk's answer was lost; it may have saved this.",
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
    fingerprint = write_fingerprint(
        kind=kind, connection=connection, ticket_desk_id=ticket_desk_id, payload=payload
    )
    since = timezone.now() - timedelta(seconds=settings.TICKETS_UNKNOWN_WINDOW_SECONDS)
    wanted = Q(state=State.UNKNOWN)
    if retry_of and str(retry_of).isdecimal():
        wanted |= Q(pk=int(str(retry_of)))
    earlier = list(
        UnknownWrite.objects.filter(
            wanted, connection=connection, fingerprint=fingerprint, sent_at__gte=since
        )
    )
    for write in earlier:
        if write.state == State.UNKNOWN:
            unknown_write_check(write, client=client)
    for write in earlier:
        if write.state == State.SAVED:
            raise AlreadySaved(write)
    for write in earlier:
        if write.state == State.UNKNOWN:
            raise WriteOutcomeUnknown(write)


def unknown_write_settle_now(
    write: UnknownWrite, *, client: DeskClient | None = None
) -> desk.DeskObject | None:
    """Right after the lost answer: wait briefly, look once. Returns when it was saved (Desk's object, or
    None when another looker settled it first: ``write.result_desk_id`` names it); raises ``WriteNotSaved``
    or ``WriteOutcomeUnknown`` otherwise (a background look is queued then)."""
    delay = float(settings.TICKETS_UNKNOWN_CHECK_DELAY)
    if delay > 0:
        time.sleep(delay)
    found = unknown_write_check(write, client=client)
    if write.state == State.SAVED:
        return found
    if write.state == State.NOT_SAVED:
        raise WriteNotSaved(write)
    unknown_writes_queue_reconcile()
    raise WriteOutcomeUnknown(write)


# --- looking and settling -------------------------------------------------------------------------------


def unknown_write_check(write: UnknownWrite, *, client: DeskClient | None = None) -> desk.DeskObject | None:
    """Look for the write's object in Desk once and settle the write if the look is conclusive.

    Returns Desk's object when it is found (the write is SAVED then). A look that fails (Desk down,
    rate-limited) leaves the write unknown. Only one of several concurrent lookers records the outcome.
    """
    if write.state != State.UNKNOWN:
        return None
    owned = client is None
    desk_api = client or desk_client(write.connection, priority="background")
    before = credits_spent(desk_api)
    try:
        found = _look(write, desk_api)
    except DeskError as error:
        UnknownWrite.objects.filter(pk=write.pk).update(
            checks=F("checks") + 1,
            checked_at=timezone.now(),
            message=f"Could not look yet: {error.message}"[:500],
        )
        write.refresh_from_db()
        return None
    finally:
        spent = max(0, (credits_spent(desk_api) or 0) - (before or 0))
        if owned:
            desk_api.close()
    if found is not None:
        _settle(write, State.SAVED, found=found, credits=spent)
        return found if write.state == State.SAVED else None
    if timezone.now() >= write.sent_at + timedelta(seconds=float(settings.TICKETS_UNKNOWN_SETTLE_SECONDS)):
        _settle(write, State.NOT_SAVED, found=None, credits=spent)
    else:
        UnknownWrite.objects.filter(pk=write.pk).update(checks=F("checks") + 1, checked_at=timezone.now())
        write.refresh_from_db()
    return None


def unknown_writes_reconcile(
    *, connection: DeskConnection | None = None, older_than: float | None = None
) -> int:
    """Look once for every write still unknown (sent at least ``older_than`` seconds ago, the check delay by
    default); returns how many are still unknown afterwards."""
    wait = float(settings.TICKETS_UNKNOWN_CHECK_DELAY if older_than is None else older_than)
    rows = UnknownWrite.objects.filter(
        state=State.UNKNOWN, sent_at__lte=timezone.now() - timedelta(seconds=wait)
    )
    if connection is not None:
        rows = rows.filter(connection=connection)
    for write in rows.select_related("connection").order_by("sent_at", "id"):
        unknown_write_check(write)
    remaining = UnknownWrite.objects.filter(state=State.UNKNOWN)
    if connection is not None:
        remaining = remaining.filter(connection=connection)
    return remaining.count()


RECONCILE_QUEUED = "tickets:unknown-writes-reconcile-queued"


def unknown_writes_queue_reconcile() -> None:
    """One background look later on (at most one queued at a time), where the task backend can wait."""
    from django.tasks import default_task_backend

    from apps.tickets.tasks import unknown_writes_reconcile_task

    if not getattr(default_task_backend, "supports_defer", False):
        return  # tests' immediate backend: the page's own checks and the caller settle it
    recheck = int(settings.TICKETS_UNKNOWN_RECHECK_SECONDS)
    if not cache.add(RECONCILE_QUEUED, 1, timeout=recheck * 4):
        return  # one is queued already
    run_after = timezone.now() + timedelta(seconds=recheck)
    unknown_writes_reconcile_task.using(run_after=run_after).enqueue()


def _settle(write: UnknownWrite, state: str, *, found: desk.DeskObject | None, credits: int) -> None:
    desk_id = str(getattr(found, "id", "") or "")
    now = timezone.now()
    won = UnknownWrite.objects.filter(pk=write.pk, state=State.UNKNOWN).update(
        state=state,
        resolved_at=now,
        checked_at=now,
        checks=F("checks") + 1,
        result_desk_id=desk_id,
        message="Desk had saved it." if state == State.SAVED else "Desk did not save it.",
    )
    write.refresh_from_db()
    if not won:
        return  # another looker settled it a moment ago and recorded it
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
    since = write.sent_at - timedelta(seconds=settings.TICKETS_UNKNOWN_WINDOW_SECONDS)
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


def _first_match[T](
    items: Iterable[T], *, since: datetime, when: Callable[[T], datetime | None], matches: Callable[[T], bool]
) -> T | None:
    """The oldest matching item among the newest ones (walked newest first until older than ``since``)."""
    found: T | None = None
    for item in items:
        moment = when(item)
        if moment is not None and moment < since:
            break
        if matches(item):
            found = item  # keep walking: the oldest match is the write's (a later one is a copy)
    return found


def _normal(text: str) -> str:
    return " ".join(plain_text(text or "").split()).strip()


def _same_start(summary: str, content: str, *, length: int = 60) -> bool:
    """Desk's thread summary is the start of the message as plain text: compare letters and digits only."""
    a = re.sub(r"\W+", "", _normal(summary).lower())[:length]
    b = re.sub(r"\W+", "", _normal(content).lower())[:length]
    if not a or not b:
        return False
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def _field_equal(current: Any, wanted: Any) -> bool:
    if wanted in (None, ""):
        return current in (None, "")
    return str(current or "").strip().lower() == str(wanted).strip().lower()
