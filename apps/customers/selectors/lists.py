"""The contact and account lists: search, filters, sort and one page, read from the mirror only (0 Desk calls).

Every query is led by the connection (the indexes begin with it). An unfiltered list counts its rows exactly
(an index-only count); a filtered one stops counting at COUNT_CAP ("1,000+ contacts match"), so a search or
the open-tickets filter never walks all 20,000 contacts just to say how many there are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import (
    Exists,
    IntegerField,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from apps.connections.models import DeskConnection
from apps.core.orgs import agents_for_org
from apps.customers import hooks
from apps.customers.filters import OPEN_COLUMN, ListFilters
from apps.customers.models import Account, Contact
from apps.customers.selectors.search import text_match
from apps.mirror import freshness

COUNT_CAP = 1_000
MAX_TERMS = 8
_WORD = re.compile(r"[\w@.+-]+", re.UNICODE)
# Custom-field keys as Desk names them ("cf_customer_tier"): anything else is never put in a query.
CF_KEY = re.compile(r"^cf_\w{1,60}$")


def search_terms(query: str) -> list[str]:
    """The words of a search box entry (email addresses and phone numbers kept whole)."""
    return [w.strip(".-") for w in _WORD.findall(query or "") if w.strip(".-")][:MAX_TERMS]


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _dates(rows: QuerySet[Any], filters: ListFilters) -> QuerySet[Any]:
    if filters.created_from:
        rows = rows.filter(created_time__gte=_start_of(filters.created_from))
    if filters.created_to:
        rows = rows.filter(created_time__lt=_start_of(filters.created_to + timedelta(days=1)))
    if filters.modified_from:
        rows = rows.filter(modified_time__gte=_start_of(filters.modified_from))
    if filters.modified_to:
        rows = rows.filter(modified_time__lt=_start_of(filters.modified_to + timedelta(days=1)))
    return rows


def _common(rows: QuerySet[Any], *, connection: DeskConnection, filters: ListFilters) -> QuerySet[Any]:
    """The filters both lists share: owner, dates, a custom field, open tickets."""
    if filters.owner == "none":
        rows = rows.filter(owner_desk_id="")
    elif filters.owner:
        rows = rows.filter(owner_desk_id=filters.owner)
    rows = _dates(rows, filters)
    if filters.cf_field and CF_KEY.match(filters.cf_field):
        rows = rows.filter(**{f"cf__{filters.cf_field}": filters.cf_value})
    facts = hooks.ticket_facts()
    if facts is not None and filters.open_tickets in ("yes", "no"):
        has_open = Exists(facts.open_tickets_of_row(connection, filters.kind))
        rows = rows.filter(has_open if filters.open_tickets == "yes" else ~has_open)
    return rows


class _Count(Subquery):
    """How many rows a correlated queryset has (0 for none), as a column to sort by."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _counted)"
    output_field = IntegerField()


def _sort_annotations(
    rows: QuerySet[Any], *, connection: DeskConnection, filters: ListFilters
) -> QuerySet[Any]:
    """The computed column a sort needs: the open-ticket count (one index probe a row)."""
    # "owner" sorts by the stored owner key the mirror keeps (customers_*_ownsort_idx).
    column = filters.sort.lstrip("-")
    facts = hooks.ticket_facts()
    if column == OPEN_COLUMN and facts is not None:
        open_rows = facts.open_tickets_of_row(connection, filters.kind).order_by().values("pk")
        return rows.annotate(open_count=_Count(open_rows))
    return rows


def _ordered(rows: QuerySet[Any], *, orderings: dict[str, list[str]], sort: str) -> QuerySet[Any]:
    descending = sort.startswith("-")
    fields = orderings.get(sort.lstrip("-")) or next(iter(orderings.values()))
    if descending:
        fields = [f[1:] if f.startswith("-") else f"-{f}" for f in fields]
    return rows.order_by(*fields)


def contacts_for_list(*, connection: DeskConnection, filters: ListFilters) -> QuerySet[Contact]:
    """The contacts of a list, filtered and sorted (not deleted, not spam), from the mirror only."""
    rows = Contact.objects.filter(connection=connection, is_deleted=False).defer("raw", "description")
    if filters.account:
        rows = rows.filter(account_desk_id=filters.account)
    for term in search_terms(filters.query):
        # Each term matches the contact, or the name of its account.
        accounts = Account.objects.filter(
            text_match(Account, term, name_only=True), connection=connection, is_deleted=False
        ).values("desk_id")
        rows = rows.filter(text_match(Contact, term) | Q(account_desk_id__in=accounts))
    rows = _common(rows, connection=connection, filters=filters)
    # "account" sorts by the stored account name the mirror keeps (customers_contact_acctsort_idx).
    rows = _sort_annotations(rows, connection=connection, filters=filters)
    return _ordered(
        rows,
        orderings={
            "name": ["last_name", "first_name", "desk_id"],
            "email": ["email", "desk_id"],
            "phone": ["phone", "desk_id"],
            "account": ["account_name", "desk_id"],
            "owner": ["owner_name", "desk_id"],
            "created": ["created_time", "desk_id"],
            "modified": ["modified_time", "desk_id"],
            OPEN_COLUMN: ["open_count", "desk_id"],
        },
        sort=filters.sort,
    )


def accounts_for_list(*, connection: DeskConnection, filters: ListFilters) -> QuerySet[Account]:
    """The accounts of a list, filtered and sorted, from the mirror only."""
    rows = Account.objects.filter(connection=connection, is_deleted=False).defer("raw", "description")
    for term in search_terms(filters.query):
        rows = rows.filter(text_match(Account, term))
    rows = _common(rows, connection=connection, filters=filters)
    rows = _sort_annotations(rows, connection=connection, filters=filters)
    return _ordered(
        rows,
        orderings={
            "name": ["account_name", "desk_id"],
            "email": ["email", "desk_id"],
            "phone": ["phone", "desk_id"],
            "website": ["website", "desk_id"],
            "industry": ["industry", "desk_id"],
            "owner": ["owner_name", "desk_id"],
            "created": ["created_time", "desk_id"],
            "modified": ["modified_time", "desk_id"],
            OPEN_COLUMN: ["open_count", "desk_id"],
        },
        sort=filters.sort,
    )


@dataclass
class ListPage:
    """One page of a list: its rows, where it is, and how many match (at most COUNT_CAP counted)."""

    rows: list[Any]
    number: int
    page_size: int
    count: int
    count_capped: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number * self.page_size < self.count or (
            self.count_capped and len(self.rows) == self.page_size
        )

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.page_size))


def page_of(rows: QuerySet[Any], *, page: int, page_size: int, exact: bool = False) -> ListPage:
    """The page asked for; a page past the end shows the last one. ``exact``: count every row."""
    count = rows.order_by().count() if exact else rows.order_by()[: COUNT_CAP + 1].count()
    capped = not exact and count > COUNT_CAP
    count = min(count, COUNT_CAP)
    last = max(1, -(-count // page_size))
    number = max(1, page if capped else min(page, last))
    start = (number - 1) * page_size
    return ListPage(
        rows=list(rows[start : start + page_size]),
        number=number,
        page_size=page_size,
        count=count,
        count_capped=capped,
    )


@dataclass(frozen=True)
class Moment:
    """A row's date as the table shows it: ``iso`` for ``<time datetime>``, ``day`` (YYYY-MM-DD) to read. Made
    in Python once per row: the template's ``date`` filter cost ~1 ms a page for its 100 dates."""

    iso: str
    day: str

    @classmethod
    def of(cls, value: datetime | None) -> Moment | None:
        if value is None:
            return None
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return cls(iso=local.isoformat(), day=local.strftime("%Y-%m-%d"))


@dataclass
class ContactRow:
    contact: Contact
    account: Account | None
    owner: str
    open_tickets: int | None

    @property
    def created(self) -> Moment | None:
        return Moment.of(self.contact.created_time)

    @property
    def modified(self) -> Moment | None:
        return Moment.of(self.contact.modified_time)


@dataclass
class AccountRow:
    account: Account
    owner: str
    open_tickets: int | None

    @property
    def created(self) -> Moment | None:
        return Moment.of(self.account.created_time)

    @property
    def modified(self) -> Moment | None:
        return Moment.of(self.account.modified_time)


def owner_names(connection: DeskConnection) -> dict[str, str]:
    """The org's agents by Desk id, as the team app registered them with the core (no Desk call)."""
    return {a.desk_id: a.label.split(" <", 1)[0] for a in agents_for_org(connection.org_id)}


def _open_counts(connection: DeskConnection, kind: hooks.Kind, ids: list[str]) -> dict[str, int] | None:
    facts = hooks.ticket_facts()
    return None if facts is None else facts.open_counts(connection, kind, ids)


def contact_rows(
    *, connection: DeskConnection, contacts: list[Contact], owners: dict[str, str] | None = None
) -> list[ContactRow]:
    """A page's contacts with their account, owner and open tickets: one query each, not one per row.
    ``owners``: ``owner_names(connection)`` when the caller has it already."""
    account_ids = {c.account_desk_id for c in contacts if c.account_desk_id}
    accounts = {
        a.desk_id: a
        # Unordered: read by the (connection, desk_id) index, not by the model's default name order.
        for a in Account.objects.filter(connection=connection, desk_id__in=account_ids)
        .order_by()
        .only("desk_id", "account_name", "connection_id", "is_deleted")
    }
    owners = owner_names(connection) if owners is None else owners
    counts = _open_counts(connection, "contact", [c.desk_id for c in contacts])
    return [
        ContactRow(
            contact=c,
            account=accounts.get(c.account_desk_id),
            owner=owners.get(c.owner_desk_id, ""),
            open_tickets=None if counts is None else counts.get(c.desk_id, 0),
        )
        for c in contacts
    ]


def account_rows(
    *, connection: DeskConnection, accounts: list[Account], owners: dict[str, str] | None = None
) -> list[AccountRow]:
    owners = owner_names(connection) if owners is None else owners
    counts = _open_counts(connection, "account", [a.desk_id for a in accounts])
    return [
        AccountRow(
            account=a,
            owner=owners.get(a.owner_desk_id, ""),
            open_tickets=None if counts is None else counts.get(a.desk_id, 0),
        )
        for a in accounts
    ]


_CF_KEYS_CACHE = "customers:cf_keys:{}:{}:{}:{}"
_CF_KEYS_TTL = 3600


def custom_field_keys(*, connection: DeskConnection, kind: hooks.Kind, sample: int = 200) -> list[str]:
    """The custom fields Desk has for this org's contacts or accounts, read from recent mirror rows (the newest
    ``sample``). Cached until the mirror changes (``apps.mirror.freshness.version``): every list page and form
    asks, and reading 200 rows' JSON cost ~1 ms a request."""
    key = _CF_KEYS_CACHE.format(connection.pk, kind, sample, freshness.version(connection.pk))
    cached = cache.get(key)
    if isinstance(cached, list):
        return cached
    model = Contact if kind == "contact" else Account
    keys: set[str] = set()
    rows = model.objects.filter(connection=connection, is_deleted=False).order_by("-modified_time")
    for cf in rows.values_list("cf", flat=True)[:sample]:
        if isinstance(cf, dict):
            keys.update(k for k in cf if CF_KEY.match(k))
    found = sorted(keys)
    cache.set(key, found, _CF_KEYS_TTL)
    return found


def account_choices(*, connection: DeskConnection, desk_id: str) -> Account | None:
    """The account a list is filtered by, for its label."""
    if not desk_id:
        return None
    return (
        Account.objects.filter(connection=connection, desk_id=desk_id).only("desk_id", "account_name").first()
    )
