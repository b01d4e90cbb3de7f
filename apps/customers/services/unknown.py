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

The steps, the errors, the timing (the settings ``TICKETS_UNKNOWN_CHECK_DELAY``, ``…_SETTLE_SECONDS``,
``…_WINDOW_SECONDS``, ``…_RECHECK_SECONDS``) and the matching helpers are the ones the tickets' writes use, in
``apps.mirror.unknown``: one policy for every lost answer. This module says what a create looks for and what
settling it does (Desk's copy mirrored, the audit entry).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from apps.connections.models import DeskConnection
from apps.connections.services import desk_client_for
from apps.core.models import AuditEntry
from apps.core.services import audit_record
from apps.customers.models import Account, Contact, UnknownCreate
from apps.desk import types as desk
from apps.desk.client import DeskClient
from apps.mirror import apply as mirror
from apps.mirror import unknown as lost
from apps.mirror.unknown import normal_words as _normal

State = UnknownCreate.State
LOOK_PAGE = 20  # the newest records one look walks, a page at a time ...
LOOK_MAX = 100  # ... and at most
# What must be equal for Desk's record to be the draft (the draft's empty fields are not compared).
MATCHED = {"contact": ("last_name", "first_name", "email"), "account": ("account_name",)}
ENTITY = {"contact": "contacts", "account": "accounts"}


class CreateOutcomeUnknown(lost.OutcomeUnknown):
    """Desk's answer was lost and looking has not settled it yet: the draft is kept, nothing is resent."""

    write: UnknownCreate


class CreateNotSaved(lost.NotSaved):
    """Desk's answer was lost and Desk does not have the record: sending it again is safe."""

    write: UnknownCreate


def write_fingerprint(*, kind: str, connection: DeskConnection, payload: dict[str, Any]) -> str:
    """The same draft in the same org gives the same fingerprint (whitespace and case aside)."""
    return lost.fingerprint(kind, connection.pk, payload=payload, normal=_normal)


def known_ids(model: type[Contact] | type[Account], *, connection: DeskConnection) -> list[str]:
    """The records of this kind the mirror has from the last window: none of these can be the new one."""
    since = timezone.now() - lost.window()
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
    return lost.record(
        UnknownCreate,
        connection=connection,
        actor=actor,
        fingerprint=write_fingerprint(kind=kind, connection=connection, payload=payload),
        payload=payload,
        known=known,
        sent_at=sent_at,
        kind=kind,
    )


def _saved_with_id(write: UnknownCreate) -> bool:
    return write.state == State.SAVED and bool(write.result_desk_id)


def unknown_creates_before_send(
    *, kind: str, connection: DeskConnection, payload: dict[str, Any], retry_of: str | int | None = None
) -> str | None:
    """Settle earlier tries of this draft before it is sent again: returns the Desk id of the record Desk
    already has (nothing must be sent), raises ``CreateOutcomeUnknown`` while a try cannot be settled yet,
    returns None when sending is safe."""
    saved = lost.earlier_tries_settled(
        UnknownCreate,
        connection=connection,
        fingerprint=write_fingerprint(kind=kind, connection=connection, payload=payload),
        retry_of=retry_of,
        check=unknown_create_check,
        pending=CreateOutcomeUnknown,
        saved=_saved_with_id,
    )
    return saved.result_desk_id if saved is not None else None


def unknown_create_settle_now(write: UnknownCreate) -> str:
    """Right after the lost answer: wait briefly, look once. Returns the saved record's Desk id (mirrored);
    raises ``CreateNotSaved`` or ``CreateOutcomeUnknown`` (a background look is queued then)."""
    lost.settle_now(
        write,
        check=unknown_create_check,
        queue_reconcile=unknown_creates_queue_reconcile,
        not_saved=CreateNotSaved,
        pending=CreateOutcomeUnknown,
    )
    return write.result_desk_id


def unknown_create_check(write: UnknownCreate) -> None:
    """Look for the create's record in Desk once and settle it if the look is conclusive. A look that fails
    (Desk down, rate-limited) leaves it unknown; of several concurrent lookers only one records the outcome."""
    lost.check(write, look=_look, settled=_settled, open_client=desk_client_for)


def unknown_creates_reconcile(*, connection: DeskConnection | None = None) -> int:
    """Look once for every create still unknown (sent at least the check delay ago); returns how many are
    still unknown afterwards."""
    return lost.reconcile(UnknownCreate, check=unknown_create_check, connection=connection)


RECONCILE_QUEUED = "customers:unknown-creates-reconcile-queued"


def unknown_creates_queue_reconcile() -> None:
    """One background look later on (at most one queued at a time), where the task backend can wait."""
    from apps.customers.tasks import unknown_creates_reconcile_task

    lost.queue_reconcile(flag=RECONCILE_QUEUED, task=unknown_creates_reconcile_task)


def _settled(
    write: UnknownCreate, state: str, found: desk.DeskObject | None, desk_id: str, credits: int
) -> None:
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


def _newest(write: UnknownCreate, api: DeskClient) -> Iterator[desk.Contact | desk.Account]:
    """Desk's newest records of the create's kind, newest first."""
    if write.kind == UnknownCreate.Kind.CONTACT:
        return api.contacts_list(sort_by="-createdTime", page_size=LOOK_PAGE, max_items=LOOK_MAX)
    return api.accounts_list(sort_by="-createdTime", page_size=LOOK_PAGE, max_items=LOOK_MAX)


def _look(write: UnknownCreate, api: DeskClient) -> desk.DeskObject | None:
    """The oldest record among Desk's newest (made since shortly before the send) that has the draft's
    content and is not a known id, fetched whole; None if there is none."""
    known = set(map(str, write.known_ids or []))
    payload = write.payload or {}
    wanted = {name: _normal(payload[name]) for name in MATCHED[write.kind] if payload.get(name)}

    def created(item: desk.Contact | desk.Account) -> datetime | None:
        return item.created_time

    def matches(item: desk.Contact | desk.Account) -> bool:
        return str(item.id) not in known and all(
            _normal(getattr(item, n, "")) == v for n, v in wanted.items()
        )

    match = lost.first_match(
        _newest(write, api), since=write.sent_at - lost.window(), when=created, matches=matches
    )
    if match is None:
        return None
    if write.kind == UnknownCreate.Kind.CONTACT:
        return api.contact_get(str(match.id))
    return api.account_get(str(match.id))
