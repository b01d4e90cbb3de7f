"""A small hand-built mirror whose every figure is worked out by hand in test_metrics.py.

Days are New York days (UTC-5 in November): a ticket created at 04:30 UTC on the 30th belongs to the 29th.
``NOW`` is 2026-11-30 15:00 UTC (10:00 in New York); the 7-day range is the 24th to the 30th.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from apps.connections.models import DeskConnection
from apps.team.models import Agent, Department
from apps.tickets.models import Ticket, TicketThread

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
TZ = "America/New_York"
START, END = date(2026, 11, 24), date(2026, 11, 30)


def utc(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def build(connection: DeskConnection) -> dict[str, Ticket]:
    Agent.objects.create(connection=connection, desk_id="501", name="Ana Agent")
    Agent.objects.create(connection=connection, desk_id="502", name="Ben Agent")
    Department.objects.create(connection=connection, desk_id="1001", name="Support")
    Department.objects.create(connection=connection, desk_id="1002", name="Billing")
    spec: dict[str, dict] = {
        # T1: created 23:30 NY on the 29th; reply after 1 h (target met); resolution due tomorrow.
        "T1": dict(created_time=utc(30, 4, 30), first_response_at=utc(30, 5, 30), response_due_date=utc(30, 6),  # noqa: C408
                   due_date=utc(1, 4, 30, month=12), status="Open", status_type="Open", assignee_desk_id="501",
                   channel="Email", priority="High", conversation_synced_at=NOW),
        # T2: 01:00 NY on the 30th; reply after 30 min, 15 min late; closed after 2 h, 1 h late.
        "T2": dict(created_time=utc(30, 6), first_response_at=utc(30, 6, 30), response_due_date=utc(30, 6, 15),  # noqa: C408
                   due_date=utc(30, 7), closed_time=utc(30, 8), status="Closed", status_type="Closed",
                   assignee_desk_id="501", channel="EMAIL", priority="High", conversation_synced_at=NOW),
        # T3: on hold, no reply, reply due in 30 min (at risk), resolution overdue.
        "T3": dict(created_time=utc(28, 15), response_due_date=NOW + timedelta(minutes=30), due_date=utc(30, 14),  # noqa: C408
                   status="On Hold", status_type="On Hold", assignee_desk_id="502", channel="Phone", priority="Low"),
        # T4: reply after 10 min (no reply target); closed after 24 h, before its due date.
        "T4": dict(created_time=utc(28, 17), first_response_at=utc(28, 17, 10), due_date=utc(30, 0),  # noqa: C408
                   closed_time=utc(29, 17), status="Closed", status_type="Closed", assignee_desk_id="502",
                   channel="Web", priority=""),
        # T5: old, open, unassigned, no targets: backlog only.
        "T5": dict(created_time=utc(20, 12), status="Open", status_type="Open", channel="Email", priority="Low"),  # noqa: C408
        # T6: 09:00 NY on the 30th; reply after 40 min (met); resolution due in 30 min (at risk).
        "T6": dict(created_time=utc(30, 14), first_response_at=utc(30, 14, 40), response_due_date=utc(30, 20),  # noqa: C408
                   due_date=NOW + timedelta(minutes=30), status="Open", status_type="Open",
                   assignee_desk_id="501", channel="Chat", priority="Urgent"),
        # T7: created on the 25th, closed 03:00 UTC on the 27th = 22:00 NY on the 26th; no targets.
        "T7": dict(created_time=utc(25, 10), closed_time=utc(27, 3), status="Closed", status_type="Closed",  # noqa: C408
                   assignee_desk_id="502", channel="Email", priority="High", department_desk_id="1002"),
    }  # fmt: skip
    tickets = {}
    for number, (name, fields) in enumerate(spec.items(), start=1):
        fields.setdefault("department_desk_id", "1001")
        tickets[name] = Ticket.objects.create(
            connection=connection,
            desk_id=str(9000 + number),
            ticket_number=str(number),
            subject=f"Ticket {name}",
            modified_time=NOW - timedelta(hours=1),
            **fields,
        )
    for desk_id, (ticket, author, at) in enumerate(
        [("T1", "501", utc(30, 5, 30)), ("T2", "501", utc(30, 6, 30)), ("T6", "501", utc(30, 14, 40)),
         ("T4", "502", utc(28, 17, 10)), ("T4", "502", utc(20, 1))],
        start=1,
    ):  # fmt: skip
        TicketThread.objects.create(
            connection=connection,
            desk_id=str(7000 + desk_id),
            ticket=tickets[ticket],
            direction="out",
            author_desk_id=author,
            created_time=at,
        )
    TicketThread.objects.create(
        connection=connection, desk_id="7100", ticket=tickets["T3"], direction="in", created_time=utc(28, 15)
    )
    return tickets
