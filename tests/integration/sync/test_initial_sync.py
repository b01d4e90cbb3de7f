"""The initial sync against the sandbox over HTTP: exact call counts, a field-by-field match, resumption."""

from __future__ import annotations

import math

import pytest

from apps.customers.models import Account, Contact
from apps.desk.types import parse_datetime
from apps.mirror import apply
from apps.sync import engine
from apps.sync.engine import sync_run
from apps.sync.models import SyncCheckpoint, SyncState
from apps.team.models import Agent, Department, Team
from apps.tickets.models import SlaPolicy, Ticket

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)

TICKETS = 2_345


def _queries(world, suffix: str) -> list[str]:
    from apps.sandbox.models import RequestLog

    return list(RequestLog.objects.filter(path__endswith=suffix).values_list("query", flat=True))


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
    # Through search by createdTime windows (each starting at the last page's newest time), plus one
    # newest-modified probe that sets the watermark. Never a deep offset.
    assert calls["/tickets/search"] <= math.ceil(TICKETS / 100) + 2
    assert "/tickets" not in calls and "/ticketsCount" not in calls
    starts = [
        int(p[5:]) for q in _queries(world, "/tickets/search") for p in q.split("&") if p.startswith("from=")
    ]
    assert max(starts) <= engine.SEARCH_MAX_FROM
    contacts = sandbox.Contact.objects.filter(org=org, is_trashed=False).count()
    accounts = sandbox.Account.objects.filter(org=org, is_trashed=False).count()
    agents = sandbox.Agent.objects.filter(org=org, is_deleted=False).count()
    assert calls["/contacts/search"] <= math.ceil(contacts / 100) + 2
    assert calls["/accounts/search"] <= math.ceil(accounts / 100) + 2
    assert calls["/agents"] == _pages(agents)
    assert calls["/departments"] == 1
    assert calls["/teams"] == 1
    assert calls["/slas"] == 1
    assert report.entities["tickets"].api_calls * 3 <= 1.05 * 3 * math.ceil(TICKETS / 100) + 3
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
        # Search answers embed a little more (assignee, contact…): every field of the ticket matches.
        assert {key: row.raw.get(key) for key in expected} == expected
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
    # The checkpoint holds the window (its start and the ids already applied there), not just an offset.
    assert checkpoint.cursor["search"] is True and checkpoint.cursor["lo"] and checkpoint.cursor["ids"]
    applied = Ticket.objects.filter(connection=world.connection).count()
    assert 400 <= applied <= 600
    # The crashed run gave its lease back (finally), so the next run may start at once, and said why.
    state = SyncState.objects.get(connection=world.connection)
    assert state.locked_until is None
    assert "unexpected error" in state.last_error

    monkeypatch.setattr(apply, "apply_objects", real_apply)
    world.clear_log()
    report = sync_run(world.connection)

    assert report.finished, report.error
    calls = world.calls_by_path()
    # Only the windows not yet applied are fetched again; earlier entities are done.
    assert set(calls) == {"/tickets/search", "/mailReplyAddress"}
    assert calls["/tickets/search"] <= math.ceil((1_250 - applied) / 100) + 2
    mirrored = list(Ticket.objects.filter(connection=world.connection).values_list("desk_id", flat=True))
    assert len(mirrored) == len(set(mirrored)) == 1_250
    expected = {str(pk) for pk in sandbox.Ticket.objects.filter(org=world.org).values_list("pk", flat=True)}
    assert set(mirrored) == expected
    assert SyncState.objects.get(connection=world.connection).initial_completed_at is not None


def test_a_sync_out_of_credits_pauses_and_resumes_from_its_checkpoint(make_world, monkeypatch):
    from apps.desk.errors import CreditsExhausted

    world = make_world(tickets=300)
    real_search = engine.SyncRun.search
    calls = {"n": 0}

    def search_until_credits_spent(self, entity, **kwargs):
        if entity == "tickets":
            calls["n"] += 1
            if calls["n"] == 4:  # the probe, two pages, then Desk says the day's credits are spent
                raise CreditsExhausted("THRESHOLD_EXCEEDED", retry_at=engine.timezone.now())
        return real_search(self, entity, **kwargs)

    monkeypatch.setattr(engine.SyncRun, "search", search_until_credits_spent)
    report = sync_run(world.connection)
    assert not report.finished and report.retry_at is not None
    assert Ticket.objects.filter(connection=world.connection).count() >= 199

    monkeypatch.setattr(engine.SyncRun, "search", real_search)
    world.clear_log()
    assert sync_run(world.connection).finished
    assert world.calls_by_path()["/tickets/search"] <= 2
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
