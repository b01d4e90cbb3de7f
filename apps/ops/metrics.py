"""Prometheus metrics (prometheus-client), correct across processes.

Counters and histograms (requests, Desk calls, refresh failures, webhook deliveries) are counted where they
happen. With ``PROMETHEUS_MULTIPROC_DIR`` set (production: every gunicorn process and task worker of a host
share one folder) they are written to memory-mapped files per process, and the ``/metrics`` view adds every
process's files up; without it (the embedded profile, tests) they live in this process only.

Gauges that describe shared state (credits used and left per org, calls in flight per org, sync lag per
connection, webhook backlog, task queue depth and age) are not counted at all: they are read when Prometheus
scrapes, from the database and the shared cache, by the *sources* listed in ``settings.OPS_METRICS_SOURCES``
(plain functions in the app that owns the data, so this app imports none of them) plus the task queue.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # Files are named per process; the host name keeps two containers sharing a volume apart (their pids
    # may be equal). Must be chosen before the first metric is made.
    from prometheus_client import values

    _host = socket.gethostname()
    values.ValueClass = values.MultiProcessValue(process_identifier=lambda: f"{_host}-{os.getpid()}")

from prometheus_client import (  # noqa: E402  (after the value class is chosen)
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily  # noqa: E402
from prometheus_client.multiprocess import MultiProcessCollector  # noqa: E402
from prometheus_client.registry import Collector  # noqa: E402

PREFIX = "deskadmin"
# One registry of our own (not the library's default one, which also holds process and GC collectors).
REGISTRY = CollectorRegistry(auto_describe=True)

_LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

HTTP_REQUESTS = Counter(
    f"{PREFIX}_http_requests",
    "Requests served, by view (URL name), method and status code.",
    ["view", "method", "status"],
    registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    f"{PREFIX}_http_request_duration_seconds",
    "Time to serve a request, by view (URL name) and method.",
    ["view", "method"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
DESK_CALLS = Counter(
    f"{PREFIX}_desk_calls",
    "Desk API calls (each attempt), by operation (method and path template) and outcome.",
    ["operation", "outcome"],
    registry=REGISTRY,
)
DESK_LATENCY = Histogram(
    f"{PREFIX}_desk_call_duration_seconds",
    "Time a Desk API call took, by operation.",
    ["operation"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
DESK_CREDITS = Counter(
    f"{PREFIX}_desk_credits_charged",
    "API credits Desk charged (its X-Rate-Limit-Request-Weight-v3), by org and priority.",
    ["org", "priority"],
    registry=REGISTRY,
)
TOKEN_REFRESH_FAILURES = Counter(
    f"{PREFIX}_token_refresh_failures",
    "Access-token refreshes that failed, by reason (invalid_grant: the connection needs re-consent).",
    ["reason"],
    registry=REGISTRY,
)
WEBHOOK_DELIVERIES = Counter(
    f"{PREFIX}_webhook_deliveries",
    "Webhook deliveries processed, by outcome (done, duplicate, failed, rejected).",
    ["outcome"],
    registry=REGISTRY,
)
WEBHOOK_LAG = Histogram(
    f"{PREFIX}_webhook_delivery_lag_seconds",
    "From a delivery's arrival to its events applied to the mirror.",
    buckets=(0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0),
    registry=REGISTRY,
)


class Sample(NamedTuple):
    """One gauge value a source reports at scrape time. Sources outside this app yield plain 4-tuples
    ``(name, value, labels, help)`` of the same shape, so they need not import it."""

    name: str  # without the deskadmin_ prefix
    value: float
    labels: dict[str, str]
    help: str


Source = Callable[[], Iterable[tuple[str, float, dict[str, str], str]]]


def _sources() -> list[Source]:
    found: list[Source] = []
    for path in getattr(settings, "OPS_METRICS_SOURCES", []):
        try:
            found.append(import_string(path))
        except ImportError:
            logger.warning("metrics source %s could not be imported", path)
    return found


def task_queue_samples() -> Iterator[tuple[str, float, dict[str, str], str]]:
    """django-tasks-db's queue: ready tasks and the age of the oldest, running tasks, by queue."""
    from django.db.models import Case, Count, F, Min, When
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult, get_date_max

    now = timezone.now()
    # A task waits from its enqueueing, or from its run_after when it was scheduled for later.
    waiting_since = Case(When(run_after=get_date_max(), then=F("enqueued_at")), default=F("run_after"))
    ready = (
        DBTaskResult.objects.ready()
        .order_by()
        .values("queue_name")
        .annotate(n=Count("id"), oldest=Min(waiting_since))
    )
    seen = set()
    for row in ready:
        seen.add(row["queue_name"])
        yield Sample("task_queue_depth", row["n"], {"queue": row["queue_name"]}, "Tasks ready to run.")
        age = (now - row["oldest"]).total_seconds() if row["oldest"] else 0.0
        yield Sample(
            "task_queue_oldest_age_seconds",
            max(0.0, age),
            {"queue": row["queue_name"]},
            "Seconds the oldest ready task has waited.",
        )
    for queue in {"default"} - seen:
        yield Sample("task_queue_depth", 0, {"queue": queue}, "Tasks ready to run.")
        yield Sample(
            "task_queue_oldest_age_seconds", 0, {"queue": queue}, "Seconds the oldest ready task has waited."
        )
    running = DBTaskResult.objects.running().order_by().values("queue_name").annotate(n=Count("id"))
    counts = {row["queue_name"]: row["n"] for row in running}
    for queue in sorted({"default", *counts}):
        yield Sample("tasks_running", counts.get(queue, 0), {"queue": queue}, "Tasks being run by a worker.")


class StateCollector(Collector):
    """Asks every source (and the task queue) at scrape time; a failing source is skipped and counted."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        families: dict[str, GaugeMetricFamily] = {}
        failed = 0
        for source in [task_queue_samples, *_sources()]:
            try:
                samples = [Sample(*item) for item in source()]
            except Exception:
                failed += 1
                logger.exception("metrics source %s failed", getattr(source, "__name__", source))
                continue
            for sample in samples:
                name = f"{PREFIX}_{sample.name}"
                family = families.get(name)
                if family is None:
                    family = families[name] = GaugeMetricFamily(
                        name, sample.help or sample.name, labels=sorted(sample.labels)
                    )
                family.add_metric([sample.labels[key] for key in sorted(sample.labels)], float(sample.value))
        yield from families.values()
        errors = GaugeMetricFamily(
            f"{PREFIX}_metrics_source_errors", "Metric sources that failed in this scrape."
        )
        errors.add_metric([], failed)
        yield errors


def exposition() -> tuple[bytes, str]:
    """The text Prometheus scrapes: every process's counters (multiprocess mode) or this one's, and the state."""
    registry = CollectorRegistry()
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        MultiProcessCollector(registry, path=directory)
    else:
        registry.register(_ThisProcess())
    registry.register(StateCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _ThisProcess(Collector):
    def collect(self) -> Iterator:  # type: ignore[type-arg]
        yield from REGISTRY.collect()
