"""The sync under deletions and crashes: a worker killed mid-walk while Desk trashes tickets, the mirror
equal to Desk after the next sync (ids and fields); a kill without deletions resumes with nothing doubled
or missing; wrongly hidden rows come back; killed task rows are failed and re-queued."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from apps.desk.types import parse_datetime
from apps.mirror import apply
from apps.sync import engine, scheduler, tasks
from apps.sync.engine import sync_run
from apps.sync.models import SyncCheckpoint, SyncState
from apps.tickets.models import Ticket
from tests.integration.sync import conftest as sync_fixtures
from tests.integration.sync.conftest import SCOPES

# The sync tests' fixtures: a seeded sandbox org on the live server, connected.
make_world = sync_fixtures.make_world
no_sleep = sync_fixtures.no_sleep

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)

TICKETS = 564
NO_SEARCH = ",".join(s for s in SCOPES.split(",") if s != "Desk.search.READ")


class WorkerKilled(BaseException):
    """A kill: nothing in the run catches it, and (lease_release patched out) the lease stays taken."""


def _kill_on_ticket_page(monkeypatch, page: int) -> None:
    real_apply = apply.apply_objects
    seen = {"n": 0}

    def apply_until_killed(connection, entity, items, **kwargs):
        if entity == "tickets":
            seen["n"] += 1
            if seen["n"] == page:
                raise WorkerKilled
        return real_apply(connection, entity, items, **kwargs)

    monkeypatch.setattr(apply, "apply_objects", apply_until_killed)
    monkeypatch.setattr(engine, "lease_release", lambda connection, *, owner: None)


def _restart(monkeypatch, world) -> None:
    """The worker comes back: real code again, and the dead run's lease has lapsed."""
    monkeypatch.undo()
    monkeypatch.setattr(engine, "sleep", lambda seconds: None)
    state = SyncState.objects.get(connection=world.connection)
    assert state.lock_owner and state.locked_until > timezone.now()  # the dead run still holds it
    assert sync_run(world.connection).skipped  # nobody syncs the connection twice meanwhile
    SyncState.objects.filter(pk=state.pk).update(locked_until=timezone.now() - timedelta(seconds=1))


def _desk_tickets(org) -> dict[str, dict]:
    from apps.sandbox import models as sandbox

    rows = sandbox.Ticket.objects.filter(org=org, is_trashed=False).values(
        "pk", "subject", "status", "modified_time", "created_time"
    )
    return {str(r["pk"]): r for r in rows}


def _assert_mirror_equals_desk(world) -> None:
    desk = _desk_tickets(world.org)
    mirror = {t.desk_id: t for t in Ticket.objects.filter(connection=world.connection, is_deleted=False)}
    all_rows = list(Ticket.objects.filter(connection=world.connection).values_list("desk_id", flat=True))
    assert len(all_rows) == len(set(all_rows))  # 0 duplicates
    assert set(mirror) == set(desk)  # 0 missing, 0 hidden, nothing deleted left visible
    for desk_id, row in desk.items():
        mirrored = mirror[desk_id]
        assert (mirrored.subject, mirrored.status) == (row["subject"], row["status"])
        assert parse_datetime(mirrored.raw["modifiedTime"]) == engine.to_ms(row["modified_time"])
        assert mirrored.created_time == engine.to_ms(row["created_time"])


def _trash(world, ids: list[str]) -> None:
    from apps.connections.services import desk_client_for

    with desk_client_for(world.connection) as client:
        client.tickets_move_to_trash(ticket_ids=ids)


@pytest.mark.parametrize("scopes", [SCOPES, NO_SEARCH], ids=["search-windows", "list-fallback"])
def test_killed_mid_walk_while_desk_deletes_the_next_sync_makes_the_mirror_equal_to_desk(
    make_world, monkeypatch, scopes
):
    world = make_world(tickets=TICKETS, scopes=scopes)
    _kill_on_ticket_page(monkeypatch, 5)
    with pytest.raises(WorkerKilled):
        sync_run(world.connection)
    checkpoint = SyncCheckpoint.objects.get(connection=world.connection, entity="tickets")
    assert checkpoint.status == SyncCheckpoint.Status.RUNNING
    read = list(Ticket.objects.filter(connection=world.connection).order_by("created_time"))
    assert 300 <= len(read) <= 500
    # Desk trashes 40 tickets meanwhile: 30 the walk has read (every later one moves up 30 places in an
    # offset list), 10 it has not reached.
    unread = sorted(set(_desk_tickets(world.org)) - {t.desk_id for t in read})
    gone = [t.desk_id for t in read[10:40]] + unread[:10]
    _trash(world, gone)

    _restart(monkeypatch, world)
    report = sync_run(world.connection)

    assert report.finished, report.error
    assert report.search_fallback == (scopes == NO_SEARCH)
    if scopes == NO_SEARCH:
        # Without search there is no count to check: no live ticket is missing or hidden now, and the
        # ones trashed on pages read before the crash go at the next reconcile (a walk of the lists).
        live = set(_desk_tickets(world.org))
        visible = Ticket.objects.filter(connection=world.connection, is_deleted=False)
        assert live <= set(visible.values_list("desk_id", flat=True))
        SyncState.objects.filter(connection=world.connection).update(count_checked_at=None)
        assert sync_run(world.connection).finished
    _assert_mirror_equals_desk(world)
    deleted = set(
        Ticket.objects.filter(connection=world.connection, is_deleted=True).values_list("desk_id", flat=True)
    )
    assert deleted == set(gone[:30])  # the 10 unread ones were never mirrored


def test_killed_without_deletions_resumes_with_no_duplicate_and_none_missing(make_world, monkeypatch):
    world = make_world(tickets=TICKETS)
    _kill_on_ticket_page(monkeypatch, 3)
    with pytest.raises(WorkerKilled):
        sync_run(world.connection)
    applied = Ticket.objects.filter(connection=world.connection).count()
    _restart(monkeypatch, world)
    world.clear_log()

    report = sync_run(world.connection)

    assert report.finished, report.error
    _assert_mirror_equals_desk(world)
    assert Ticket.objects.filter(connection=world.connection, is_deleted=True).count() == 0
    # It resumed in its window: only what was not applied is read again (plus the page in flight).
    assert world.calls_by_path()["/tickets/search"] <= (TICKETS - applied) // 100 + 3


def test_rows_wrongly_hidden_come_back_with_the_count_check_whatever_their_modified_time(make_world):
    world = make_world(tickets=300)
    assert sync_run(world.connection).finished
    # What the old shortcut did: live tickets marked deleted without a confirming read.
    hidden = list(
        Ticket.objects.filter(connection=world.connection)
        .order_by("?")
        .values_list("desk_id", flat=True)[:40]
    )
    apply.mark_deleted(world.connection, "tickets", hidden)
    SyncState.objects.filter(connection=world.connection).update(count_checked_at=None)

    report = sync_run(world.connection)

    assert report.finished, report.error
    _assert_mirror_equals_desk(world)
    assert report.entities["tickets"].deleted == 0


def test_a_killed_sync_task_is_marked_failed_and_queued_again_never_left_running(make_world, monkeypatch):
    world = make_world(tickets=5)
    queued: list[tuple] = []

    class FakeTask:
        def enqueue(self, *args):
            queued.append(args)

    long_ago = timezone.now() - timedelta(hours=1)

    def running_row() -> DBTaskResult:
        return DBTaskResult.objects.create(
            status=TaskResultStatus.RUNNING,
            args_kwargs={"args": [world.connection.pk, False], "kwargs": {}},
            task_path=scheduler.SYNC_TASK,
            backend_name="default",
            run_after=long_ago,
            started_at=long_ago,
        )

    monkeypatch.setattr(tasks, "sync_connection_task", FakeTask())
    # Killed an hour ago: nobody renews the connection's lease any more.
    dead = running_row()
    SyncState.objects.update_or_create(connection=world.connection, defaults={"locked_until": None})
    assert scheduler.killed_syncs_recover() == 1
    assert scheduler.killed_syncs_recover() == 0  # once

    dead.refresh_from_db()
    assert dead.status == TaskResultStatus.FAILED and dead.finished_at is not None
    assert dead.exception_class_path.endswith("WorkerLost")
    assert queued == [(world.connection.pk, False)]

    # A long run that still renews its lease (its heartbeat) is left running.
    alive = running_row()
    SyncState.objects.filter(connection=world.connection).update(
        locked_until=timezone.now() + timedelta(minutes=4)
    )
    assert scheduler.killed_syncs_recover() == 0
    alive.refresh_from_db()
    assert alive.status == TaskResultStatus.RUNNING


@pytest.mark.parametrize("scopes", [SCOPES, NO_SEARCH], ids=["batched-search", "one-get-each"])
def test_suspects_are_confirmed_by_reading_desk_and_only_the_gone_are_marked(make_world, scopes):
    from apps.connections.services import desk_client_for

    world = make_world(tickets=120, scopes=scopes)
    assert sync_run(world.connection).finished
    suspects = sorted(Ticket.objects.filter(connection=world.connection).values_list("desk_id", flat=True))[
        :30
    ]
    gone = suspects[::6]  # 5 of the 30 are trashed in Desk; 25 are live
    _trash(world, gone)
    world.clear_log()

    assert engine.lease_acquire(world.connection, owner="confirm-test")
    with desk_client_for(world.connection) as client:
        run = engine.SyncRun(
            world.connection,
            client,
            owner="confirm-test",
            report=engine.SyncReport(connection_id=world.connection.pk),
            use_search=scopes == SCOPES,
        )
        assert run.confirm_deleted("tickets", suspects) == 5

    deleted = Ticket.objects.filter(connection=world.connection, is_deleted=True).values_list(
        "desk_id", flat=True
    )
    assert sorted(deleted) == sorted(gone)
    calls = world.calls_by_path()
    if scopes == SCOPES:
        assert calls == {"/tickets/search": 1}  # 30 suspects, one read
    else:
        assert sum(calls.values()) == 30  # a GET each
