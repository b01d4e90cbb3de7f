"""The 360° pages' own reads: a contact or account in the user's scope, its fields, its account or contacts.

The tickets around them come from the tickets app's sections (apps/tickets/customer_sections.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db.models import F
from django.db.models.lookups import Exact

from apps.connections.models import DeskConnection
from apps.connections.selectors import connections_for_user
from apps.customers.models import Account, Contact

ACCOUNT_CONTACTS_SHOWN = 50


def _valid_id(desk_id: str) -> bool:
    return desk_id.isdigit() and len(desk_id) <= 32


def record_for_user(
    model: type[Contact] | type[Account],
    *,
    user: User,
    desk_id: str,
    connection: DeskConnection | None = None,
) -> Contact | Account | None:
    """The mirrored contact or account with that Desk id in an org the user may see (never another org's),
    the current org's first."""
    if not _valid_id(desk_id):
        return None
    rows = model.objects.filter(
        desk_id=desk_id, connection__in=connections_for_user(user=user), is_deleted=False
    ).select_related("connection")
    if connection is not None:
        preferred = rows.filter(connection=connection).first()
        if preferred is not None:
            return preferred
    return rows.first()


def account_of(contact: Contact) -> Account | None:
    if not contact.account_desk_id:
        return None
    return Account.objects.filter(
        connection_id=contact.connection_id, desk_id=contact.account_desk_id, is_deleted=False
    ).first()


def account_by_name(*, connection: DeskConnection, name: str) -> Account | None:
    """The account a form names (any case), in the form's org."""
    name = name.strip()
    if not name:
        return None
    return (
        Account.objects.filter(connection=connection, is_deleted=False, account_name__iexact=name)
        .order_by("desk_id")
        .first()
    )


@dataclass
class AccountContacts:
    contacts: list[Contact]
    total: int


class _UnlikelyExact(Exact):
    """``column = value`` that the SQLite planner is told rarely holds (``unlikely(…)``): the same rows, but the
    plan reads the index that serves the column.

    Without it SQLite's planner, with no statistics or sampled ones (the first entries of
    customers_contact_account_idx are the contacts without an account, ``account_desk_id = ''``), took an
    account for as many contacts as the org has and walked customers_contact_sort_idx over every contact
    for the name order (20–40 ms at 20,000 contacts, against ~0.1 ms through the account's index). PostgreSQL
    has no ``unlikely()`` and plans from full statistics: there the condition is compiled as it is. (The
    tickets' customer sections do the same: apps/tickets/customer_sections.py.)"""

    def as_sqlite(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        sql, params = self.as_sql(compiler, connection)
        return f"unlikely({sql})", params


def contacts_of_account(account: Account, *, limit: int = ACCOUNT_CONTACTS_SHOWN) -> AccountContacts:
    """The account's contacts by name (the first ``limit``) and how many it has, read through
    customers_contact_account_idx."""
    rows = (
        Contact.objects.filter(connection_id=account.connection_id, is_deleted=False)
        .filter(_UnlikelyExact(F("account_desk_id"), account.desk_id))
        .defer("raw", "description")
    )
    return AccountContacts(
        contacts=list(rows.order_by("last_name", "first_name", "desk_id")[:limit]), total=rows.count()
    )


@dataclass(frozen=True)
class CustomField:
    key: str
    label: str
    value: str


def custom_field_label(key: str) -> str:
    """``cf_customer_tier`` -> "Customer tier"."""
    return key.removeprefix("cf_").replace("_", " ").strip().capitalize() or key


def custom_fields(record: Contact | Account) -> list[CustomField]:
    """Desk's custom fields of a contact or account as label and text."""
    return [
        CustomField(key=key, label=custom_field_label(key), value=_text(value))
        for key, value in sorted((record.cf or {}).items())
    ]


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return str(value)


def contact_in_org(*, connection: DeskConnection, desk_id: str) -> Contact | None:
    """A contact of this org by Desk id (the ticket form's ``?contact=``); None for anything else."""
    if not _valid_id(desk_id):
        return None
    return Contact.objects.filter(connection=connection, desk_id=desk_id, is_deleted=False).first()
