"""Recurring sync without cron: a self-renewing tick task, claimed in the database, plus a cheap watchdog.

* ``sync_tick`` (a django.tasks task) enqueues a sync for each connection that is due, then enqueues
  itself again ``SYNC_TICK_SECONDS`` later (``run_after``). The queue lives in the database
  (django-tasks-db), so the chain survives restarts of every process.
* Each tick first claims the single ``SchedulerTick`` row with ``UPDATE … WHERE next_tick_at <= now``:
  duplicate ticks (two watchdogs raced, a retried task) find it claimed and end without re-enqueuing,
  so the chain never multiplies.
* The watchdog (``tick_ensure``) restarts a broken chain (e.g. the queue was purged): it runs at most
  once a minute per process on web requests and from ``desk_sync``, and costs one indexed query.
* A worker killed mid-sync leaves its task row ``RUNNING``; the sync's lease (renewed before every Desk
  call) is its heartbeat. Each tick, ``killed_syncs_recover`` marks a sync task failed once it has run for
  longer than a lease while its connection's lease lapsed, and queues the connection's sync again (it
  resumes from the checkpoint).
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.tasks import TaskResultStatus, default_task_backend
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from apps.connections.models import DeskConnection
from apps.mirror import freshness
from apps.sync.engine import sync_state_for
from apps.sync.models import SchedulerTick, SyncState

logger = logging.getLogger(__name__)

_TICK_ROW = 1
_last_watchdog = 0.0


def tick_seconds() -> int:
    return settings.SYNC_TICK_SECONDS


def backend_runs_elsewhere() -> bool:
    """True when tasks run in a worker (django-tasks-db); False for the immediate backend, which would run a
    long sync inside the web request that queued it."""
    return bool(getattr(default_task_backend, "supports_defer", False))


def _tick_row() -> SchedulerTick:
    row = SchedulerTick.objects.filter(pk=_TICK_ROW).first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            return SchedulerTick.objects.create(pk=_TICK_ROW)
    except IntegrityError:
        return SchedulerTick.objects.get(pk=_TICK_ROW)


def tick_claim(*, now: datetime | None = None) -> bool:
    """Claim the current tick: True for exactly one caller per tick interval."""
    now = now or timezone.now()
    _tick_row()
    slack = timedelta(seconds=5)  # a worker may pick a run_after task up a moment early
    return (
        SchedulerTick.objects.filter(pk=_TICK_ROW)
        .filter(Q(next_tick_at__isnull=True) | Q(next_tick_at__lte=now + slack))
        .update(next_tick_at=now + timedelta(seconds=tick_seconds()), last_tick_at=now)
        == 1
    )


def connections_due(*, now: datetime | None = None) -> list[DeskConnection]:
    """Usable connections whose next sync is due (or that never synced).

    Push health (``apps.mirror.freshness``, filled by the webhooks app) moves this: while verified webhook
    deliveries flow, the scheduled sync waits ``delay_seconds`` longer; a gap in deliveries seen after the last
    sync makes one due at once.
    """
    now = now or timezone.now()
    usable = [c for c in DeskConnection.objects.filter(status=DeskConnection.Status.HEALTHY) if c.is_usable]
    states = {s.connection_id: s for s in SyncState.objects.filter(connection__in=usable)}
    due = []
    for connection in usable:
        state = states.get(connection.pk)
        if state is None or state.next_run_at is None:
            due.append(connection)
            continue
        if (
            _gap_unsynced(connection, state)
            or state.next_run_at + timedelta(seconds=freshness.sync_delay_seconds(connection)) <= now
        ):
            due.append(connection)
    return due


def _gap_unsynced(connection: DeskConnection, state: SyncState) -> bool:
    """Pushes were missed after the last sync started (and no sync holds the lease now)."""
    gap = freshness.sync_gap(connection)
    if gap is None or (state.last_started_at is not None and state.last_started_at >= gap):
        return False
    return state.locked_until is None or state.locked_until <= timezone.now()


def enqueue_due_syncs(*, now: datetime | None = None) -> int:
    """Queue one sync per due connection. Each is claimed first (next_run_at pushed ahead), so a second
    tick does not queue it again before it has run."""
    # A real cycle: apps.sync.tasks imports this module at its top (the tick task calls it).
    from apps.sync.tasks import sync_connection_task

    now = now or timezone.now()
    queued = 0
    for connection in connections_due(now=now):
        state = sync_state_for(connection)
        lease = {"next_run_at": now + timedelta(seconds=settings.SYNC_LEASE_SECONDS)}
        due_now = Q(next_run_at__isnull=True) | Q(next_run_at__lte=now)
        if _gap_unsynced(connection, state):
            # A gap in pushed changes: due whatever next_run_at says. Marking it started now keeps the next
            # tick from queueing it again before the worker picks it up (the run sets it once more).
            due_now = Q(next_run_at=state.next_run_at)
            lease["last_started_at"] = now
        elif freshness.sync_delay_seconds(connection):
            due_now = Q(next_run_at=state.next_run_at)  # connections_due already added the delay
        claimed = SyncState.objects.filter(pk=state.pk).filter(due_now).update(**lease)
        if claimed:
            sync_connection_task.enqueue(connection.pk)
            queued += 1
    return queued


# The task rows' paths (django-tasks-db stores each task's module path).
SYNC_TASK = "apps.sync.tasks.sync_connection_task"
TICK_TASK = "apps.sync.tasks.sync_tick"


class WorkerLost(Exception):
    """Recorded on a task row whose worker died while it ran (its lease lapsed)."""


def _connection_of(row: DBTaskResult) -> int | None:
    arguments = row.args_kwargs or {}
    values = [*(arguments.get("args") or []), (arguments.get("kwargs") or {}).get("connection_id")]
    first = values[0] if values else None
    return first if isinstance(first, int) and not isinstance(first, bool) else None


def killed_syncs_recover(*, now: datetime | None = None) -> int:
    """Sync task rows a dead worker left ``RUNNING``: each whose run started more than a lease ago and
    whose connection's lease has lapsed (nobody renews it) is marked failed, then the sync is queued again.
    Ticks killed mid-way are marked failed too (the watchdog restarts the chain). Returns the syncs re-queued."""
    from apps.sync.tasks import sync_connection_task  # (the same cycle as above)

    now = now or timezone.now()
    lapsed_before = now - timedelta(seconds=settings.SYNC_LEASE_SECONDS)
    running = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, task_path__in=[SYNC_TASK, TICK_TASK], started_at__lt=lapsed_before
    )
    requeued = 0
    for row in running:
        connection_id = _connection_of(row) if row.task_path == SYNC_TASK else None
        if (
            connection_id is not None
            and SyncState.objects.filter(connection_id=connection_id, locked_until__gte=now).exists()
        ):
            continue  # a run holds the connection's lease: maybe this one, still alive
        failed = DBTaskResult.objects.filter(pk=row.pk, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
            traceback="The worker running this task stopped (its sync lease lapsed); the sync was queued again.",
        )
        if failed and connection_id is not None:
            logger.warning(
                "sync scheduler: task %s of connection %s lost its worker; re-queued", row.pk, connection_id
            )
            arguments = row.args_kwargs or {}
            full = bool(
                [*(arguments.get("args") or []), False, False][1]
                or (arguments.get("kwargs") or {}).get("full")
            )
            sync_connection_task.enqueue(connection_id, full)
            requeued += 1
    return requeued


def tick_ensure(*, force: bool = False) -> bool:
    """Restart the tick chain if it stalled (overdue by more than one interval). True if a tick was queued."""
    global _last_watchdog
    if not settings.SYNC_AUTO_SCHEDULE or not backend_runs_elsewhere():
        return False
    if not force and time.monotonic() - _last_watchdog < 60:
        return False
    _last_watchdog = time.monotonic()
    now = timezone.now()
    _tick_row()
    stalled = (
        SchedulerTick.objects.filter(pk=_TICK_ROW)
        .filter(Q(next_tick_at__isnull=True) | Q(next_tick_at__lt=now - timedelta(seconds=tick_seconds())))
        .update(next_tick_at=now)
    )
    if not stalled:
        return False
    from apps.sync.tasks import sync_tick  # (the same cycle as above)

    sync_tick.enqueue()
    logger.info("sync scheduler: restarted the tick chain")
    return True


def on_request_started(**kwargs: Any) -> None:
    """The watchdog on web requests: cheap (once a minute per process) and never breaks a request."""
    if time.monotonic() - _last_watchdog < 60:
        return
    try:
        tick_ensure()
    except Exception:  # the database may not be migrated yet, or be busy: the next request tries again
        logger.debug("sync watchdog skipped", exc_info=True)
