"""What a queue URL means (``QueueFilters``) and the URLs built from it; ``forms.QueueFilterForm`` parses it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.http import QueryDict

from apps.tickets.columns import DEFAULT_COLUMNS, DEFAULT_PAGE_SIZE, DEFAULT_SORT

# The drill-down filters the filter bar has no control for: shown as chips above the results and carried
# through the bar's form as hidden inputs (templates/tickets/queue.html).
CHIP_PARAMS = ("closed_from", "closed_to", "hour", "state", "open_on", "responded", "sla")
STATE_LABELS = {"open": "open", "on_hold": "on hold", "closed": "closed", "unclosed": "not closed"}
SLA_STATE_LABELS = {
    "met": "met",
    "breached": "breached",
    "at_risk": "at risk",
    "pending": "pending",
    "none": "no target",
}
# Every filter (what "Clear filters" empties); sort, columns and page size are how the queue is shown, kept.
FILTER_PARAMS = (
    "q",
    "status",
    "priority",
    "department",
    "assignee",
    "team",
    "channel",
    "classification",
    "tag",
    "overdue",
    "due_within",
    "created_from",
    "created_to",
    "modified_from",
    "modified_to",
    *CHIP_PARAMS,
)


@dataclass(frozen=True)
class FilterChip:
    """One active filter the filter bar cannot show: its label and the queue URL without it."""

    key: str
    label: str
    remove_query: str


# The chips' order on the page (``QueueFilters.chips``).
CHIP_KEYS = ("closed", "hour", "open_on", "state", "responded", "sla")


def focus_after_removal(chips: list[FilterChip], removed: str) -> str:
    """Where the focus goes once the chip ``removed`` (a key, or "all") is gone: the chip that followed it,
    else the last one left, else "count" (the match count, which says what the queue now holds)."""
    keys = [chip.key for chip in chips]
    if removed in CHIP_KEYS:
        later = [key for key in keys if CHIP_KEYS.index(key) > CHIP_KEYS.index(removed)]
        if later:
            return later[0]
    return keys[-1] if keys else "count"


def day_label(day: date, *, today: date) -> str:
    """ "3 Nov", with the year when it is not this year's ("3 Nov 2025")."""
    text = f"{day.day} {day:%b}"
    return text if day.year == today.year else f"{text} {day.year}"


@dataclass
class QueueFilters:
    """Everything a queue URL says: filters, search, sort, page, page size and columns."""

    statuses: list[str] = field(default_factory=list)
    priorities: list[str] = field(default_factory=list)
    department: str = ""
    # "", "me", "unassigned" or an agent's Desk id.
    assignee: str = ""
    team: str = ""
    channel: str = ""
    classification: str = ""
    # A tag name (any case): tickets carrying it, from the mirror's TicketTag rows.
    tag: str = ""
    overdue: bool = False
    due_within_hours: int | None = None
    created_from: date | None = None
    created_to: date | None = None
    modified_from: date | None = None
    modified_to: date | None = None
    # Insights' drill-downs (apps/insights): closed on these days (closed tickets by closing time); ``hour``
    # narrows the created_from / closed_from day to one hour (0-23); ``state`` open, on_hold, closed or
    # unclosed (by status type); open at the end of ``open_on``; ``responded`` yes/no (a first reply is
    # known); ``sla`` "<response|resolution>-<met|breached|at_risk|pending|none>" (selectors.queue.sla_q).
    closed_from: date | None = None
    closed_to: date | None = None
    hour: int | None = None
    state: str = ""
    open_on: date | None = None
    responded: str = ""
    sla: str = ""
    query: str = ""
    sort: str = DEFAULT_SORT
    page: int = 1
    # Keyset paging (apps/core/paging.py): the page after / before a row (opaque tokens), or the last page.
    after: str = ""
    before: str = ""
    last: bool = False
    # "exact": count every match rather than stopping at COUNT_CAP.
    count: str = ""
    page_size: int = DEFAULT_PAGE_SIZE
    columns: list[str] = field(default_factory=lambda: list(DEFAULT_COLUMNS))
    # Human-readable notes about parts of the URL that were not understood (shown, never a 500).
    problems: list[str] = field(default_factory=list)

    def to_query(self, **overrides: Any) -> str:
        """The query string of these filters (defaults left out), with some values replaced."""
        values = {
            "q": self.query,
            "status": self.statuses,
            "priority": self.priorities,
            "department": self.department,
            "assignee": self.assignee,
            "team": self.team,
            "channel": self.channel,
            "classification": self.classification,
            "tag": self.tag,
            "overdue": "1" if self.overdue else "",
            "due_within": str(self.due_within_hours or ""),
            "created_from": self.created_from.isoformat() if self.created_from else "",
            "created_to": self.created_to.isoformat() if self.created_to else "",
            "modified_from": self.modified_from.isoformat() if self.modified_from else "",
            "modified_to": self.modified_to.isoformat() if self.modified_to else "",
            "closed_from": self.closed_from.isoformat() if self.closed_from else "",
            "closed_to": self.closed_to.isoformat() if self.closed_to else "",
            "hour": "" if self.hour is None else str(self.hour),
            "state": self.state,
            "open_on": self.open_on.isoformat() if self.open_on else "",
            "responded": self.responded,
            "sla": self.sla,
            "sort": "" if self.sort == DEFAULT_SORT else self.sort,
            "per_page": "" if self.page_size == DEFAULT_PAGE_SIZE else str(self.page_size),
            "col": [] if list(self.columns) == list(DEFAULT_COLUMNS) else self.columns,
            "page": "" if self.page == 1 else str(self.page),
            "after": self.after,
            "before": self.before,
            "last": "1" if self.last else "",
            "count": self.count,
        }
        if "page" in overrides:
            # A new position (another sort, a saved view): the page tokens belong to the old one.
            values.update(after="", before="", last="")
        values.update(overrides)
        query = QueryDict(mutable=True)
        for key, value in values.items():
            if isinstance(value, list | tuple):
                if value:
                    query.setlist(key, [str(v) for v in value])
            elif value not in ("", None):
                query[key] = str(value)
        return query.urlencode()

    @property
    def is_filtered(self) -> bool:
        return bool(
            self.statuses
            or self.priorities
            or self.department
            or self.assignee
            or self.team
            or self.channel
            or self.classification
            or self.tag
            or self.overdue
            or self.due_within_hours
            or self.created_from
            or self.created_to
            or self.modified_from
            or self.modified_to
            or self.closed_from
            or self.closed_to
            or self.state
            or self.open_on
            or self.responded
            or self.sla
            or self.hour is not None
            or self.query
        )

    def chip_params(self) -> list[tuple[str, str]]:
        """The drill-down filters in force as (name, value) pairs: the filter bar's hidden inputs."""
        values = QueryDict(self.to_query())
        return [(name, values[name]) for name in CHIP_PARAMS if values.get(name)]

    def chips(self, *, today: date) -> list[FilterChip]:
        """The active filters without a control in the filter bar, each labelled, with the URL that drops
        only it (back to the first page). Dates are the queue's days in the org's time zone."""

        def day(value: date) -> str:
            return day_label(value, today=today)

        def without(**removed: str) -> str:
            return self.to_query(page="", count="", **removed)

        chips = []
        if self.closed_from or self.closed_to:
            start, end = self.closed_from, self.closed_to
            if start and end:
                days = day(start) if start == end else f"{day(start)} – {day(end)}"
            else:
                days = f"from {day(start)}" if start else f"up to {day(end)}" if end else ""
            # Without a created day left, the hour would narrow nothing: it goes with the closed days.
            removed = {"closed_from": "", "closed_to": ""}
            if not self.created_from:
                removed["hour"] = ""
            chips.append(FilterChip("closed", f"Closed {days}", without(**removed)))
        if self.hour is not None:
            hours = f"{self.hour:02d}:00–{(self.hour + 1) % 24:02d}:00"
            which = " and ".join(
                name
                for name, day_set in (("created", self.created_from), ("closed", self.closed_from))
                if day_set
            )
            label = (
                f"{which.capitalize()} at {hours}"
                if which
                else f"Hour {hours} (no created or closed day: not applied)"
            )
            chips.append(FilterChip("hour", label, without(hour="")))
        if self.open_on:
            chips.append(
                FilterChip("open_on", f"Open at the end of {day(self.open_on)}", without(open_on=""))
            )
        if self.state:
            state = STATE_LABELS.get(self.state, self.state)
            chips.append(FilterChip("state", f"State: {state}", without(state="")))
        if self.responded:
            replied = "sent" if self.responded == "yes" else "none yet"
            chips.append(FilterChip("responded", f"First reply: {replied}", without(responded="")))
        if self.sla:
            kind, _, state = self.sla.partition("-")
            label = f"{kind.capitalize()} SLA: {SLA_STATE_LABELS.get(state, state)}"
            chips.append(FilterChip("sla", label, without(sla="")))
        return chips

    def clear_query(self) -> str:
        """The URL with every filter removed; the sort, columns and page size stay."""
        return self.to_query(page="", count="", **dict.fromkeys(FILTER_PARAMS, ""))

    def sort_query(self, column: str) -> str:
        """The URL that sorts by ``column``: ascending first, descending on a second click."""
        new = f"-{column}" if self.sort == column else column
        return self.to_query(sort=new, page="")

    def page_query(self, *, after: str = "", before: str = "", last: bool = False) -> str:
        """The URL of another page of the same queue (first page when nothing is given)."""
        return self.to_query(page="", after=after, before=before, last="1" if last else "")
