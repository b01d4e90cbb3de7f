"""The customers' mirror: how Desk's contacts and accounts map to our tables, and their apply functions.

Registered with ``apps.mirror`` in ``CustomersConfig.ready()``; the sync engine finds these entities there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, NullIf

from apps.connections.models import DeskConnection
from apps.core.orgs import agents_for_org
from apps.customers import maintenance
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


# --- the contact's stored account name (what "sort by account" walks: customers_contact_acctsort_idx) -------
_NAME_LENGTH = Contact._meta.get_field("account_name").max_length or 200


def _shown(account: Account) -> str:
    """The account as the contact list shows it (``str(account)``: its name, else its Desk id)."""
    return str(account)[:_NAME_LENGTH]


# --- the stored owner name (what "sort by owner" walks: customers_contact/account_ownsort_idx) ---------------
_OWNER_LENGTH = Contact._meta.get_field("owner_name").max_length or 300


def owner_keys(connection: DeskConnection) -> dict[str, str]:
    """The org's agents by Desk id, each as the owner sort key: the label the core's agent directory gives
    (the team app registers it), in lower case."""
    return {a.desk_id: a.label.lower()[:_OWNER_LENGTH] for a in agents_for_org(connection.org_id)}


def owner_key(owners: dict[str, str], owner_desk_id: str) -> str:
    """A row's owner sort key: its agent's, else its owner id ("" without an owner)."""
    return owners.get(owner_desk_id, owner_desk_id)


def _owners_before_save(connection: DeskConnection, rows: Sequence[Contact] | Sequence[Account]) -> None:
    owners = owner_keys(connection) if any(row.owner_desk_id for row in rows) else {}
    for row in rows:
        row.owner_name = owner_key(owners, row.owner_desk_id)


def _agents_saved(connection: DeskConnection, rows: Sequence[Any]) -> None:
    """Agents created or renamed: the contacts and accounts they own get their sort key (one indexed UPDATE per
    agent and table, writing only rows whose key differs)."""
    owners = owner_keys(connection)
    for agent in rows:
        desk_id = str(agent.desk_id)
        key = owner_key(owners, desk_id)
        for model in (Contact, Account):
            model.objects.filter(connection=connection, owner_desk_id=desk_id).exclude(owner_name=key).update(
                owner_name=key
            )


def refresh_owner_names(connection: DeskConnection) -> int:
    """Set every contact's and account's owner sort key from the agent directory (after a bulk load that
    skipped the apply, e.g. a bench's seed). How many rows were updated."""
    owners = owner_keys(connection)
    changed = 0
    for model in (Contact, Account):
        rows = model.objects.filter(connection=connection)
        for desk_id, key in owners.items():
            changed += rows.filter(owner_desk_id=desk_id).exclude(owner_name=key).update(owner_name=key)
        unknown = rows.exclude(owner_desk_id__in=list(owners)).exclude(owner_name=F("owner_desk_id"))
        changed += unknown.update(owner_name=F("owner_desk_id"))
    return changed


def _accounts_before_save(connection: DeskConnection, rows: Sequence[Account]) -> None:
    _owners_before_save(connection, rows)


def _contacts_before_save(connection: DeskConnection, rows: Sequence[Contact]) -> None:
    """Each contact's ``account_name`` from the mirror's account (one query a batch), NULL without one; and
    its owner sort key."""
    _owners_before_save(connection, rows)
    account_ids = {row.account_desk_id for row in rows if row.account_desk_id}
    names = (
        {
            a.desk_id: _shown(a)
            for a in Account.objects.filter(connection=connection, desk_id__in=account_ids)
            .order_by()
            .only("desk_id", "account_name")
        }
        if account_ids
        else {}
    )
    for row in rows:
        row.account_name = names.get(row.account_desk_id)


def _accounts_saved(connection: DeskConnection, rows: Sequence[Account]) -> None:
    """A created or renamed account: its contacts get its name (one indexed UPDATE per account, writing only
    the contacts whose stored name differs, so an unchanged name writes nothing)."""
    for account in rows:
        name = _shown(account)
        Contact.objects.filter(connection=connection, account_desk_id=account.desk_id).exclude(
            account_name=name
        ).update(account_name=name)


def refresh_account_names(connection: DeskConnection) -> int:
    """Set every contact's stored account name from the mirror in one statement (after a bulk load that skipped
    the apply, e.g. a bench's seed). How many contacts were updated."""
    names = (
        Account.objects.filter(connection=OuterRef("connection"), desk_id=OuterRef("account_desk_id"))
        .annotate(shown=Coalesce(NullIf(F("account_name"), Value("")), F("desk_id")))
        .values("shown")[:1]
    )
    return Contact.objects.filter(connection=connection).update(account_name=Subquery(names))


def register() -> None:
    """Called from CustomersConfig.ready()."""
    mirror.register(
        mirror.MirrorEntity(
            "contacts",
            Contact,
            desk.Contact,
            _contact_columns,
            before_save=_contacts_before_save,
            extra_update_fields=("account_name", "owner_name"),
        )
    )
    mirror.register(
        mirror.MirrorEntity(
            "accounts",
            Account,
            desk.Account,
            _account_columns,
            before_save=_accounts_before_save,
            extra_update_fields=("owner_name",),
        )
    )
    mirror.on_saved("accounts", _accounts_saved)
    mirror.on_saved("agents", _agents_saved)  # by name: the team app's entity (customers may not import it)
    # Planner statistics after an initial sync or a large apply (apps/customers/maintenance.py).
    for name in ("contacts", "accounts"):
        mirror.on_saved(name, maintenance.customers_saved)


def mirror_apply_contact(connection: DeskConnection, desk_contact: DeskItem) -> ApplyResult:
    return mirror.apply_objects(connection, "contacts", [desk_contact])


def mirror_apply_account(connection: DeskConnection, desk_account: DeskItem) -> ApplyResult:
    return mirror.apply_objects(connection, "accounts", [desk_account])
