"""The queue's vocabulary: Desk's fixed choices, the table's columns, page sizes and the default sort."""

from __future__ import annotations

from dataclasses import dataclass

# Desk's built-in statuses; an org's custom ones are found in the mirror itself.
DEFAULT_STATUSES = ("Open", "On Hold", "Escalated", "Closed")
PRIORITIES = ("Low", "Medium", "High", "Urgent")
CHANNELS = ("Email", "Phone", "Web", "Chat", "Forums", "Twitter", "Facebook")
CLASSIFICATIONS = ("Question", "Problem", "Request", "Others")
PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 25
MAX_SEARCH_LENGTH = 200
MAX_DUE_HOURS = 24 * 365


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    # The ORM field the column sorts by ("" = not sortable).
    order_field: str
    # Whether that field may be NULL (a missing date, a name not in the mirror): NULLs sort last.
    nullable: bool = False


COLUMNS: dict[str, Column] = {
    c.key: c
    for c in (
        Column("number", "#", "number_value"),
        Column("subject", "Subject", "subject"),
        Column("status", "Status", "status"),
        Column("priority", "Priority", "priority_rank"),
        Column("assignee", "Assignee", "assignee_name", nullable=True),
        Column("team", "Team", "team_name", nullable=True),
        Column("department", "Department", "department_name", nullable=True),
        Column("contact", "Contact", "contact_name", nullable=True),
        Column("channel", "Channel", "channel"),
        Column("classification", "Classification", "classification"),
        Column("due", "Due", "due_date", nullable=True),
        Column("created", "Created", "created_time", nullable=True),
        Column("modified", "Modified", "modified_time", nullable=True),
    )
}
DEFAULT_COLUMNS = ("number", "subject", "status", "priority", "assignee", "contact", "due", "modified")
DEFAULT_SORT = "-modified"
# Past this many matches the queue says "1,000+" (counting further is on demand: apps/core/paging.py).
COUNT_CAP = 1000
