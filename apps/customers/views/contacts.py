"""The contact pages: what makes them differ from the account pages (the account named by its name, the
ticket form's ``?email=`` and ``?account=``); the views themselves are ``views.records``'."""

from __future__ import annotations

from typing import Any

from apps.connections.models import DeskConnection
from apps.core.htmx import AuthedHttpRequest
from apps.customers.forms.edit import ContactForm
from apps.customers.models import Contact
from apps.customers.selectors.detail import account_by_name, account_of
from apps.customers.selectors.lists import account_choices, contact_rows, contacts_for_list
from apps.customers.services.contacts import CONTACTS
from apps.customers.views.records import Entity


def _account_id(form: ContactForm, connection: DeskConnection) -> str | None:
    """The account the form names, as a Desk id ("" for none); None (with the field's error) if unknown."""
    name = (form.cleaned_data.get("account") or "").strip()
    if not name:
        return ""
    account = account_by_name(connection=connection, name=name)
    if account is None:
        form.add_error("account", "No account has this name in DeskAdmin's mirror: create it first.")
        return None
    return account.desk_id


def _desk_fields(form: ContactForm, connection: DeskConnection) -> dict[str, Any] | None:
    account_id = _account_id(form, connection)
    return None if account_id is None else form.desk_fields(account_id=account_id)


def _new_initial(request: AuthedHttpRequest, connection: DeskConnection) -> dict[str, Any]:
    """ "New contact" from an account's page names the account; from the ticket form, the email and name."""
    initial: dict[str, Any] = {}
    account = account_choices(connection=connection, desk_id=request.GET.get("account", "")[:32])
    if account is not None:
        initial["account"] = account.account_name
    for name in ("email", "last_name", "first_name"):
        if request.GET.get(name):
            initial[name] = request.GET[name][:200]
    return initial


def _account_name(contact: Contact) -> dict[str, Any]:
    account = account_of(contact)
    return {"account": account.account_name if account else ""}


CONTACT = Entity(
    kind="contact",
    label="Contact",
    model=Contact,
    writes=CONTACTS,
    form=ContactForm,
    for_list=contacts_for_list,
    rows=lambda connection, records, owners: contact_rows(
        connection=connection, contacts=records, owners=owners
    ),
    name=lambda contact: contact.display_name,
    desk_fields=_desk_fields,
    new_initial=_new_initial,
    edit_initial=_account_name,
    detail_extra=lambda contact: {"account": account_of(contact)},
)
