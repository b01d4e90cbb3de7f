"""The account pages: what makes them differ from the contact pages (the account's contacts on its page); the
views themselves are ``views.records``'."""

from __future__ import annotations

from apps.customers.forms.edit import AccountForm
from apps.customers.models import Account
from apps.customers.selectors.detail import contacts_of_account
from apps.customers.selectors.lists import account_rows, accounts_for_list
from apps.customers.services.accounts import ACCOUNTS
from apps.customers.views.records import Entity

ACCOUNT = Entity(
    kind="account",
    label="Account",
    model=Account,
    writes=ACCOUNTS,
    form=AccountForm,
    for_list=accounts_for_list,
    rows=lambda connection, records, owners: account_rows(
        connection=connection, accounts=records, owners=owners
    ),
    name=lambda account: account.account_name,
    desk_fields=lambda form, connection: form.desk_fields(),
    page_extra=lambda account: {"contacts": contacts_of_account(account)},
)
