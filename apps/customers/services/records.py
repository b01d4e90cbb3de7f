"""The one shape of a customer write: create, edit, move to trash, parameterised by a ``RecordWrites``
description of the entity (contacts and accounts differ only in their fields and Desk calls).

Each write is one Desk call through ``customer_desk_call`` (audited either way); Desk's answer updates the
mirror. A create whose answer is lost is looked for before it counts as failed, and a retry of the same draft
is settled first (``services.unknown``), so Desk never gets a second copy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from apps.connections.models import DeskConnection
from apps.customers.models import Account, Contact
from apps.customers.services import unknown
from apps.customers.services.desk_call import customer_desk_call
from apps.customers.services.stale import customer_check_not_stale
from apps.desk import types as desk
from apps.desk.client import DeskClient
from apps.desk.errors import DeskOutcomeUnknown
from apps.mirror import apply as mirror
from apps.mirror.apply import mark_deleted

type Record = Contact | Account


@dataclass(frozen=True)
class RecordWrites:
    """What differs between a contact's and an account's writes."""

    kind: str  # "contact" / "account": the audit target type and action prefix
    model: type[Contact] | type[Account]
    entity: str  # the mirror entity ("contacts" / "accounts")
    # The fields the console edits, as the Desk client names them -> the mirror column each lands in.
    fields: dict[str, str]
    create: Callable[[DeskClient, dict[str, Any]], desk.Contact | desk.Account]
    update: Callable[[DeskClient, str, dict[str, Any]], desk.Contact | desk.Account]
    trash: Callable[[DeskClient, str], None]
    name_of_values: Callable[[dict[str, Any]], str]  # the audit entry's name of a create
    name_of_record: Callable[[Any], str]
    nullable: frozenset[str] = field(default_factory=frozenset)  # cleared as null, not ""


def _reloaded(writes: RecordWrites, connection: DeskConnection, desk_id: str) -> Any:
    return writes.model.objects.select_related("connection").get(connection=connection, desk_id=desk_id)


def _same(before: Any, after: Any) -> bool:
    if isinstance(after, Decimal) or isinstance(before, float):
        try:
            return before is not None and after is not None and Decimal(str(before)) == Decimal(str(after))
        except ArithmeticError:
            return False
    return (before or "") == (after or "")


def cf_text(value: Any) -> str:
    """A custom field's value as its form field shows it (so an untouched one, whatever its type, is not sent)."""
    return "" if value is None else str(value)


def record_create_values(writes: RecordWrites, fields: dict[str, Any]) -> dict[str, Any]:
    """What a create sends: the known fields that are filled in, and the custom fields that are."""
    values = {k: v for k, v in fields.items() if k in writes.fields and v not in ("", None)}
    custom = {k: v for k, v in (fields.get("cf") or {}).items() if v not in ("", None)}
    if custom:
        values["cf"] = custom
    return values


def record_create(
    writes: RecordWrites,
    *,
    actor: User,
    connection: DeskConnection,
    fields: dict[str, Any],
    retry_of: str | None = None,
) -> Any:
    """Create the record in Desk (empty fields left out) and mirror Desk's answer.

    Before sending, an earlier try of the same draft whose answer was lost is settled (found in Desk: that
    record is returned, nothing is sent; ``retry_of`` names the try the form's retry follows); if this send's
    answer is lost, Desk's newest records are looked through once: found, it counts as created; else
    ``CreateNotSaved`` / ``CreateOutcomeUnknown``.
    """
    values = record_create_values(writes, fields)
    earlier = unknown.unknown_creates_before_send(
        kind=writes.kind, connection=connection, payload=values, retry_of=retry_of
    )
    if earlier is not None:
        return _reloaded(writes, connection, earlier)
    known = unknown.known_ids(writes.model, connection=connection)
    sent_at = timezone.now()
    try:
        answer = customer_desk_call(
            actor=actor,
            connection=connection,
            action=f"{writes.kind}.create",
            target_type=writes.kind,
            target_id="",
            call=lambda desk: writes.create(desk, values),
            detail={"name": writes.name_of_values(values)},
        )
    except DeskOutcomeUnknown:
        write = unknown.unknown_create_record(
            kind=writes.kind, actor=actor, connection=connection, payload=values, known=known, sent_at=sent_at
        )
        return _reloaded(writes, connection, unknown.unknown_create_settle_now(write))
    mirror.apply_objects(connection, writes.entity, [answer])
    return _reloaded(writes, connection, answer.id)


def record_changes(writes: RecordWrites, record: Record, fields: dict[str, Any]) -> dict[str, Any]:
    """What an edit form changes (a cleared text field is sent as "" so Desk clears it; a nullable one as
    null); custom fields only where they differ from the mirror's."""
    changes: dict[str, Any] = {}
    for name, value in fields.items():
        if name not in writes.fields:
            continue
        before = getattr(record, writes.fields[name])
        if name in writes.nullable:
            if not (value is None and before is None) and not _same(before, value):
                changes[name] = value
        elif not _same(before, value):
            changes[name] = value or ""
    current = record.cf or {}
    custom = {k: v or "" for k, v in (fields.get("cf") or {}).items() if cf_text(current.get(k)) != (v or "")}
    if custom:
        changes["cf"] = custom
    return changes


def record_update(
    writes: RecordWrites,
    *,
    actor: User,
    record: Record,
    fields: dict[str, Any],
    seen: dict[str, Any] | None = None,
    confirmed: bool = False,
) -> Any:
    """Edit the record in Desk: the stale-write guard (unless confirmed), then one PATCH of what changed."""
    if not confirmed:
        customer_check_not_stale(record=record, seen=seen)
    changes = record_changes(writes, record, fields)
    if not changes:
        return record
    connection = record.connection
    answer = customer_desk_call(
        actor=actor,
        connection=connection,
        action=f"{writes.kind}.update",
        target_type=writes.kind,
        target_id=record.desk_id,
        call=lambda desk: writes.update(desk, record.desk_id, changes),
        detail={"fields": sorted(changes)},
    )
    mirror.apply_objects(connection, writes.entity, [answer])
    return _reloaded(writes, connection, record.desk_id)


def record_move_to_trash(writes: RecordWrites, *, actor: User, record: Record) -> None:
    """Delete the Desk way (``POST /<entity>/moveToTrash``); the mirror marks the record deleted."""
    connection = record.connection
    customer_desk_call(
        actor=actor,
        connection=connection,
        action=f"{writes.kind}.trash",
        target_type=writes.kind,
        target_id=record.desk_id,
        call=lambda desk: writes.trash(desk, record.desk_id),
        detail={"name": writes.name_of_record(record)},
    )
    mark_deleted(connection, writes.entity, [record.desk_id])
