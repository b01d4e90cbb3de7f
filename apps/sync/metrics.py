"""Metric source (settings.OPS_METRICS_SOURCES, docs/operations.md): how far behind Desk each mirror is.

``sync_lag_seconds``: seconds since the connection's last successful sync (absent before the first one);
``sync_running``: 1 while a run holds the connection's lease. Yields ``(name, value, labels, help)`` tuples;
nothing here imports apps.ops.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone

from apps.sync.models import SyncState

MetricSample = tuple[str, float, dict[str, str], str]


def sync_samples() -> Iterator[MetricSample]:
    now = timezone.now()
    states = SyncState.objects.select_related("connection").exclude(connection__status="disconnected")
    for state in states:
        org = {"org": state.connection.org_id}
        if state.last_success_at is not None:
            lag = max(0.0, (now - state.last_success_at).total_seconds())
            yield "sync_lag_seconds", lag, org, "Seconds since the last successful sync of the org's mirror."
        running = state.locked_until is not None and state.locked_until > now
        yield "sync_running", 1 if running else 0, org, "1 while a sync holds the org's lease."
