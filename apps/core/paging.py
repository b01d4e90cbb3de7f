"""Lists that stay fast however long they grow: keyset pages and capped counts (docs/tickets.md, "Speed").

* ``keyset_page(rows, key=SortKey("modified_time", descending=True, nullable=True), size=25, after=token)``
  gives one page by walking an index from a cursor (``after``/``before`` tokens taken from the previous page),
  never ``OFFSET``: page 1,000 costs what page 1 does, and rows changing meanwhile never shift a page. The
  tie-breaker (``id``) ends the order, so the index to walk is ``(…scope, key, id)``. ``last=True`` is the
  fast path to the last page (the same walk, backwards). NULLs sort last whichever the direction (the same
  on SQLite and PostgreSQL), each segment an index walk of its own.
* In a view: ``where = page_request(request.GET)`` (``after``/``before``/``last=1``, a bad token is a notice),
  ``page = keyset_page_for(rows, key=…, size=…, where=where)``, ``links = page_links(page, filter_query=…)``.
* ``capped_count(rows, cap=1000)`` counts at most ``cap + 1`` rows: "1,000+" past the bound, never a scan of
  the whole set per view. An exact figure is for an explicit request (and worth caching by the caller).

Cursor tokens are opaque, URL-safe and validated (``decode_cursor`` returns None for anything malformed), so
a page's URL can be shared and a tampered one is a notice, never an error.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils.dateparse import parse_date, parse_datetime

DEFAULT_COUNT_CAP = 1000
_MAX_TOKEN_LENGTH = 1200


@dataclass(frozen=True)
class SortKey:
    """What a list is sorted by: a model field (or annotation), its direction, whether it may be NULL."""

    field: str
    descending: bool = False
    nullable: bool = False
    tie: str = "id"


@dataclass(frozen=True)
class Cursor:
    value: Any
    pk: int


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    return value


def _decode_value(value: Any) -> tuple[bool, Any]:
    if isinstance(value, dict):
        if isinstance(value.get("t"), str):
            moment = parse_datetime(value["t"])
            return moment is not None, moment
        if isinstance(value.get("d"), str):
            day = parse_date(value["d"])
            return day is not None, day
        return False, None
    if value is None or isinstance(value, str | int | float) and not isinstance(value, bool):
        return True, value
    return False, None


def encode_cursor(value: Any, pk: int) -> str:
    """A row's place in its list as a URL-safe token."""
    raw = json.dumps([_encode_value(value), pk], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(token: str) -> Cursor | None:
    """The place a token names, or None if it is not one of ours (tampered, truncated, too long)."""
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        value, pk = json.loads(raw.decode())
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        return None
    ok, decoded = _decode_value(value)
    if not ok or not isinstance(pk, int) or isinstance(pk, bool) or not 0 < pk < 2**63:
        return None
    return Cursor(decoded, pk)


def _get(row: Any, name: str) -> Any:
    return row[name] if isinstance(row, dict) else getattr(row, name)


@dataclass
class KeysetPage[T]:
    """One page: its rows, and the tokens of the pages around it ("" when there is none)."""

    rows: list[T]
    key: SortKey
    has_previous: bool = False
    has_next: bool = False
    previous_cursor: str = ""
    next_cursor: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_first(self) -> bool:
        return not self.has_previous


def _segment(
    rows: QuerySet[Any], key: SortKey, *, null: bool, reverse: bool, bound: Cursor | None
) -> QuerySet[Any]:
    """The rows of one segment (NULL or not) past ``bound``, in the page's reading order (``reverse`` = backwards)."""
    descending = key.descending != reverse
    if key.nullable:
        rows = rows.filter(**{f"{key.field}__isnull": null})
    op = "lt" if descending else "gt"
    if bound is not None:
        if null:
            rows = rows.filter(**{f"{key.tie}__{op}": bound.pk})
        else:
            # ``key <= v AND (key < v OR id < pk)``: a range the index seeks to, then a plain filter.
            rows = rows.filter(**{f"{key.field}__{op}e": bound.value}).filter(
                Q(**{f"{key.field}__{op}": bound.value}) | Q(**{f"{key.tie}__{op}": bound.pk})
            )
    tie = F(key.tie).desc() if descending else F(key.tie).asc()
    if null:
        return rows.order_by(tie)
    return rows.order_by(F(key.field).desc() if descending else F(key.field).asc(), tie)


def _walk(rows: QuerySet[Any], key: SortKey, *, reverse: bool, bound: Cursor | None, limit: int) -> list[Any]:
    """Up to ``limit`` rows from ``bound`` on (exclusive), crossing from one segment to the next."""
    # Reading forwards: values, then NULLs. Backwards: NULLs (from the end), then values.
    segments = [False, True] if not reverse else [True, False]
    if not key.nullable:
        segments = [False]
    found: list[Any] = []
    skipping = bound is not None  # segments before the bound's own (in reading order) are passed over
    for null in segments:
        segment_bound = None
        if skipping:
            if bound is None or null != (bound.value is None):
                continue
            skipping, segment_bound = False, bound
        found += list(
            _segment(rows, key, null=null, reverse=reverse, bound=segment_bound)[: limit - len(found)]
        )
        if len(found) >= limit:
            break
    return found


def keyset_page[T](
    rows: QuerySet[Any, T],
    *,
    key: SortKey,
    size: int,
    after: Cursor | None = None,
    before: Cursor | None = None,
    last: bool = False,
) -> KeysetPage[T]:
    """The page after ``after``, before ``before``, the last page (``last``), else the first page.

    ``rows`` is the filtered set (unordered; ``values()`` rows are fine if they carry the key and the tie).
    One query per page, two when the page crosses from values to NULLs.
    """
    size = max(1, size)
    if before is not None or last:
        found = _walk(rows, key, reverse=True, bound=before, limit=size + 1)
        has_previous = len(found) > size
        page_rows = list(reversed(found[:size]))
        if before is not None and not has_previous and len(page_rows) < size:
            return keyset_page(rows, key=key, size=size)  # near the start: a full first page instead
        page = KeysetPage(page_rows, key, has_previous=has_previous, has_next=before is not None)
    else:
        found = _walk(rows, key, reverse=False, bound=after, limit=size + 1)
        if after is not None and not found:
            return keyset_page(rows, key=key, size=size, last=True)  # past the end: the last page
        page = KeysetPage(found[:size], key, has_previous=after is not None, has_next=len(found) > size)
    if page.rows:
        first, final = page.rows[0], page.rows[-1]
        if page.has_previous:
            page.previous_cursor = encode_cursor(_get(first, key.field), _get(first, key.tie))
        if page.has_next:
            page.next_cursor = encode_cursor(_get(final, key.field), _get(final, key.tie))
    return page


@dataclass(frozen=True)
class CappedCount:
    """How many rows, exactly up to ``cap``; past it only "more than cap" (``is_capped``)."""

    value: int
    cap: int = DEFAULT_COUNT_CAP

    @property
    def is_capped(self) -> bool:
        return self.value > self.cap

    def __str__(self) -> str:
        return f"{self.cap:,}+" if self.is_capped else f"{self.value:,}"


def capped_count(rows: QuerySet[Any], *, cap: int = DEFAULT_COUNT_CAP) -> CappedCount:
    """``SELECT COUNT(*) FROM (SELECT … LIMIT cap + 1)``: bounded work whatever the list's size."""
    return CappedCount(rows.order_by().values("pk")[: cap + 1].count(), cap)


def first_page_query(rows: QuerySet[Any, Any], *, key: SortKey, size: int) -> QuerySet[Any, Any]:
    """The query behind a first page (values first): what an ``EXPLAIN`` of a list's sort should show walking
    its index (tests/integration/tickets/test_query_plans.py)."""
    return _segment(rows, key, null=False, reverse=False, bound=None)[: size + 1]


@dataclass(frozen=True)
class PageRequest:
    """Where a list's URL asks to be: ``after`` / ``before`` a row, or the ``last`` page (else the first).
    ``notice`` says a page link was not understood (the first page is shown instead)."""

    after: Cursor | None = None
    before: Cursor | None = None
    last: bool = False
    notice: str = ""
    token: str = ""  # the (valid) after/before token as given

    def query(self) -> str:
        """The position as a query string ("after=…", "before=…", "last=1" or ""), e.g. for a poll."""
        if self.after is not None:
            return f"after={self.token}"
        if self.before is not None:
            return f"before={self.token}"
        return "last=1" if self.last else ""


def page_request(params: Mapping[str, Any]) -> PageRequest:
    """Read ``after``, ``before`` and ``last=1`` from a query string (``request.GET``); never an error."""
    after_token, before_token = str(params.get("after") or ""), str(params.get("before") or "")
    after, before = decode_cursor(after_token), decode_cursor(before_token)
    notice = ""
    if (after_token and after is None) or (before_token and before is None):
        notice = "The page link was not understood; the first page is shown."
        after = before = None
    if after is not None:
        before = None
    last = str(params.get("last") or "") == "1" and not (after or before)
    token = after_token if after is not None else (before_token if before is not None else "")
    return PageRequest(after, before, last, notice, token)


def keyset_page_for[T](
    rows: QuerySet[Any, T], *, key: SortKey, size: int, where: PageRequest
) -> KeysetPage[T]:
    return keyset_page(rows, key=key, size=size, after=where.after, before=where.before, last=where.last)


@dataclass(frozen=True)
class PageLinks:
    """Query strings of the pages around one ("" when there is none), each with the list's own filters."""

    first: str = ""
    previous: str = ""
    next: str = ""
    last: str = ""


def page_links(page: KeysetPage[Any], *, filter_query: str = "") -> PageLinks:
    """Links for a page: ``filter_query`` (the list's filters, urlencoded) plus the position."""

    def link(position: str) -> str:
        return f"{filter_query}&{position}" if filter_query else position

    return PageLinks(
        first=(filter_query or "page=1") if page.has_previous else "",
        previous=link(f"before={page.previous_cursor}") if page.has_previous else "",
        next=link(f"after={page.next_cursor}") if page.has_next else "",
        last=link("last=1") if page.has_next else "",
    )
