"""Planner statistics of mirror tables: ``ANALYZE`` (SQLite) / ``VACUUM (ANALYZE)`` (PostgreSQL) after an initial
sync or a large apply, so the pages' plans are chosen on real figures. Shared by the entity apps (the tickets'
``apps/tickets/maintenance.py``, the customers' ``apps/customers/maintenance.py``), each with its own tables and
its own background task.

An app's listener on its entities (``apps.mirror.apply.on_saved``) calls ``count_applied``: it adds up the rows
applied per connection after the commit; once they reach ``after_rows`` and at least half the rows counted at
the previous run (so an initial sync of 100,000 rows analyzes about eight times, not once per page), it queues
the app's task (run by the db_worker), which calls ``analyze_run``. No request (a webhook, a write, a page)
waits for the statistics: it only counts rows and, when due, queues the task.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from django.core.cache import cache
from django.db import connections

logger = logging.getLogger(__name__)

ANALYZE_AFTER_ROWS = 2000
_STATE_TTL = 30 * 24 * 3600


def analyze_tables(tables: Sequence[str], *, using: str, sample_limit: int = 0) -> None:
    """Refresh the planner's statistics of ``tables`` (and, on PostgreSQL, vacuum them when possible: a freshly
    loaded table is otherwise read through its heap for every index-only question).

    ``sample_limit``: SQLite's ``PRAGMA analysis_limit`` (0: every index entry is read). A limit samples only
    the first entries of each index, which misjudges a column whose first value is shared by many rows (every
    contact or ticket without an account has ``account_desk_id = ''``); the limit is set on each run because
    it stays on the database connection."""
    db = connections[using]
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            verb = (
                "ANALYZE" if db.in_atomic_block else "VACUUM (ANALYZE)"
            )  # VACUUM can't run in a transaction
            for table in tables:
                cursor.execute(f"{verb} {table}")
        elif db.vendor == "sqlite":
            cursor.execute(f"PRAGMA analysis_limit={int(sample_limit)}")
            for table in tables:
                cursor.execute(f"ANALYZE {table}")


def count_applied(
    key: str, rows: int, *, enqueue: Callable[[], Any], what: str, after_rows: int = ANALYZE_AFTER_ROWS
) -> bool:
    """Add ``rows`` applied rows to the count kept under ``key`` (one per app and connection); queue the analyze
    task (``enqueue``) once due. Call it after the commit. Whether it queued."""
    state: dict[str, int] = cache.get(key) or {"pending": 0, "base": 0}
    state["pending"] += rows
    due = state["pending"] >= max(after_rows, state["base"] // 2)
    if due:
        try:
            enqueue()
        except Exception:  # statistics are an optimisation: never fail a sync or a page over them
            logger.exception("Queueing the ANALYZE of the %s failed", what)
            return False
        state = {"pending": 0, "base": state["base"] + state["pending"]}
    cache.set(key, state, _STATE_TTL)
    return due


def analyze_run(analyze: Callable[[], None], *, tables: Sequence[str], what: str) -> dict[str, Any]:
    """What an analyze task runs: ``analyze()`` (outside a transaction, so PostgreSQL also vacuums); a failure
    is logged, not raised (the next large apply queues another run)."""
    try:
        analyze()
    except Exception:
        logger.exception("ANALYZE of the %s failed", what)
        return {"analyzed": False}
    return {"analyzed": True, "tables": list(tables)}
