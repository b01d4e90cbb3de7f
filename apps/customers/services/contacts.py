"""Contact writes: create, edit, move to trash. Each is one Desk call; Desk's answer updates the mirror and
the audit log records it (apps/customers/services/desk_call.py)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from apps.connections.models import DeskConnection
from apps.customers.mirror import mirror_apply_contact
from apps.customers.models import Contact
from apps.customers.services.desk_call import customer_desk_call
from apps.customers.services.stale import customer_check_not_stale
from apps.mirror.apply import mark_deleted

# The fields the console edits, as the Desk client's contact_create/contact_update name them, and the mirror
# column each one lands in (to send only what changed).
CONTACT_FIELDS = {
    "first_name": "first_name",
    "last_name": "last_name",
    "email": "email",
    "secondary_email": "secondary_email",
    "phone": "phone",
    "mobile": "mobile",
    "account_id": "account_desk_id",
    "title": "title",
    "description": "description",
    "city": "city",
    "country": "country",
}


def _reloaded(connection: DeskConnection, desk_id: str) -> Contact:
    return Contact.objects.select_related("connection").get(connection=connection, desk_id=desk_id)


def contact_create(*, actor: User, connection: DeskConnection, fields: dict[str, Any]) -> Contact:
    """Create a contact in Desk (empty fields left out) and mirror Desk's answer."""
    values = {k: v for k, v in fields.items() if k in CONTACT_FIELDS and v not in ("", None)}
    answer = customer_desk_call(
        actor=actor,
        connection=connection,
        action="contact.create",
        target_type="contact",
        target_id="",
        call=lambda desk: desk.contact_create(**values),
        detail={"name": " ".join(filter(None, (values.get("first_name"), values.get("last_name"))))},
    )
    mirror_apply_contact(connection, answer)
    return _reloaded(connection, answer.id)


def contact_changes(contact: Contact, fields: dict[str, Any]) -> dict[str, Any]:
    """What an edit form changes on the contact (a cleared field is sent as "" so Desk clears it)."""
    return {
        name: value or ""
        for name, value in fields.items()
        if name in CONTACT_FIELDS and (value or "") != (getattr(contact, CONTACT_FIELDS[name]) or "")
    }


def contact_update(
    *,
    actor: User,
    contact: Contact,
    fields: dict[str, Any],
    seen: dict[str, Any] | None = None,
    confirmed: bool = False,
) -> Contact:
    """Edit a contact in Desk: the stale-write guard (unless confirmed), then one PATCH of what changed."""
    if not confirmed:
        customer_check_not_stale(record=contact, seen=seen)
    changes = contact_changes(contact, fields)
    if not changes:
        return contact
    connection = contact.connection
    answer = customer_desk_call(
        actor=actor,
        connection=connection,
        action="contact.update",
        target_type="contact",
        target_id=contact.desk_id,
        call=lambda desk: desk.contact_update(contact.desk_id, **changes),
        detail={"fields": sorted(changes)},
    )
    mirror_apply_contact(connection, answer)
    return _reloaded(connection, contact.desk_id)


def contact_move_to_trash(*, actor: User, contact: Contact) -> None:
    """Delete the Desk way (``POST /contacts/moveToTrash``); the mirror marks the contact deleted."""
    connection = contact.connection
    customer_desk_call(
        actor=actor,
        connection=connection,
        action="contact.trash",
        target_type="contact",
        target_id=contact.desk_id,
        call=lambda desk: desk.contacts_move_to_trash(contact_ids=[contact.desk_id]),
        detail={"name": contact.display_name},
    )
    mark_deleted(connection, "contacts", [contact.desk_id])


def contact_mirror_from_ticket(
    *, connection: DeskConnection, desk_id: str, email: str, last_name: str
) -> Contact | None:
    """A contact Desk made with a new ticket (the ticket form's new email), usable at once and at no Desk call:
    the ticket's answer names its ``contactId``, and the form gave the email and last name Desk accepted. The row
    carries no modified time, so the sync's or a webhook's full version replaces it as soon as it comes."""
    if not desk_id:
        return None
    known = Contact.objects.filter(connection=connection, desk_id=desk_id).first()
    if known is not None:
        return known
    record: dict[str, Any] = {"id": desk_id, "email": email or None, "lastName": last_name or None}
    mirror_apply_contact(connection, {k: v for k, v in record.items() if v is not None})
    return Contact.objects.filter(connection=connection, desk_id=desk_id).first()
