"""Contact writes: what a contact's create, edit and move to trash send (run by ``services.records``), and
the contact Desk makes with a new ticket."""

from __future__ import annotations

from typing import Any

from apps.connections.models import DeskConnection
from apps.customers.mirror import mirror_apply_contact
from apps.customers.models import Contact
from apps.customers.services.records import RecordWrites

CONTACTS = RecordWrites(
    kind="contact",
    model=Contact,
    entity="contacts",
    fields={
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
    },
    create=lambda desk, values: desk.contact_create(**values),
    update=lambda desk, desk_id, changes: desk.contact_update(desk_id, **changes),
    trash=lambda desk, desk_id: desk.contacts_move_to_trash(contact_ids=[desk_id]),
    name_of_values=lambda values: " ".join(filter(None, (values.get("first_name"), values.get("last_name")))),
    name_of_record=lambda contact: contact.display_name,
)


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
