"""Team writes to the mirror that are not per-object sync: the org's support email addresses."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.connections.models import DeskConnection
from apps.team.models import SupportAddress

# GET /mailReplyAddress (MailReplyAddress.json, getReplyMailAddresses): ``from`` starts at 1 there
# (its schema's minimum and default), ``limit`` is at most 100, and ``departmentId=allDepartment``
# lists every department's addresses in one walk.
ADDRESSES_PATH = "/mailReplyAddress"
ADDRESSES_PAGE_SIZE = 100
ADDRESSES_FIRST_INDEX = 1
# A safety stop: an org with more than this many From addresses is not one DeskAdmin knows.
ADDRESSES_MAX_PAGES = 20


def _value(item: Any, *names: str) -> Any:
    """A field of one address, whether it is Desk's camelCase JSON or a client object in snake_case."""
    for name in names:
        if isinstance(item, dict) and name in item:
            return item[name]
        if not isinstance(item, dict) and hasattr(item, name):
            return getattr(item, name)
    return None


def _as_dict(item: Any) -> dict[str, Any]:
    if isinstance(item, dict):
        return item
    raw = getattr(item, "raw", None)
    if isinstance(raw, dict):
        return raw
    return {k: v for k, v in vars(item).items() if not k.startswith("_")} if hasattr(item, "__dict__") else {}


def _fetch_with_client_method(client: Any) -> tuple[list[Any], int] | None:
    """Part C's ``support_email_addresses`` when the client has it: (addresses, calls made)."""
    method = getattr(client, "support_email_addresses", None)
    if method is None:
        return None
    items: list[Any] = []
    calls = 0
    start = ADDRESSES_FIRST_INDEX
    while calls < ADDRESSES_MAX_PAGES:
        page = list(method(department_id="allDepartment", from_index=start, limit=ADDRESSES_PAGE_SIZE))
        calls += 1
        items.extend(page)
        if len(page) < ADDRESSES_PAGE_SIZE:
            break
        start += len(page)
    return items, calls


def _fetch_raw(client: Any) -> tuple[list[dict[str, Any]], int]:
    """Walk ``GET /mailReplyAddress`` through the client's transport: (addresses, calls made)."""
    items: list[dict[str, Any]] = []
    calls = 0
    start = ADDRESSES_FIRST_INDEX
    while calls < ADDRESSES_MAX_PAGES:
        body = client.http.json(
            "GET",
            ADDRESSES_PATH,
            retry="idempotent",
            params={"departmentId": "allDepartment", "from": start, "limit": ADDRESSES_PAGE_SIZE},
        )
        calls += 1
        page = body.get("data") or [] if isinstance(body, dict) else []
        items.extend(item for item in page if isinstance(item, dict))
        if len(page) < ADDRESSES_PAGE_SIZE:
            break
        start += len(page)
    return items, calls


def support_addresses_fetch(client: Any) -> tuple[list[Any], int]:
    """Every From address of the org, as Desk lists them, and the number of calls it took."""
    try:
        fetched = _fetch_with_client_method(client)
    except TypeError:
        # The client's method takes other keyword names than expected: use the documented path.
        fetched = None
    return fetched if fetched is not None else _fetch_raw(client)


def support_addresses_apply(connection: DeskConnection, items: Iterable[Any]) -> int:
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


def support_addresses_refresh(connection: DeskConnection, client: Any) -> int:
    """Mirror the org's support email addresses from Desk; returns the number of API calls made.

    Called by the sync engine's team refresh and initial sync, and once after an org is connected
    if nothing is mirrored yet. One call (a list: 3 credits) for an org with up to 100 addresses.
    """
    items, calls = support_addresses_fetch(client)
    support_addresses_apply(connection, items)
    return calls
