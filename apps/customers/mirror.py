"""The customers' mirror: how Desk's contacts and accounts map to our tables, and their apply functions.

Registered with ``apps.mirror`` in ``CustomersConfig.ready()``; the sync engine finds these entities there.
"""

from __future__ import annotations

from typing import Any

from apps.connections.models import DeskConnection
from apps.customers.models import Account, Contact
from apps.desk import types as desk
from apps.mirror import apply as mirror
from apps.mirror.apply import ApplyResult, DeskItem, flag, text


def _contact_columns(c: desk.Contact) -> dict[str, Any]:
    return {
        "first_name": text(c.first_name),
        "last_name": text(c.last_name),
        "email": text(c.email),
        "secondary_email": text(c.secondary_email),
        "phone": text(c.phone),
        "mobile": text(c.mobile),
        "account_desk_id": text(c.account_id),
        "title": text(c.title),
        "type": text(c.type),
        "description": text(c.description),
        "owner_desk_id": text(c.owner_id),
        "is_spam": flag(c.is_spam),
        "city": text(c.city),
        "country": text(c.country),
        "cf": c.cf or {},
        "created_time": c.created_time,
        "modified_time": c.modified_time,
    }


def _account_columns(a: desk.Account) -> dict[str, Any]:
    return {
        "account_name": text(a.account_name),
        "email": text(a.email),
        "phone": text(a.phone),
        "website": text(a.website),
        "industry": text(a.industry),
        "description": text(a.description),
        "annual_revenue": a.annual_revenue,
        "number_of_employees": a.number_of_employees,
        "owner_desk_id": text(a.owner_id),
        "city": text(a.city),
        "country": text(a.country),
        "cf": a.cf or {},
        "created_time": a.created_time,
        "modified_time": a.modified_time,
    }


def register() -> None:
    """Called from CustomersConfig.ready()."""
    mirror.register(mirror.MirrorEntity("contacts", Contact, desk.Contact, _contact_columns))
    mirror.register(mirror.MirrorEntity("accounts", Account, desk.Account, _account_columns))


def mirror_apply_contact(connection: DeskConnection, desk_contact: DeskItem) -> ApplyResult:
    return mirror.apply_objects(connection, "contacts", [desk_contact])


def mirror_apply_account(connection: DeskConnection, desk_account: DeskItem) -> ApplyResult:
    return mirror.apply_objects(connection, "accounts", [desk_account])
