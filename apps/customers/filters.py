"""What a contact or account list URL means (``ListFilters``) and the URLs built from it;
``forms.filters.ListFilterForm`` parses it, so a bad value is a note on the page, never a 500."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from django.http import QueryDict

PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 25
MAX_SEARCH_LENGTH = 200

# Sortable columns of each list: key -> label. The selector maps each key to its ORM ordering.
CONTACT_COLUMNS = {
    "name": "Name",
    "email": "Email",
    "phone": "Phone",
    "account": "Account",
    "owner": "Owner",
    "created": "Created",
    "modified": "Modified",
}
ACCOUNT_COLUMNS = {
    "name": "Name",
    "email": "Email",
    "phone": "Phone",
    "website": "Website",
    "industry": "Industry",
    "owner": "Owner",
    "created": "Created",
    "modified": "Modified",
}
DEFAULT_SORT = "name"
OPEN_COLUMN = "open"  # the open-ticket count, last, when the tickets app is there to count


@dataclass
class ListFilters:
    """Everything a contact/account list URL says: search, filters, sort, page and page size."""

    kind: Literal["contact", "account"] = "contact"
    query: str = ""
    account: str = ""  # contacts only: the account's Desk id
    owner: str = ""  # an agent's Desk id, or "none"
    open_tickets: str = ""  # "", "yes" or "no"
    created_from: date | None = None
    created_to: date | None = None
    modified_from: date | None = None
    modified_to: date | None = None
    cf_field: str = ""  # a custom field's key ("cf_tier") ...
    cf_value: str = ""  # ... and the value it must have
    sort: str = DEFAULT_SORT
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    problems: list[str] = field(default_factory=list)
    open_sortable: bool = False  # the tickets app tells the open-ticket counts (apps.customers.hooks)

    @property
    def columns(self) -> dict[str, str]:
        columns = CONTACT_COLUMNS if self.kind == "contact" else ACCOUNT_COLUMNS
        return {**columns, OPEN_COLUMN: "Open tickets"} if self.open_sortable else columns

    def _filter_values(self) -> dict[str, str]:
        """The search and filters as the URL's parameters name them (as strings, the widgets' way)."""
        return {
            "q": self.query,
            "account": self.account,
            "owner": self.owner,
            "open": self.open_tickets,
            "created_from": self.created_from.isoformat() if self.created_from else "",
            "created_to": self.created_to.isoformat() if self.created_to else "",
            "modified_from": self.modified_from.isoformat() if self.modified_from else "",
            "modified_to": self.modified_to.isoformat() if self.modified_to else "",
            "cf": self.cf_field,
            "cf_value": self.cf_value,
        }

    def form_initial(self) -> dict[str, str]:
        """The filter form shown back with the values the URL gave."""
        return {**self._filter_values(), "sort": self.sort, "per_page": str(self.page_size)}

    def to_query(self, **overrides: Any) -> str:
        """The query string of these filters (defaults left out), with some values replaced."""
        values: dict[str, Any] = {
            **self._filter_values(),
            "cf_value": self.cf_value if self.cf_field else "",
            "sort": "" if self.sort == DEFAULT_SORT else self.sort,
            "per_page": "" if self.page_size == DEFAULT_PAGE_SIZE else str(self.page_size),
            "page": "" if self.page == 1 else str(self.page),
        }
        values.update(overrides)
        query = QueryDict(mutable=True)
        for key, value in values.items():
            if value not in ("", None):
                query[key] = str(value)
        return query.urlencode()

    @property
    def is_filtered(self) -> bool:
        return bool(
            self.query
            or self.account
            or self.owner
            or self.open_tickets
            or self.created_from
            or self.created_to
            or self.modified_from
            or self.modified_to
            or self.cf_field
        )

    def sort_query(self, column: str) -> str:
        """The URL that sorts by ``column``: ascending first, descending on a second click."""
        new = f"-{column}" if self.sort == column else column
        return self.to_query(sort=new, page="")
