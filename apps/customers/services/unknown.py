"""Contact and account creates whose answer was lost: recorded, looked for in Desk, settled "saved" or "not saved".

The same reconcile the tickets app runs for its writes (apps/tickets/services/unknown.py), on the customers'
own ``UnknownCreate`` rows (the customers app may not import tickets):

1. a create whose answer never arrives (``DeskOutcomeUnknown``) is recorded with the draft as sent, the ids
   of the newest records the mirror already had, and the time; the audit entry says ``unknown``;
2. Desk's newest contacts (or accounts) are looked through once, right away (one list call, newest first,
   walked back to shortly before the send), for one with the same content that is not a known id;
3. found → "unknown → saved" (the mirror gets Desk's copy; the create counts as done). Not found once
   ``TICKETS_UNKNOWN_SETTLE_SECONDS`` have passed since the send → "unknown → not saved" (sending again is
   safe). Otherwise it stays unknown: the form says "Desk may have saved this — checking" and keeps the
   draft; a background look (``unknown_creates_reconcile``) asks again;
4. before a create is sent, an unsettled earlier try of the same draft (or the try the form's retry names)
   is settled first, so a retry never makes a second copy.

The timings are the tickets' settings (``TICKETS_UNKNOWN_CHECK_DELAY``, ``…_SETTLE_SECONDS``,
``…_WINDOW_SECONDS``, ``…_RECHECK_SECONDS``): one policy for every lost answer.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db.models import F, Q
from django.utils import timezone

from apps.connections.models import DeskConnection
from apps.connections.services import desk_client_for
from apps.core.models import AuditEntry
from apps.core.services import audit_record
from apps.customers.models import Account, Contact, UnknownCreate
from apps.desk import types as desk
from apps.desk.client import DeskClient
from apps.desk.errors import DeskError
from apps.mirror import apply as mirror

State = UnknownCreate.State
LOOK_PAGE = 20  # the newest records one look walks, a page at a time ...
LOOK_MAX = 100  # ... and at most
# What must be equal for Desk's record to be the draft (the draft's empty fields are not compared).
MATCHED = {"contact": ("last_name", "first_name", "email"), "account": ("account_name",)}
ENTITY = {"contact": "contacts", "account": "accounts"}


class CreateOutcomeUnknown(DeskError):
    """Desk's answer was lost and looking has not settled it yet: the draft is kept, nothing is resent."""

    def __init__(self, write: UnknownCreate) -> None:
        super().__init__(
            "Desk may have saved this — checking. Your draft is kept; nothing is sent again until Desk says.",
            error_code="OUTCOME_UNKNOWN",
        )
        self.write = write


class CreateNotSaved(DeskError):
    """Desk's answer was lost and Desk does not have the record: sending it again is safe."""

    def __init__(self, write: UnknownCreate) -> None:
        super().__init__(
            "Desk's answer was lost and Desk did not save this. Your draft is kept; send it again.",
            error_code="NOT_SAVED",
        )
        self.write = write


def _normal(value: Any) -> str:
    return " ".join(str(value or "").split()).lower()


def write_fingerprint(*, kind: str, connection: DeskConnection, payload: dict[str, Any]) -> str:
    """The same draft in the same org gives the same fingerprint (whitespace and case aside)."""
    normal = {k: _normal(v) if isinstance(v, str) else v for k, v in payload.items()}
    raw = json.dumps([kind, connection.pk, normal], sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def _window() -> timedelta:
    return timedelta(seconds=float(settings.TICKETS_UNKNOWN_WINDOW_SECONDS))


def known_ids(model: type[Contact] | type[Account], *, connection: DeskConnection) -> list[str]:
    """The records of this kind the mirror has from the last window: none of these can be the new one."""
    since = timezone.now() - _window()
    rows = model.objects.filter(connection=connection, created_time__gte=since)
    return list(rows.order_by().values_list("desk_id", flat=True)[: LOOK_MAX * 2])


def unknown_create_record(
    *,
    kind: str,
    actor: User | None,
    connection: DeskConnection,
    payload: dict[str, Any],
    known: list[str],
    sent_at: datetime,
) -> UnknownCreate:
    return UnknownCreate.objects.create(
        connection=connection,
        actor=actor if actor is not None and actor.is_authenticated else None,
        kind=kind,
        fingerprint=write_fingerprint(kind=kind, connection=connection, payload=payload),
        payload=payload,
        known_ids=known,
        sent_at=sent_at,
        message="Desk's answer was lost; it may have saved this.",
    )


def unknown_creates_before_send(
    *, kind: str, connection: DeskConnection, payload: dict[str, Any], retry_of: str | int | None = None
) -> str | None:
    """Settle earlier tries of this draft before it is sent again: returns the Desk id of the record Desk
    already has (nothing must be sent), raises ``CreateOutcomeUnknown`` while a try cannot be settled yet,
    returns None when sending is safe."""
    fingerprint = write_fingerprint(kind=kind, connection=connection, payload=payload)
    wanted = Q(state=State.UNKNOWN)
    if retry_of and str(retry_of).isdecimal():
        wanted |= Q(pk=int(str(retry_of)))
    earlier = list(
        UnknownCreate.objects.filter(
            wanted, connection=connection, fingerprint=fingerprint, sent_at__gte=timezone.now() - _window()
        ).select_related("connection")
    )
    for write in earlier:
        unknown_create_check(write)
    for write in earlier:
        if write.state == State.SAVED and write.result_desk_id:
            return write.result_desk_id
    for write in earlier:
        if write.state == State.UNKNOWN:
            raise CreateOutcomeUnknown(write)
    return None


def unknown_create_settle_now(write: UnknownCreate) -> str:
    """Right after the lost answer: wait briefly, look once. Returns the saved record's Desk id (mirrored);
    raises ``CreateNotSaved`` or ``CreateOutcomeUnknown`` (a background look is queued then)."""
    delay = float(settings.TICKETS_UNKNOWN_CHECK_DELAY)
    if delay > 0:
        time.sleep(delay)
    unknown_create_check(write)
    if write.state == State.SAVED:
        return write.result_desk_id
    if write.state == State.NOT_SAVED:
        raise CreateNotSaved(write)
    unknown_creates_queue_reconcile()
    raise CreateOutcomeUnknown(write)


def unknown_create_check(write: UnknownCreate) -> None:
    """Look for the create's record in Desk once and settle it if the look is conclusive. A look that fails
    (Desk down, rate-limited) leaves it unknown; of several concurrent lookers only one records the outcome."""
    if write.state != State.UNKNOWN:
        return
    with desk_client_for(write.connection) as api:
        before = api.credits_spent
        try:
            found = _look(write, api)
        except DeskError as error:
            UnknownCreate.objects.filter(pk=write.pk).update(
                checks=F("checks") + 1,
                checked_at=timezone.now(),
                message=f"Could not look yet: {error.message}"[:500],
            )
            write.refresh_from_db()
            return
        spent = max(0, api.credits_spent - before)
    settle_by = write.sent_at + timedelta(seconds=float(settings.TICKETS_UNKNOWN_SETTLE_SECONDS))
    if found is not None:
        _settle(write, State.SAVED, found=found, credits=spent)
    elif timezone.now() >= settle_by:
        _settle(write, State.NOT_SAVED, found=None, credits=spent)
    else:
        UnknownCreate.objects.filter(pk=write.pk).update(checks=F("checks") + 1, checked_at=timezone.now())
        write.refresh_from_db()


def unknown_creates_reconcile(*, connection: DeskConnection | None = None) -> int:
    """Look once for every create still unknown (sent at least the check delay ago); returns how many are
    still unknown afterwards."""
    wait = timedelta(seconds=float(settings.TICKETS_UNKNOWN_CHECK_DELAY))
    rows = UnknownCreate.objects.filter(state=State.UNKNOWN, sent_at__lte=timezone.now() - wait)
    if connection is not None:
        rows = rows.filter(connection=connection)
    for write in rows.select_related("connection").order_by("sent_at", "id"):
        unknown_create_check(write)
    remaining = UnknownCreate.objects.filter(state=State.UNKNOWN)
    if connection is not None:
        remaining = remaining.filter(connection=connection)
    return remaining.count()


RECONCILE_QUEUED = "customers:unknown-creates-reconcile-queued"


def unknown_creates_queue_reconcile() -> None:
    """One background look later on (at most one queued at a time), where the task backend can wait."""
    from django.tasks import default_task_backend

    from apps.customers.tasks import unknown_creates_reconcile_task

    if not getattr(default_task_backend, "supports_defer", False):
        return  # tests' immediate backend: the form's retry settles it
    recheck = int(settings.TICKETS_UNKNOWN_RECHECK_SECONDS)
    if not cache.add(RECONCILE_QUEUED, 1, timeout=recheck * 4):
        return
    unknown_creates_reconcile_task.using(run_after=timezone.now() + timedelta(seconds=recheck)).enqueue()


def _settle(write: UnknownCreate, state: str, *, found: desk.DeskObject | None, credits: int) -> None:
    desk_id = str(getattr(found, "id", "") or "")
    now = timezone.now()
    won = UnknownCreate.objects.filter(pk=write.pk, state=State.UNKNOWN).update(
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
    if found is not None:
        mirror.apply_objects(write.connection, ENTITY[write.kind], [found])
    saved = state == State.SAVED
    audit_record(
        actor=write.actor,
        action=f"{write.kind}.create",
        org_id=write.connection.org_id,
        target_type=write.kind,
        target_id=desk_id,
        outcome=AuditEntry.Outcome.SUCCESS if saved else AuditEntry.Outcome.FAILURE,
        message="unknown → saved" if saved else "unknown → not saved",
        api_calls=write.checks,
        credits=credits,
        detail={"unknown_create": write.pk, "desk_id": desk_id, "sent_at": write.sent_at.isoformat()},
    )


def _look(write: UnknownCreate, api: DeskClient) -> desk.DeskObject | None:
    """The oldest record among Desk's newest (made since shortly before the send) that has the draft's
    content and is not a known id, fetched whole; None if there is none."""
    newest: Iterator[desk.Contact] | Iterator[desk.Account]
    if write.kind == UnknownCreate.Kind.CONTACT:
        newest = api.contacts_list(sort_by="-createdTime", page_size=LOOK_PAGE, max_items=LOOK_MAX)
    else:
        newest = api.accounts_list(sort_by="-createdTime", page_size=LOOK_PAGE, max_items=LOOK_MAX)
    since = write.sent_at - _window()
    known = set(map(str, write.known_ids or []))
    payload = write.payload or {}
    wanted = {name: _normal(payload[name]) for name in MATCHED[write.kind] if payload.get(name)}
    match: desk.Contact | desk.Account | None = None
    for item in newest:
        if item.created_time is not None and item.created_time < since:
            break
        if str(item.id) not in known and all(_normal(getattr(item, n, "")) == v for n, v in wanted.items()):
            match = item  # keep walking: the oldest match is this create's (a later one is someone's copy)
    if match is None:
        return None
    if write.kind == UnknownCreate.Kind.CONTACT:
        return api.contact_get(str(match.id))
    return api.account_get(str(match.id))
