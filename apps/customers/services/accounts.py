"""Account writes: create, edit, move to trash. Each is one Desk call; Desk's answer updates the mirror and
the audit log records it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User

from apps.connections.models import DeskConnection
from apps.customers.mirror import mirror_apply_account
from apps.customers.models import Account
from apps.customers.services.desk_call import customer_desk_call
from apps.customers.services.stale import customer_check_not_stale
from apps.mirror.apply import mark_deleted

ACCOUNT_FIELDS = {
    "account_name": "account_name",
    "email": "email",
    "phone": "phone",
    "website": "website",
    "industry": "industry",
    "description": "description",
    "annual_revenue": "annual_revenue",
    "city": "city",
    "country": "country",
}


def _reloaded(connection: DeskConnection, desk_id: str) -> Account:
    return Account.objects.select_related("connection").get(connection=connection, desk_id=desk_id)


def account_create(*, actor: User, connection: DeskConnection, fields: dict[str, Any]) -> Account:
    """Create an account in Desk (empty fields left out) and mirror Desk's answer."""
    values = {k: v for k, v in fields.items() if k in ACCOUNT_FIELDS and v not in ("", None)}
    answer = customer_desk_call(
        actor=actor,
        connection=connection,
        action="account.create",
        target_type="account",
        target_id="",
        call=lambda desk: desk.account_create(**values),
        detail={"name": values.get("account_name", "")},
    )
    mirror_apply_account(connection, answer)
    return _reloaded(connection, answer.id)


def _same(before: Any, after: Any) -> bool:
    if isinstance(after, Decimal) or isinstance(before, float):
        try:
            return before is not None and after is not None and Decimal(str(before)) == Decimal(str(after))
        except ArithmeticError:
            return False
    return (before or "") == (after or "")


def account_changes(account: Account, fields: dict[str, Any]) -> dict[str, Any]:
    """What an edit form changes (a cleared text field is sent as "" so Desk clears it; revenue as null)."""
    changes: dict[str, Any] = {}
    for name, value in fields.items():
        if name not in ACCOUNT_FIELDS:
            continue
        before = getattr(account, ACCOUNT_FIELDS[name])
        if name == "annual_revenue":
            if not (value is None and before is None) and not _same(before, value):
                changes[name] = value
        elif not _same(before, value):
            changes[name] = value or ""
    return changes


def account_update(
    *,
    actor: User,
    account: Account,
    fields: dict[str, Any],
    seen: dict[str, Any] | None = None,
    confirmed: bool = False,
) -> Account:
    """Edit an account in Desk: the stale-write guard (unless confirmed), then one PATCH of what changed."""
    if not confirmed:
        customer_check_not_stale(record=account, seen=seen)
    changes = account_changes(account, fields)
    if not changes:
        return account
    connection = account.connection
    answer = customer_desk_call(
        actor=actor,
        connection=connection,
        action="account.update",
        target_type="account",
        target_id=account.desk_id,
        call=lambda desk: desk.account_update(account.desk_id, **changes),
        detail={"fields": sorted(changes)},
    )
    mirror_apply_account(connection, answer)
    return _reloaded(connection, account.desk_id)


def account_move_to_trash(*, actor: User, account: Account) -> None:
    """Delete the Desk way (``POST /accounts/moveToTrash``); the mirror marks the account deleted."""
    connection = account.connection
    customer_desk_call(
        actor=actor,
        connection=connection,
        action="account.trash",
        target_type="account",
        target_id=account.desk_id,
        call=lambda desk: desk.accounts_move_to_trash(account_ids=[account.desk_id]),
        detail={"name": account.account_name},
    )
    mark_deleted(connection, "accounts", [account.desk_id])
