"""Metric source (settings.OPS_METRICS_SOURCES, docs/operations.md): webhook deliveries waiting and failing.

``webhook_backlog``: verified deliveries not yet applied; ``webhook_backlog_oldest_age_seconds``: how long
the oldest has waited (the delivery lag right now); ``webhook_delivery_lag_seconds_max``/``_avg``: arrival to
applied over the deliveries processed in the last hour; ``webhook_failures_last_hour``: deliveries that failed
or were rejected in the last hour. Yields ``(name, value, labels, help)`` tuples; nothing here imports apps.ops.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Max, Min, Q
from django.utils import timezone

from apps.webhooks.models import Delivery

MetricSample = tuple[str, float, dict[str, str], str]


def delivery_samples() -> Iterator[MetricSample]:
    now = timezone.now()
    waiting = Q(status__in=[Delivery.Status.PENDING, Delivery.Status.PROCESSING])
    failed = Q(
        status__in=[Delivery.Status.FAILED, Delivery.Status.REJECTED],
        received_at__gte=now - timedelta(hours=1),
    )
    rows = (
        Delivery.objects.filter(waiting | failed)
        .order_by()
        .values("connection__org_id")
        .annotate(
            backlog=Count("id", filter=waiting),
            oldest=Min("received_at", filter=waiting),
            failures=Count("id", filter=failed),
        )
    )
    for row in rows:
        org = {"org": row["connection__org_id"]}
        yield "webhook_backlog", row["backlog"], org, "Webhook deliveries received, not yet applied."
        age = (now - row["oldest"]).total_seconds() if row["oldest"] else 0.0
        yield (
            "webhook_backlog_oldest_age_seconds",
            max(0.0, age),
            org,
            "Seconds the oldest waiting delivery has waited.",
        )
        yield (
            "webhook_failures_last_hour",
            row["failures"],
            org,
            "Deliveries failed or rejected in the last hour.",
        )

    lag = ExpressionWrapper(F("processed_at") - F("received_at"), output_field=DurationField())
    processed = (
        Delivery.objects.filter(processed_at__gte=now - timedelta(hours=1), status=Delivery.Status.DONE)
        .order_by()
        .values("connection__org_id")
        .annotate(worst=Max(lag), mean=Avg(lag))
    )
    for done in processed:
        org = {"org": done["connection__org_id"]}
        if done["worst"] is not None:
            yield (
                "webhook_delivery_lag_seconds_max",
                done["worst"].total_seconds(),
                org,
                "Longest arrival-to-applied time of the last hour's deliveries.",
            )
        if done["mean"] is not None:
            yield (
                "webhook_delivery_lag_seconds_avg",
                done["mean"].total_seconds(),
                org,
                "Mean arrival-to-applied time of the last hour's deliveries.",
            )
