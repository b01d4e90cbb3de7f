"""The stale-write guard for contacts and accounts: a signed note of what the user saw, and the check that
stops an edit when the mirror (a webhook or a sync) holds a newer version."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core import signing

from apps.customers.models import Account, Contact
from apps.desk.types import parse_datetime

SEEN_SALT = "customers.seen"
CONTACT_WATCHED = {
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email",
    "phone": "Phone",
    "mobile": "Mobile",
    "account_desk_id": "Account",
    "title": "Title",
}
ACCOUNT_WATCHED = {
    "account_name": "Name",
    "email": "Email",
    "phone": "Phone",
    "website": "Website",
    "industry": "Industry",
}


def _watched(record: Contact | Account) -> dict[str, str]:
    return CONTACT_WATCHED if isinstance(record, Contact) else ACCOUNT_WATCHED


def _value(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return "" if value is None else str(value)


def customer_seen_token(record: Contact | Account) -> str:
    """What the user is looking at, signed: sent back with the edit form."""
    return signing.dumps(
        {
            "m": _value(record.desk_modified_time),
            "f": {n: _value(getattr(record, n)) for n in _watched(record)},
        },
        salt=SEEN_SALT,
    )


def customer_seen_read(token: str) -> dict[str, Any] | None:
    if not token:
        return None
    try:
        return signing.loads(token, salt=SEEN_SALT)
    except signing.BadSignature:
        return None


@dataclass
class FieldChange:
    label: str
    before: str
    after: str


@dataclass
class StaleCustomer(Exception):
    """The contact or account changed in Desk since the user opened it; they must see what and confirm."""

    record: Contact | Account
    changes: list[FieldChange] = field(default_factory=list)

    def __str__(self) -> str:
        return "This record changed in Desk since you opened it."


def customer_check_not_stale(*, record: Contact | Account, seen: dict[str, Any] | None) -> None:
    """Raise StaleCustomer when the mirror holds a newer version than the one the user saw and a watched
    field differs (a change elsewhere, e.g. a custom field, lets the edit through)."""
    if not seen:
        return
    seen_modified = parse_datetime(seen.get("m"))
    current = record.desk_modified_time
    if current is None or (seen_modified is not None and current <= seen_modified):
        return
    seen_fields = seen.get("f") or {}
    changes = [
        FieldChange(label, str(seen_fields.get(name, "")), _value(getattr(record, name)))
        for name, label in _watched(record).items()
        if name in seen_fields and seen_fields[name] != _value(getattr(record, name))
    ]
    if changes:
        raise StaleCustomer(record=record, changes=changes)
