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


COLUMNS: dict[str, Column] = {
    c.key: c
    for c in (
        Column("number", "#", "ticket_number_int"),
        Column("subject", "Subject", "subject"),
        Column("status", "Status", "status"),
        Column("priority", "Priority", "priority_rank"),
        Column("assignee", "Assignee", "assignee_name"),
        Column("team", "Team", "team_name"),
        Column("department", "Department", "department_name"),
        Column("contact", "Contact", "contact_name"),
        Column("channel", "Channel", "channel"),
        Column("classification", "Classification", "classification"),
        Column("due", "Due", "due_date"),
        Column("created", "Created", "created_time"),
        Column("modified", "Modified", "modified_time"),
    )
}
DEFAULT_COLUMNS = ("number", "subject", "status", "priority", "assignee", "contact", "due", "modified")
DEFAULT_SORT = "-modified"
