"""Metric source (settings.OPS_METRICS_SOURCES, docs/operations.md): each connected org's shared API budget.

Read at scrape time from the cache every process shares, so the figures are the org's, not one process's.
Yields ``(name, value, labels, help)`` tuples; apps.ops turns them into gauges (nothing here imports it).
"""

from __future__ import annotations

from collections.abc import Iterator

from apps.connections.models import DeskConnection
from apps.desk.budget import api_usage

MetricSample = tuple[str, float, dict[str, str], str]


def budget_samples() -> Iterator[MetricSample]:
    for connection in DeskConnection.objects.exclude(status=DeskConnection.Status.DISCONNECTED):
        usage = api_usage(connection.org_id, edition=connection.edition or None)
        org = {"org": connection.org_id}
        yield (
            "desk_credits_used_today",
            usage.credits_used_today,
            org,
            "API credits this console spent today.",
        )
        if usage.credits_left is not None:
            yield "desk_credits_left", usage.credits_left, org, "API credits Desk says are left today."
        if usage.daily_limit is not None:
            yield (
                "desk_credits_daily_limit",
                usage.daily_limit,
                org,
                "The day's API credits (set or learned).",
            )
        yield "desk_calls_in_flight", usage.in_flight, org, "Desk calls in flight now, across processes."
        yield "desk_concurrency_cap", usage.concurrency_cap, org, "Concurrent Desk calls the org allows."
        yield "desk_credits_paused", 1 if usage.paused else 0, org, "1 while the day's credits are spent."
