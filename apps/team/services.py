"""Team writes to the mirror that are not per-object sync: the org's support email addresses."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from apps.connections.models import DeskConnection
from apps.connections.services import desk_client_for
from apps.core.models import AuditEntry
from apps.core.services import audit_record
from apps.desk.client import DeskClient
from apps.desk.errors import DeskError
from apps.desk.types import DeskRecord, FromAddress
from apps.team.models import SupportAddress

# One address as the client types it, or as Desk's JSON (a webhook payload).
AddressItem = FromAddress | DeskRecord

# GET /mailReplyAddress (MailReplyAddress.json, getReplyMailAddresses): ``from`` starts at 1 there
# (its schema's minimum and default), ``limit`` is at most 100, and ``departmentId=allDepartment``
# lists every department's addresses in one walk.
ADDRESSES_PAGE_SIZE = 100
# A safety stop: an org with more than this many From addresses is not one DeskAdmin knows.
ADDRESSES_MAX_PAGES = 20


def _value(item: AddressItem, *names: str) -> Any:
    """A field of one address, whether Desk's camelCase JSON or the client's FromAddress (snake_case)."""
    for name in names:
        if isinstance(item, dict):
            if name in item:
                return item[name]
            continue
        if hasattr(item, name):
            return getattr(item, name)
        extra = getattr(item, "extra", None)
        if isinstance(extra, dict) and name in extra:
            return extra[name]
    return None


def _as_dict(item: AddressItem) -> dict[str, Any]:
    """What Desk said about the address, kept in ``raw`` (JSON-safe)."""
    if isinstance(item, dict):
        return item
    if dataclasses.is_dataclass(item) and not isinstance(item, type):
        data = {f.name: getattr(item, f.name) for f in dataclasses.fields(item) if f.name != "extra"}
        return json.loads(json.dumps({**getattr(item, "extra", {}), **data}, default=str))
    return {}


def support_addresses_fetch(client: DeskClient) -> tuple[list[FromAddress], int]:
    """Every From address of the org, as Desk lists them, and the number of calls it took (the client
    walks the pages, 100 a page, until a short one)."""
    items = client.support_email_addresses(max_items=ADDRESSES_PAGE_SIZE * ADDRESSES_MAX_PAGES)
    return items, min(len(items) // ADDRESSES_PAGE_SIZE + 1, ADDRESSES_MAX_PAGES)


def support_addresses_apply(connection: DeskConnection, items: Iterable[AddressItem]) -> int:
    """Make the mirror hold exactly these addresses (the absent ones are marked deleted); returns how many."""
    seen: list[str] = []
    now = timezone.now()
    with transaction.atomic():
        for item in items:
            desk_id = str(_value(item, "id") or "")
            address = str(_value(item, "address") or "").strip()
            if not desk_id or not address:
                continue
            active = _value(item, "isActive", "is_active")
            verified = _value(item, "isVerified", "is_verified")
            SupportAddress.objects.update_or_create(
                connection=connection,
                desk_id=desk_id,
                defaults={
                    "address": address[:254],
                    "display_name": str(_value(item, "displayName", "display_name") or "")[:200],
                    "department_desk_id": str(_value(item, "departmentId", "department_id") or ""),
                    "is_department_default": bool(
                        _value(item, "isDepartmentDefault", "is_department_default")
                    ),
                    "is_active": True if active is None else bool(active),
                    "is_verified": None if verified is None else bool(verified),
                    "raw": _as_dict(item),
                    "is_deleted": False,
                    "synced_at": now,
                },
            )
            seen.append(desk_id)
        SupportAddress.objects.filter(connection=connection, is_deleted=False).exclude(
            desk_id__in=seen
        ).update(is_deleted=True)
    return len(seen)


def support_addresses_refresh(connection: DeskConnection, client: DeskClient) -> int:
    """Mirror the org's support email addresses from Desk; returns the number of API calls made.

    Called by the sync engine's team refresh and initial sync, and once after an org is connected
    if nothing is mirrored yet. One call (a list: 3 credits) for an org with up to 100 addresses.
    """
    items, calls = support_addresses_fetch(client)
    support_addresses_apply(connection, items)
    return calls


def support_addresses_refresh_now(*, actor: User, connection: DeskConnection) -> int:
    """Refresh the From addresses at a person's request (one call), recorded in the audit log."""
    with desk_client_for(connection) as client:
        before = client.credits_spent
        try:
            calls = support_addresses_refresh(connection, client)
        except DeskError as error:
            audit_record(
                actor=actor,
                action="team.from_addresses.refresh",
                org_id=connection.org_id,
                outcome=AuditEntry.Outcome.FAILURE,
                message=error.message,
                api_calls=1,
                credits=client.credits_spent - before,
                detail={"error_code": error.error_code or "", "status": error.status},
            )
            raise
        spent = client.credits_spent - before
    audit_record(
        actor=actor,
        action="team.from_addresses.refresh",
        org_id=connection.org_id,
        api_calls=calls,
        credits=spent,
        detail={"addresses": SupportAddress.objects.filter(connection=connection, is_deleted=False).count()},
    )
    return calls
