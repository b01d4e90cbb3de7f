"""The one apply function: idempotent, order-safe by modifiedTime, merges partial payloads, feeds search."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from apps.connections.models import DeskConnection
from apps.customers.mirror import mirror_apply_contact
from apps.desk import types as desk
from apps.mirror.apply import apply_objects
from apps.tickets.mirror import mirror_apply_ticket, mirror_mark_deleted
from apps.tickets.models import Ticket
from apps.tickets.selectors import tickets_search

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def connection():
    return DeskConnection.objects.create(
        org_id="70001",
        org_name="Apply Org",
        data_center="us",
        accounts_url="https://accounts.zoho.com",
        api_domain="https://desk.zoho.com",
        client_id="1000.X",
    )


def ticket_json(desk_id="1", *, modified=T0, **fields):
    data = {
        "id": desk_id,
        "ticketNumber": "101",
        "subject": "Cannot log in",
        "description": "<div>Password reset <b>fails</b></div>",
        "status": "Open",
        "statusType": "Open",
        "priority": "High",
        "contactId": "900",
        "assigneeId": "500",
        "modifiedTime": desk.format_datetime(modified),
        "createdTime": desk.format_datetime(T0 - timedelta(days=1)),
        "threadCount": "2",
    }
    data.update(fields)
    return data


def test_applying_the_same_ticket_twice_changes_nothing_the_second_time(connection):
    first = mirror_apply_ticket(connection, ticket_json())
    second = mirror_apply_ticket(connection, ticket_json())

    assert (first.created, first.updated) == (1, 0)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 1)
    assert Ticket.objects.filter(connection=connection).count() == 1


def test_an_older_modified_time_never_overwrites_a_newer_one(connection):
    mirror_apply_ticket(connection, ticket_json(status="Closed", modified=T0 + timedelta(minutes=5)))

    result = mirror_apply_ticket(connection, ticket_json(status="Open", modified=T0))

    assert result.stale == 1
    row = Ticket.objects.get(connection=connection, desk_id="1")
    assert row.status == "Closed"
    assert row.desk_modified_time == T0 + timedelta(minutes=5)


def test_a_newer_version_wins_whatever_order_the_batch_holds(connection):
    newer = ticket_json(status="Closed", modified=T0 + timedelta(minutes=1))
    older = ticket_json(status="Open", modified=T0)

    apply_objects(connection, "tickets", [newer, older])

    assert Ticket.objects.get(connection=connection, desk_id="1").status == "Closed"


def test_a_typed_ticket_from_a_write_applies_like_desk_json(connection):
    mirror_apply_ticket(connection, ticket_json())
    answer = desk.Ticket.from_desk(ticket_json(assigneeId=None, modified=T0 + timedelta(seconds=1)))

    result = mirror_apply_ticket(connection, answer)

    assert result.updated == 1
    row = Ticket.objects.get(connection=connection, desk_id="1")
    assert row.assignee_desk_id == ""  # None in a whole object clears the field
    assert row.raw["assigneeId"] is None


def test_a_partial_payload_keeps_the_fields_it_does_not_carry(connection):
    mirror_apply_ticket(connection, ticket_json())
    partial = {
        "id": "1",
        "status": "On Hold",
        "modifiedTime": desk.format_datetime(T0 + timedelta(minutes=1)),
    }

    mirror_apply_ticket(connection, partial)

    row = Ticket.objects.get(connection=connection, desk_id="1")
    assert (row.status, row.subject, row.priority) == ("On Hold", "Cannot log in", "High")


def test_a_deleted_ticket_comes_back_only_with_a_newer_version(connection):
    mirror_apply_ticket(connection, ticket_json())
    mirror_mark_deleted(connection, "tickets", ["1"])

    assert mirror_apply_ticket(connection, ticket_json()).stale == 1
    assert Ticket.objects.get(connection=connection, desk_id="1").is_deleted

    mirror_apply_ticket(connection, ticket_json(modified=T0 + timedelta(hours=1)))
    assert not Ticket.objects.get(connection=connection, desk_id="1").is_deleted


def test_search_finds_tickets_by_subject_description_and_contact_name_or_email(connection):
    mirror_apply_ticket(connection, ticket_json())
    mirror_apply_ticket(
        connection, ticket_json("2", subject="Invoice missing", contactId="901", description="")
    )
    mirror_apply_contact(
        connection,
        {"id": "900", "firstName": "Grace", "lastName": "Hopper", "email": "grace@navy.example"},
    )

    def found(query):
        return [t.desk_id for t in tickets_search(connection, query)]

    assert found("log") == ["1"]  # a word prefix
    assert found("reset fails") == ["1"]  # the description, HTML stripped
    assert found("invoice") == ["2"]
    assert found("hopper") == ["1"]  # the contact's name, applied after the ticket
    assert found("grace@navy.example") == ["1"]
    assert found('" OR * NEAR(') == []  # search syntax in input is inert, never an error
    assert found("") == []


def test_search_leaves_out_other_connections_and_deleted_tickets(connection):
    other = DeskConnection.objects.create(
        org_id="70002",
        org_name="Other",
        data_center="us",
        accounts_url="https://accounts.zoho.com",
        api_domain="https://desk.zoho.com",
        client_id="1000.X",
    )
    mirror_apply_ticket(connection, ticket_json())
    mirror_apply_ticket(other, ticket_json())
    mirror_apply_ticket(connection, ticket_json("3"))
    mirror_mark_deleted(connection, "tickets", ["3"])

    assert [t.desk_id for t in tickets_search(connection, "login log")] == []
    assert [t.desk_id for t in tickets_search(connection, "cannot")] == ["1"]
