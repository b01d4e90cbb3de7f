"""Account writes: what an account's create, edit and move to trash send (run by ``services.records``)."""

from __future__ import annotations

from apps.customers.models import Account
from apps.customers.services.records import RecordWrites

ACCOUNTS = RecordWrites(
    kind="account",
    model=Account,
    entity="accounts",
    fields={
        "account_name": "account_name",
        "email": "email",
        "phone": "phone",
        "website": "website",
        "industry": "industry",
        "description": "description",
        "annual_revenue": "annual_revenue",
        "city": "city",
        "country": "country",
    },
    create=lambda desk, values: desk.account_create(**values),
    update=lambda desk, desk_id, changes: desk.account_update(desk_id, **changes),
    trash=lambda desk, desk_id: desk.accounts_move_to_trash(account_ids=[desk_id]),
    name_of_values=lambda values: values.get("account_name", ""),
    name_of_record=lambda account: account.account_name,
    nullable=frozenset({"annual_revenue"}),
)
