"""Readable names for the audit log's contact and account targets, registered with the core."""

from __future__ import annotations

from apps.core.orgs import register_target_labeler
from apps.customers.models import Account, Contact


def contact_labels(org_id: str, target_ids: list[str]) -> dict[str, str]:
    """The contact's name (or email) for each mirrored contact of the org, trashed ones too."""
    rows = Contact.objects.filter(desk_id__in=target_ids)
    if org_id:
        rows = rows.filter(connection__org_id=org_id)
    return {
        c.desk_id: f"contact {c.display_name}"
        for c in rows.only("desk_id", "first_name", "last_name", "email")
    }


def account_labels(org_id: str, target_ids: list[str]) -> dict[str, str]:
    rows = Account.objects.filter(desk_id__in=target_ids)
    if org_id:
        rows = rows.filter(connection__org_id=org_id)
    return {
        desk_id: f"account {name or desk_id}" for desk_id, name in rows.values_list("desk_id", "account_name")
    }


def register() -> None:
    """Called from CustomersConfig.ready()."""
    register_target_labeler("contact", contact_labels)
    register_target_labeler("account", account_labels)
