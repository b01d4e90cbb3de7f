"""Planner statistics for the ticket mirror: ``ANALYZE`` (SQLite) / ``VACUUM (ANALYZE)`` (PostgreSQL) after an
initial sync or a large apply, so the queue's plans (docs/tickets.md, "Speed") are chosen on real figures.

A listener on the tickets entity (``apps.mirror.apply.on_saved``) adds up the rows applied per connection; once
they reach ``ANALYZE_AFTER_ROWS`` and at least half the rows counted at the previous run (so an initial sync of
100,000 tickets analyzes about eight times, not once per page), a background task (``tasks.mirror_analyze_task``,
run by the db_worker) is queued after the commit to analyze the tables: no request (a webhook, a write, a page)
waits for the statistics, it only counts rows and, when due, queues the task.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.core.cache import cache
from django.db import connections, transaction

from apps.connections.models import DeskConnection
from apps.tickets.models import Ticket

logger = logging.getLogger(__name__)

ANALYZE_AFTER_ROWS = 2000
_STATE_KEY = "tickets:analyze:{}"
_STATE_TTL = 30 * 24 * 3600
TABLES = ("tickets_ticket", "tickets_tickettag")


def mirror_analyze(*, using: str | None = None) -> None:
    """Refresh the planner's statistics of the ticket tables (and, on PostgreSQL, vacuum them when possible:
    a freshly loaded table is otherwise read through its heap for every index-only question)."""
    alias = using or Ticket.objects.db
    db = connections[alias]
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            verb = (
                "ANALYZE" if db.in_atomic_block else "VACUUM (ANALYZE)"
            )  # VACUUM can't run in a transaction
            for table in TABLES:
                cursor.execute(f"{verb} {table}")
        elif db.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit=1000")  # sampled: fast on a big table, plans as good
            for table in TABLES:
                cursor.execute(f"ANALYZE {table}")


def _after_commit(connection_id: int, rows: int) -> None:
    key = _STATE_KEY.format(connection_id)
    state: dict[str, int] = cache.get(key) or {"pending": 0, "base": 0}
    state["pending"] += rows
    due = state["pending"] >= max(ANALYZE_AFTER_ROWS, state["base"] // 2)
    if due:
        from apps.tickets.tasks import mirror_analyze_task  # tasks imports this module

        try:
            mirror_analyze_task.enqueue()
        except Exception:  # statistics are an optimisation: never fail a sync or a page over them
            logger.exception("Queueing the ANALYZE of the ticket mirror failed")
            return
        state = {"pending": 0, "base": state["base"] + state["pending"]}
    cache.set(key, state, _STATE_TTL)


def mirror_analyze_run() -> dict[str, Any]:
    """What the task runs: the statistics refreshed (outside a transaction, so PostgreSQL also vacuums)."""
    try:
        mirror_analyze()
    except Exception:  # logged, not raised: the next large apply queues another run
        logger.exception("ANALYZE of the ticket mirror failed")
        return {"analyzed": False}
    return {"analyzed": True, "tables": list(TABLES)}


def tickets_saved(connection: DeskConnection, rows: Sequence[Any]) -> None:
    """Listener for applied tickets: count them, and queue the analyze task after the commit once enough
    have changed."""
    count, connection_id = len(rows), connection.pk
    transaction.on_commit(lambda: _after_commit(connection_id, count))
