"""The initial sync against the sandbox over HTTP: exact call counts, a field-by-field match, resumption."""

from __future__ import annotations

import math

import pytest

from apps.customers.models import Account, Contact
from apps.desk.types import parse_datetime
from apps.sync import apply, engine
from apps.sync.engine import sync_run
from apps.sync.models import SyncCheckpoint, SyncState
from apps.team.models import Agent, Department, Team
from apps.tickets.models import SlaPolicy, Ticket

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)

TICKETS = 2_345


def _pages(count: int) -> int:
    # The last page is short, unless the count is a multiple of 100: then one more call answers 204.
    return count // 100 + 1


def test_initial_sync_makes_one_ticket_list_call_per_100_tickets_and_mirrors_every_field(make_world):
    from apps.sandbox import models as sandbox
    from apps.sandbox.api.serializers import ticket_json

    world = make_world(tickets=TICKETS)
    org = world.org

    report = sync_run(world.connection)

    assert report.finished and report.mode == "initial", report.error
    calls = world.calls_by_path()
    assert calls["/tickets"] == math.ceil(TICKETS / 100) == 24
    assert calls["/ticketsCount"] == 1
    contacts = sandbox.Contact.objects.filter(org=org, is_trashed=False).count()
    accounts = sandbox.Account.objects.filter(org=org, is_trashed=False).count()
    agents = sandbox.Agent.objects.filter(org=org, is_deleted=False).count()
    assert calls["/contacts"] == _pages(contacts)
    assert calls["/accounts"] == _pages(accounts)
    assert calls["/agents"] == _pages(agents)
    assert calls["/departments"] == 1
    assert calls["/teams"] == 1
    assert calls["/slas"] == 1
    assert sum(calls.values()) == report.api_calls

    assert Ticket.objects.filter(connection=world.connection).count() == TICKETS
    assert Contact.objects.filter(connection=world.connection).count() == contacts
    assert Account.objects.filter(connection=world.connection).count() == accounts
    assert Agent.objects.filter(connection=world.connection).count() == agents
    assert (
        Department.objects.filter(connection=world.connection).count()
        == sandbox.Department.objects.filter(org=org).count()
    )
    assert (
        Team.objects.filter(connection=world.connection).count()
        == sandbox.Team.objects.filter(org=org).count()
    )
    assert (
        SlaPolicy.objects.filter(connection=world.connection).count()
        == sandbox.SlaPolicy.objects.filter(org=org).count()
    )

    mirror = {t.desk_id: t for t in Ticket.objects.filter(connection=world.connection)}
    for source in sandbox.Ticket.objects.filter(org=org):
        expected = ticket_json(source)
        row = mirror[expected["id"]]
        assert row.raw == expected
        assert_ticket_columns_match(row, expected)


def assert_ticket_columns_match(row: Ticket, expected: dict) -> None:
    text = {
        "ticket_number": "ticketNumber",
        "subject": "subject",
        "description": "description",
        "status": "status",
        "status_type": "statusType",
        "priority": "priority",
        "channel": "channel",
        "classification": "classification",
        "category": "category",
        "sub_category": "subCategory",
        "email": "email",
        "phone": "phone",
        "contact_desk_id": "contactId",
        "account_desk_id": "accountId",
        "department_desk_id": "departmentId",
        "assignee_desk_id": "assigneeId",
        "team_desk_id": "teamId",
        "resolution": "resolution",
    }
    for column, key in text.items():
        assert getattr(row, column) == (expected[key] or ""), column
    times = {
        "due_date": "dueDate",
        "response_due_date": "responseDueDate",
        "customer_response_time": "customerResponseTime",
        "closed_time": "closedTime",
        "created_time": "createdTime",
        "modified_time": "modifiedTime",
    }
    for column, key in times.items():
        assert getattr(row, column) == parse_datetime(expected[key]), column
    assert row.desk_modified_time == parse_datetime(expected["modifiedTime"])
    assert row.thread_count == int(expected["threadCount"])
    assert row.comment_count == int(expected["commentCount"])
    assert row.attachment_count == int(expected["attachmentCount"])
    assert row.is_escalated == bool(expected["isEscalated"])
    assert row.is_over_due == bool(expected["isOverDue"])
    assert row.cf == expected["cf"]
    assert row.is_deleted is False


def test_initial_sync_killed_halfway_resumes_without_duplicates_or_gaps(make_world, monkeypatch):
    from apps.sandbox import models as sandbox

    world = make_world(tickets=1_250)
    real_apply = apply.apply_objects
    ticket_pages = {"n": 0}

    def crash_on_the_sixth_ticket_page(connection, entity, items, **kwargs):
        if entity == "tickets":
            ticket_pages["n"] += 1
            if ticket_pages["n"] == 6:
                raise RuntimeError("worker killed")
        return real_apply(connection, entity, items, **kwargs)

    monkeypatch.setattr(apply, "apply_objects", crash_on_the_sixth_ticket_page)
    with pytest.raises(RuntimeError, match="worker killed"):
        sync_run(world.connection)

    checkpoint = SyncCheckpoint.objects.get(connection=world.connection, entity="tickets")
    assert checkpoint.status == SyncCheckpoint.Status.RUNNING
    assert checkpoint.next_from == 500
    assert Ticket.objects.filter(connection=world.connection).count() == 500
    # The crashed run gave its lease back (finally), so the next run may start at once, and said why.
    state = SyncState.objects.get(connection=world.connection)
    assert state.locked_until is None
    assert "unexpected error" in state.last_error

    monkeypatch.setattr(apply, "apply_objects", real_apply)
    world.clear_log()
    report = sync_run(world.connection)

    assert report.finished, report.error
    calls = world.calls_by_path()
    # Only the pages not yet applied are fetched again: the 6th to the 13th; earlier entities are done.
    assert calls == {"/tickets": 13 - 5}
    mirrored = list(Ticket.objects.filter(connection=world.connection).values_list("desk_id", flat=True))
    assert len(mirrored) == len(set(mirrored)) == 1_250
    expected = {str(pk) for pk in sandbox.Ticket.objects.filter(org=world.org).values_list("pk", flat=True)}
    assert set(mirrored) == expected
    assert SyncState.objects.get(connection=world.connection).initial_completed_at is not None


def test_a_sync_paused_by_the_budget_keeps_its_checkpoint(make_world, monkeypatch):
    world = make_world(tickets=300)
    calls = {"n": 0}
    real_fetch = engine.SyncRun.fetch

    def fetch_until_budget_spent(self, walk, start):
        calls["n"] += 1
        if walk.entity == "tickets" and start == 200:
            raise engine.SyncPaused("budget", retry_at=engine.timezone.now())
        return real_fetch(self, walk, start)

    monkeypatch.setattr(engine.SyncRun, "fetch", fetch_until_budget_spent)
    report = sync_run(world.connection)
    assert not report.finished and report.retry_at is not None
    assert Ticket.objects.filter(connection=world.connection).count() == 200

    monkeypatch.setattr(engine.SyncRun, "fetch", real_fetch)
    world.clear_log()
    assert sync_run(world.connection).finished
    assert world.calls_by_path() == {"/tickets": 2}
    assert Ticket.objects.filter(connection=world.connection).count() == 300


def test_a_connection_desk_no_longer_accepts_stops_the_sync_with_a_clear_error(make_world):
    world = make_world(tickets=10)
    connection = world.connection
    connection.set_access_token("1000.revoked", expires_at=engine.timezone.now() + engine.timedelta(hours=1))
    connection.set_refresh_token("1000.revoked-too")
    connection.save()

    report = sync_run(connection)

    assert not report.finished
    assert report.error.startswith("Zoho Desk answered with an error")
    assert "revoked" not in report.error  # never a token
    state = SyncState.objects.get(connection=connection)
    assert state.last_error == report.error and state.locked_until is None
    connection.refresh_from_db()
    assert connection.last_synced_at is None
