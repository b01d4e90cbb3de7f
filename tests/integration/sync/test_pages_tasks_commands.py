"""The sync page and its progress partial, "Sync now", the tasks and scheduler, the management commands."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from apps.connections.services import connection_connected
from apps.core.models import AuditEntry
from apps.sync import receivers, scheduler, tasks
from apps.sync.engine import sync_run
from apps.sync.models import SchedulerTick, SyncCheckpoint, SyncState
from apps.tickets.models import Ticket
from apps.tickets.services import ticket_conversation_refresh

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


def test_the_sync_page_shows_progress_and_freshness_without_calling_desk(make_world, client, admin_user):
    world = make_world(tickets=120)
    assert sync_run(world.connection).finished
    client.force_login(admin_user)
    world.clear_log()

    page = client.get(reverse("sync:status"))

    assert page.status_code == 200
    html = page.content.decode()
    assert "synced" in html and "s ago" in html
    assert "Up to date" in html
    assert "Sync now" in html
    assert 'hx-trigger="every 2s"' not in html  # nothing runs: no polling
    assert world.api_calls() == 0


def test_the_progress_partial_polls_while_a_sync_runs(make_world, client, admin_user):
    world = make_world(tickets=10)
    SyncState.objects.create(
        connection=world.connection, lock_owner="w1", locked_until=timezone.now() + timedelta(minutes=1)
    )
    SyncCheckpoint.objects.create(
        connection=world.connection,
        entity="tickets",
        status="running",
        done=300,
        total=1200,
        started_at=timezone.now() - timedelta(seconds=30),
    )
    client.force_login(admin_user)

    partial = client.get(reverse("sync:progress"), headers={"HX-Request": "true"})

    html = partial.content.decode()
    assert "<html" not in html
    assert 'hx-trigger="every 2s"' in html
    assert '<progress id="sync-bar" max="1200" value="300">' in html
    assert "Tickets: 300 / 1,200" in html
    assert "about 1 min left" in html  # 900 more at 10 a second
    assert 'style="' not in html


def test_sync_now_is_for_admins_only(make_world, client, agent_user):
    make_world(tickets=10)
    client.force_login(agent_user)

    assert client.post(reverse("sync:now")).status_code == 403
    assert "Sync now" not in client.get(reverse("sync:status")).content.decode()


def test_sync_now_queues_a_sync_and_audits_it(make_world, client, admin_user):
    world = make_world(tickets=30)
    client.force_login(admin_user)

    response = client.post(reverse("sync:now"), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "is queued" in response.headers["HX-Trigger"]
    # The test settings run tasks immediately: the sync has happened.
    assert Ticket.objects.filter(connection=world.connection).count() == 30
    entry = AuditEntry.objects.get(action="sync.requested")
    assert entry.org_id == world.connection.org_id


def test_the_task_syncs_a_connection_and_reports_the_calls(make_world):
    world = make_world(tickets=30)

    result = tasks.sync_connection_task.enqueue(world.connection.pk)

    assert result.return_value["finished"] is True
    assert result.return_value["mode"] == "initial"
    assert result.return_value["api_calls"] == world.api_calls()


def test_the_tick_queues_only_due_connections_and_a_duplicate_tick_does_nothing(make_world):
    world = make_world(tickets=20)
    assert sync_run(world.connection).finished  # next run is due in SYNC_INTERVAL_SECONDS
    world.clear_log()

    assert tasks.sync_tick.enqueue().return_value == 0
    assert tasks.sync_tick.enqueue().return_value == 0  # claimed: a second tick in the interval is a no-op
    assert world.api_calls() == 0

    SyncState.objects.filter(connection=world.connection).update(next_run_at=timezone.now())
    SchedulerTick.objects.update(next_tick_at=timezone.now())
    assert tasks.sync_tick.enqueue().return_value == 1
    assert world.calls_by_path() == {"/tickets/search": 1}


def test_the_first_sync_is_queued_when_an_org_is_connected(make_world, monkeypatch):
    world = make_world(tickets=5)
    queued = []

    class FakeTask:
        def enqueue(self, *args):
            queued.append(args)

    monkeypatch.setattr(scheduler, "backend_runs_elsewhere", lambda: True)
    monkeypatch.setattr(tasks, "sync_connection_task", FakeTask())
    monkeypatch.setattr(receivers, "sync_connection_task", tasks.sync_connection_task)

    connection_connected.send(
        sender=type(world.connection), connection=world.connection, created=True, actor=None
    )

    assert queued == [(world.connection.pk,)]
    assert receivers.queue_first_sync  # connected through apps.sync.receivers


def test_the_watchdog_restarts_a_stalled_tick_chain_once(make_world, monkeypatch):
    make_world(tickets=5)
    ticks = []
    monkeypatch.setattr(scheduler, "backend_runs_elsewhere", lambda: True)

    class FakeTick:
        def enqueue(self):
            ticks.append(1)

    monkeypatch.setattr(tasks, "sync_tick", FakeTick())
    SchedulerTick.objects.create(pk=1, next_tick_at=timezone.now() - timedelta(hours=1))

    assert scheduler.tick_ensure(force=True) is True
    assert scheduler.tick_ensure(force=True) is False  # the chain is alive again
    assert ticks == [1]


def test_desk_sync_command_syncs_and_desk_sync_status_reports(make_world):
    world = make_world(tickets=40)
    out = StringIO()

    call_command("desk_sync", connection=world.connection.pk, stdout=out)

    assert "initial sync done" in out.getvalue()
    status = StringIO()
    call_command("desk_sync_status", stdout=status)
    text = status.getvalue()
    assert world.connection.org_name in text and "synced" in text
    assert "Tickets" in text and "40" in text

    full = StringIO()
    world.clear_log()
    call_command("desk_sync", connection=world.connection.pk, full=True, stdout=full)
    assert "initial sync done" in full.getvalue()
    assert world.calls_by_path()["/tickets/search"] == 1


def test_desk_sync_with_an_unknown_connection_is_a_clear_error(db):
    with pytest.raises(CommandError, match="No connected Desk org with id 999"):
        call_command("desk_sync", connection=999)


def test_opening_a_ticket_fetches_its_conversation_once_until_it_changes(make_world):
    from apps.sandbox import models as sandbox

    world = make_world(tickets=20)
    assert sync_run(world.connection).finished
    source = sandbox.Ticket.objects.filter(org=world.org, thread_count__gte=2).first()
    world.clear_log()

    mirrored = Ticket.objects.get(connection=world.connection, desk_id=str(source.pk))
    ticket = ticket_conversation_refresh(ticket=mirrored)

    # threads, comments, attachments, tags, followers, then each thread's full content (Desk lists summaries)
    threads = sandbox.Thread.objects.filter(ticket=source).count()
    assert world.api_calls() == 5 + min(threads, 10)
    assert ticket.threads.count() == sandbox.Thread.objects.filter(ticket=source).count()
    assert ticket.comments.count() == sandbox.Comment.objects.filter(ticket=source).count()
    first_thread = sandbox.Thread.objects.filter(ticket=source).order_by("created_time").first()
    assert first_thread.summary.split()[0] in ticket.conversation_text

    ticket_conversation_refresh(ticket=ticket)
    assert world.api_calls() == 5 + min(threads, 10)  # fresh: no call
