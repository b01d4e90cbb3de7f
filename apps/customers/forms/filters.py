"""The list filter form: parses a contact or account list URL into ``ListFilters`` (bad values become notes)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from django import forms
from django.http import QueryDict

from apps.core.forms import BaseForm
from apps.core.parsing import parse_int
from apps.customers.filters import DEFAULT_PAGE_SIZE, DEFAULT_SORT, MAX_SEARCH_LENGTH, PAGE_SIZES, ListFilters
from apps.customers.selectors.lists import CF_KEY

OPEN_CHOICES = [("", "Any"), ("yes", "Has open tickets"), ("no", "No open tickets")]


def _desk_id(value: str) -> str:
    value = (value or "").strip()
    return value if value.isdigit() and len(value) <= 32 else ""


class ListFilterForm(BaseForm):
    q = forms.CharField(
        required=False,
        label="Search",
        max_length=MAX_SEARCH_LENGTH * 2,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, email, phone, account…"}),
    )
    account = forms.CharField(required=False, widget=forms.HiddenInput)
    owner = forms.ChoiceField(required=False, choices=())
    open = forms.ChoiceField(required=False, choices=OPEN_CHOICES, label="Tickets")
    created_from = forms.CharField(
        required=False, label="Created from", widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = forms.CharField(
        required=False, label="Created to", widget=forms.DateInput(attrs={"type": "date"})
    )
    modified_from = forms.CharField(
        required=False, label="Modified from", widget=forms.DateInput(attrs={"type": "date"})
    )
    modified_to = forms.CharField(
        required=False, label="Modified to", widget=forms.DateInput(attrs={"type": "date"})
    )
    cf = forms.ChoiceField(required=False, choices=(), label="Custom field")
    cf_value = forms.CharField(required=False, max_length=200, label="has the value")
    sort = forms.CharField(required=False, widget=forms.HiddenInput)
    per_page = forms.ChoiceField(
        required=False,
        choices=[(str(n), str(n)) for n in PAGE_SIZES],
        label="Per page",
        initial=DEFAULT_PAGE_SIZE,
    )
    page = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        data: QueryDict | dict[str, Any] | None = None,
        *,
        kind: Literal["contact", "account"],
        owners: dict[str, str] | None = None,
        cf_keys: list[str] | None = None,
        open_filter: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        self.kind = kind
        self.problems: list[str] = []
        owner_field = self.fields["owner"]
        assert isinstance(owner_field, forms.ChoiceField)
        owner_field.choices = [
            ("", "Any owner"),
            ("none", "No owner"),
            *sorted((owners or {}).items(), key=lambda i: i[1].lower()),
        ]
        cf_field = self.fields["cf"]
        assert isinstance(cf_field, forms.ChoiceField)
        cf_field.choices = [("", "—"), *[(k, k.removeprefix("cf_").replace("_", " ")) for k in cf_keys or []]]
        if not open_filter:
            del self.fields["open"]
        if kind == "account":
            del self.fields["account"]

    # Parsing never fails the form: each value is taken if it makes sense, else noted and dropped.
    def _get(self, name: str) -> str:
        return str(self.data.get(name, "") or "").strip() if self.data else ""

    def _date(self, name: str, label: str) -> date | None:
        raw = self._get(name)
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            self.problems.append(f"“{raw}” is not a date ({label}); it was ignored.")
            return None

    def _int(self, name: str, *, default: int, allowed: tuple[int, ...] | None = None) -> int:
        raw = self._get(name)
        if not raw:
            return default
        number = parse_int(raw, minimum=0, maximum=999_999)  # ASCII digits: "²" is str.isdigit() too
        if number is None or (allowed and number not in allowed):
            self.problems.append(f"“{raw[:20]}” is not a valid {name.replace('_', ' ')}; it was ignored.")
            return default
        return max(1, number)

    def filters(self) -> ListFilters:
        """What the URL asks for, every part checked."""
        filters = ListFilters(kind=self.kind, open_sortable="open" in self.fields)
        query = self._get("q")
        if len(query) > MAX_SEARCH_LENGTH:
            self.problems.append(f"The search was cut to {MAX_SEARCH_LENGTH} characters.")
            query = query[:MAX_SEARCH_LENGTH]
        filters.query = query
        if self.kind == "contact":
            filters.account = _desk_id(self._get("account"))
        owner = self._get("owner")
        filters.owner = owner if owner == "none" else _desk_id(owner)
        open_tickets = self._get("open")
        filters.open_tickets = open_tickets if open_tickets in ("yes", "no") and "open" in self.fields else ""
        filters.created_from = self._date("created_from", "created from")
        filters.created_to = self._date("created_to", "created to")
        filters.modified_from = self._date("modified_from", "modified from")
        filters.modified_to = self._date("modified_to", "modified to")
        cf = self._get("cf")
        if cf:
            if CF_KEY.match(cf):
                filters.cf_field, filters.cf_value = cf, self._get("cf_value")[:200]
            else:
                self.problems.append(f"“{cf[:40]}” is not a custom field; it was ignored.")
        sort = self._get("sort") or DEFAULT_SORT
        if sort.lstrip("-") not in filters.columns:
            self.problems.append(f"Cannot sort by “{sort[:40]}”; sorted by name.")
            sort = DEFAULT_SORT
        filters.sort = sort
        filters.page_size = self._int("per_page", default=DEFAULT_PAGE_SIZE, allowed=PAGE_SIZES)
        filters.page = self._int("page", default=1)
        filters.problems = self.problems
        return filters
