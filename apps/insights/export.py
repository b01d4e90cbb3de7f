"""CSV files: a chart's numbers, and the tickets behind a drill-down streamed row by row (constant memory:
the rows come from the database in chunks through ``iterator()`` and leave as they are written)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

from apps.insights.selectors import Table
from apps.tickets.models import Ticket

TICKET_COLUMNS = (
    ("ticket_number", "ticket_number"),
    ("desk_id", "desk_id"),
    ("subject", "subject"),
    ("status", "status"),
    ("status_type", "status_type"),
    ("priority", "priority"),
    ("channel", "channel"),
    ("department_id", "department_desk_id"),
    ("team_id", "team_desk_id"),
    ("assignee_id", "assignee_desk_id"),
    ("created", "created_time"),
    ("first_response", "first_response_at"),
    ("response_due", "response_due_date"),
    ("due", "due_date"),
    ("closed", "closed_time"),
)
CHUNK = 2000


class _Echo:
    """A file that hands back what is written (csv.writer writes one row; the response streams it)."""

    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # a spreadsheet must not read a subject as a formula
    return "" if value is None else value


def _seconds(start: datetime | None, end: datetime | None) -> str:
    return "" if start is None or end is None else str(max(0, int((end - start).total_seconds())))


def ticket_rows(tickets: QuerySet[Ticket]) -> Iterator[list[Any]]:
    fields = [f for _, f in TICKET_COLUMNS]
    yield [h for h, _ in TICKET_COLUMNS] + ["first_response_seconds", "resolution_seconds"]
    created_at, first_at, closed_at = (
        fields.index("created_time"),
        fields.index("first_response_at"),
        fields.index("closed_time"),
    )
    status_type = fields.index("status_type")
    for row in tickets.values_list(*fields).iterator(chunk_size=CHUNK):
        closed = row[closed_at] if row[status_type] == "Closed" else None
        yield [_cell(v) for v in row] + [
            _seconds(row[created_at], row[first_at]),
            _seconds(row[created_at], closed),
        ]


def stream_csv(rows: Iterable[list[Any]], filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def table_csv(table: Table, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(table.headings)
    for row in table.rows:
        writer.writerow([_cell(v) for v in row])
    return response
