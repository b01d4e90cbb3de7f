"""Planner statistics for the ticket mirror: ``ANALYZE`` (SQLite) / ``VACUUM (ANALYZE)`` (PostgreSQL) after an
initial sync or a large apply, so the queue's plans (docs/tickets.md, "Speed") are chosen on real figures.

A listener on the tickets entity (``apps.mirror.apply.on_saved``) adds up the rows applied per connection; once
they reach ``ANALYZE_AFTER_ROWS`` and at least half the rows counted at the previous run (so an initial sync of
100,000 tickets analyzes about eight times, not once per page), a background task (``tasks.mirror_analyze_task``,
run by the db_worker) is queued after the commit to analyze the tables: no request (a webhook, a write, a page)
waits for the statistics, it only counts rows and, when due, queues the task. The mechanism is shared with the
customers' mirror: apps/mirror/statistics.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction

from apps.connections.models import DeskConnection
from apps.mirror import statistics
from apps.tickets.models import Ticket

ANALYZE_AFTER_ROWS = statistics.ANALYZE_AFTER_ROWS
_STATE_KEY = "tickets:analyze:{}"
TABLES = ("tickets_ticket", "tickets_tickettag")
WHAT = "ticket mirror"


def mirror_analyze(*, using: str | None = None) -> None:
    """Refresh the planner's statistics of the ticket tables (and, on PostgreSQL, vacuum them when possible: a
    freshly loaded table is otherwise read through its heap for every index-only question).

    SQLite reads every index entry (no ``analysis_limit`` sample, ~0.3 s at 100,000 tickets, in the background
    task): a sample of the first ~1,000 entries of tickets_account_idx saw only tickets without an account and
    took any account for ~1,000 tickets."""
    statistics.analyze_tables(TABLES, using=using or Ticket.objects.db, sample_limit=0)


def _enqueue() -> None:
    from apps.tickets.tasks import mirror_analyze_task  # tasks imports this module

    mirror_analyze_task.enqueue()


def _after_commit(connection_id: int, rows: int) -> None:
    statistics.count_applied(
        _STATE_KEY.format(connection_id), rows, enqueue=_enqueue, what=WHAT, after_rows=ANALYZE_AFTER_ROWS
    )


def mirror_analyze_run() -> dict[str, Any]:
    """What the task runs: the statistics refreshed (outside a transaction, so PostgreSQL also vacuums)."""
    return statistics.analyze_run(lambda: mirror_analyze(), tables=TABLES, what=WHAT)


def tickets_saved(connection: DeskConnection, rows: Sequence[Any]) -> None:
    """Listener for applied tickets: count them, and queue the analyze task after the commit once enough
    have changed."""
    count, connection_id = len(rows), connection.pk
    transaction.on_commit(lambda: _after_commit(connection_id, count))
