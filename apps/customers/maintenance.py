"""Planner statistics for the customers' mirror (contacts, accounts) after an initial sync or a large apply, as
the tickets' mirror has them (the shared mechanism: apps/mirror/statistics.py).

Without statistics SQLite's planner guessed: the account 360° page's contacts walked the name index over every
contact (customers_contact_sort_idx) instead of reading the account's few. A listener on both entities counts
the rows applied per connection and, once enough changed, queues ``tasks.customers_analyze_task`` after the
commit; no request waits for the statistics. SQLite reads every index entry (no ``analysis_limit`` sample:
20,000 contacts take a few tens of milliseconds, in the background task).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction

from apps.connections.models import DeskConnection
from apps.customers.models import Contact
from apps.mirror import statistics

ANALYZE_AFTER_ROWS = statistics.ANALYZE_AFTER_ROWS
_STATE_KEY = "customers:analyze:{}"
TABLES = ("customers_contact", "customers_account")
WHAT = "customers' mirror"


def customers_analyze(*, using: str | None = None) -> None:
    """Refresh the planner's statistics of the contact and account tables (full, not sampled)."""
    statistics.analyze_tables(TABLES, using=using or Contact.objects.db, sample_limit=0)


def _enqueue() -> None:
    from apps.customers.tasks import customers_analyze_task  # tasks imports this module

    customers_analyze_task.enqueue()


def _after_commit(connection_id: int, rows: int) -> None:
    statistics.count_applied(
        _STATE_KEY.format(connection_id), rows, enqueue=_enqueue, what=WHAT, after_rows=ANALYZE_AFTER_ROWS
    )


def customers_analyze_run() -> dict[str, Any]:
    """What the task runs: the statistics refreshed; a failure logged, not raised."""
    return statistics.analyze_run(lambda: customers_analyze(), tables=TABLES, what=WHAT)


def customers_saved(connection: DeskConnection, rows: Sequence[Any]) -> None:
    """Listener for applied contacts and accounts: count them (one count for both), and queue the analyze task
    after the commit once enough have changed."""
    count, connection_id = len(rows), connection.pk
    transaction.on_commit(lambda: _after_commit(connection_id, count))
