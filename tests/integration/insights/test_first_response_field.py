"""``Ticket.first_response_at``: kept by the mirror from outgoing threads and Desk's ``responseTime``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.utils import timezone

from apps.tickets.mirror import mirror_apply_conversation, mirror_apply_ticket
from apps.tickets.models import Ticket
from apps.tickets.team_sections import _first_response_medians

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def ticket_payload(desk_id: str, *, modified: datetime, **extra) -> dict:
    return {
        "id": desk_id,
        "ticketNumber": desk_id,
        "subject": "Help",
        "status": "Open",
        "statusType": "Open",
        "assigneeId": "501",
        "createdTime": iso(T0),
        "modifiedTime": iso(modified),
        **extra,
    }


def thread(desk_id: str, direction: str, at: datetime) -> dict:
    return {"id": desk_id, "direction": direction, "channel": "EMAIL", "createdTime": iso(at)}


def test_outgoing_threads_set_the_earliest_reply(connection):
    mirror_apply_ticket(connection, ticket_payload("1", modified=T0))
    ticket = Ticket.objects.get(desk_id="1")
    assert ticket.first_response_at is None
    mirror_apply_conversation(connection, ticket, "threads", [thread("11", "in", T0 + timedelta(minutes=5))])
    assert Ticket.objects.get(desk_id="1").first_response_at is None
    mirror_apply_conversation(
        connection,
        ticket,
        "threads",
        [thread("12", "out", T0 + timedelta(minutes=40)), thread("13", "out", T0 + timedelta(minutes=20))],
    )
    assert Ticket.objects.get(desk_id="1").first_response_at == T0 + timedelta(minutes=20)
    # A later reply never moves it; an earlier one found later does.
    mirror_apply_conversation(connection, ticket, "threads", [thread("14", "out", T0 + timedelta(hours=3))])
    assert Ticket.objects.get(desk_id="1").first_response_at == T0 + timedelta(minutes=20)
    mirror_apply_conversation(
        connection, ticket, "threads", [thread("15", "out", T0 + timedelta(minutes=10))]
    )
    assert Ticket.objects.get(desk_id="1").first_response_at == T0 + timedelta(minutes=10)
    # A ticket update without responseTime keeps it.
    mirror_apply_ticket(connection, ticket_payload("1", modified=T0 + timedelta(hours=4), subject="Still"))
    assert Ticket.objects.get(desk_id="1").first_response_at == T0 + timedelta(minutes=10)


def test_desk_response_time_sets_it_and_the_earlier_wins(connection):
    mirror_apply_ticket(
        connection, ticket_payload("2", modified=T0, responseTime=iso(T0 + timedelta(minutes=30)))
    )
    ticket = Ticket.objects.get(desk_id="2")
    assert ticket.first_response_at == T0 + timedelta(minutes=30)
    mirror_apply_conversation(connection, ticket, "threads", [thread("21", "out", T0 + timedelta(hours=1))])
    assert Ticket.objects.get(desk_id="2").first_response_at == T0 + timedelta(minutes=30)


def test_team_median_reads_the_stored_field(connection):
    now = timezone.now()
    for desk_id, minutes in (("3", 10), ("4", 30), ("5", 50)):
        Ticket.objects.create(
            connection=connection,
            desk_id=desk_id,
            assignee_desk_id="501",
            created_time=now - timedelta(hours=2),
            first_response_at=now - timedelta(hours=2) + timedelta(minutes=minutes),
        )
    assert _first_response_medians(connection, now=now) == {"501": 30 * 60.0}
