"""Server time of the Insights page with 100,000 mirrored tickets in each of 5 orgs, against the Overview page,
and the peak memory of the per-ticket CSV export of 100,000 rows.

Usage: python bench/insights_page.py [--orgs 5] [--tickets 100000] [--rounds 20]
Builds a throw-away mirror (SQLite in a temp folder; set DATABASE_URL and SANDBOX_DATABASE_URL for
PostgreSQL): ``--orgs`` connections with ``--tickets`` tickets each over the last year (70 % with a first
reply, SLA targets, a reply thread on the last 30 days' tickets), signs in a manager of every org, then
times Insights (one org: 7 days, 30 days, today, one agent; all orgs: 30 days), the polled fragment when
nothing changed, a chart's CSV, and the Overview (the base). Insights' figures are cached per (org, mirror
version, minute, filters): the "cold" rows clear the cache before each request (the first view of a filter
set). The "busy" rows move the mirror version before every request (a live org: webhooks and syncs apply
all the time): "inline (before)" recomputes in the request (the tasks run at once), "stale+task" serves the
last block and queues the recompute, which the bench then runs as the worker would and times apart; the
Overview's busy rows do the same for its per-org cards (each card's recompute is one task). Prints median and p95 in ms, the ratio to the Overview measured in the same run (the machine
is shared: ratios compare across runs, milliseconds do not) and the queries per page; then the export's
rows, time and tracemalloc peak. Not a test: no asserts on time.
"""

import argparse
import random
import statistics
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import (
    analyze_mirror,
    bench_departments,
    bulk_insert,
    interleaved,
    mark_synced,
    measure,
    p95,
    print_ratio_table,
    setup_django,
    signed_in_client,
    ticket_sort_keys,
)

STATUSES = ["Open"] * 4 + ["On Hold", "Escalated"] + ["Closed"] * 4
PRIORITIES = ["Low", "Medium", "Medium", "High", "Urgent", ""]
CHANNELS = ["Email", "Email", "Web", "Phone", "Chat"]
AGENTS = 40


def build_org(index: int, tickets: int, rng: random.Random):
    from apps.connections.models import DeskConnection
    from apps.team.models import Agent
    from apps.tickets.models import Ticket, TicketThread

    connection = DeskConnection.objects.create(
        org_id=str(900001 + index),
        org_name=f"Bench Org {index + 1}",
        data_center="sandbox",
        accounts_url="http://127.0.0.1/sandbox/accounts",
        api_domain="http://127.0.0.1/sandbox/desk",
        client_id="bench",
    )
    departments = bench_departments(connection, 6)
    agents = Agent.objects.bulk_create(
        [
            Agent(
                connection=connection,
                desk_id=str(1000 + i),
                name=f"Agent {i:02d}",
                email=f"a{i}@bench.example",
            )
            for i in range(AGENTS)
        ]
    )
    now = datetime.now(UTC)
    offset = index * 10_000_000

    def rows():
        for n in range(tickets):
            created = now - timedelta(minutes=rng.randint(0, 60 * 24 * 365))
            status = rng.choice(STATUSES)
            closed = created + timedelta(minutes=rng.randint(30, 60 * 24 * 9)) if status == "Closed" else None
            closed = min(closed, now) if closed else None
            replied = created + timedelta(minutes=rng.randint(2, 60 * 30)) if rng.random() < 0.7 else None
            replied = min(replied, now) if replied else None
            priority, number = rng.choice(PRIORITIES), str(n + 1)
            yield Ticket(
                connection=connection,
                desk_id=str(1_000_000 + offset + n),
                ticket_number=number,
                subject=f"Ticket {n}",
                status=status,
                status_type="Closed" if status == "Closed" else ("On Hold" if "Hold" in status else "Open"),
                priority=priority,
                channel=rng.choice(CHANNELS),
                department_desk_id=rng.choice(departments).desk_id,
                assignee_desk_id="" if rng.random() < 0.1 else rng.choice(agents).desk_id,
                created_time=created,
                modified_time=closed or replied or created,
                desk_modified_time=closed or replied or created,
                closed_time=closed,
                first_response_at=replied,
                response_due_date=created + timedelta(hours=rng.choice([4, 8, 24])),
                due_date=created + timedelta(hours=rng.randint(24, 24 * 7)),
                **ticket_sort_keys(priority, number),
            )

    bulk_insert(Ticket, rows())
    recent = Ticket.objects.filter(
        connection=connection, created_time__gte=now - timedelta(days=30), first_response_at__isnull=False
    ).exclude(assignee_desk_id="")
    threads = (
        TicketThread(
            connection=connection,
            ticket_id=pk,
            desk_id=f"{desk_id}2",
            direction="out",
            author_desk_id=assignee,
            created_time=first,
        )
        for pk, desk_id, assignee, first in recent.values_list(
            "id", "desk_id", "assignee_desk_id", "first_response_at"
        ).iterator()
    )
    replies = bulk_insert(TicketThread, threads)
    mark_synced(connection)
    return connection, agents, replies


def poll_unchanged(client, connection, count: int) -> list[float]:
    """The polled fragment while the mirror did not change: one stamp compare, 204 (a turned minute: 200)."""
    from django.utils import timezone

    from apps.connections.models import DeskConnection
    from apps.insights.metrics import stamp

    connection = DeskConnection.objects.get(pk=connection.pk)
    timings = []
    for _ in range(count):
        since = stamp([connection], timezone.now())
        begin = time.perf_counter()
        client.get(f"/insights/metrics/?org={connection.pk}&range=30d&since={since}")
        timings.append((time.perf_counter() - begin) * 1000)
    return timings


def busy(client, connections, path: str, rounds: int, *, background: bool) -> tuple[list[float], list[float]]:
    """A busy org: its mirror version moves (a webhook or sync apply) before every request. ``background``
    False runs the recompute inside the request (``ImmediateBackend``: what every view paid before the
    stale-while-revalidate block); True queues it (``DummyBackend``) and then runs it untimed in the
    request's stead, as the db_worker would, timing it apart. Returns (request ms, recompute ms)."""
    from django.tasks import task_backends
    from django.test.utils import override_settings

    from apps.insights.tasks import insights_refresh_task, overview_refresh_task
    from apps.mirror import freshness

    ours = {insights_refresh_task.name, overview_refresh_task.name}
    backend = "dummy.DummyBackend" if background else "immediate.ImmediateBackend"
    requests, recomputes = [], []
    with override_settings(TASKS={"default": {"BACKEND": f"django.tasks.backends.{backend}"}}):
        measure(client, path, 1)  # the filter set's first view (inline) is not what is measured
        for _ in range(rounds):
            for connection in connections:
                freshness.bump(connection.pk)
            requests += measure(client, path, 1)
            if background:
                queued = task_backends["default"]
                for result in [r for r in queued.results if r.task.name in ours]:
                    begin = time.perf_counter()
                    result.task.call(*result.args, **result.kwargs)
                    recomputes.append((time.perf_counter() - begin) * 1000)
                queued.clear()
    return requests, recomputes


def export_memory(client, org_pk: int) -> tuple[int, float, float]:
    """The per-ticket CSV of every ticket of one org: rows, seconds and tracemalloc's peak in MiB."""
    tracemalloc.start()
    started = time.perf_counter()
    response = client.get(f"/insights/drill/?org={org_pk}&export=csv")
    rows = sum(chunk.count(b"\n") for chunk in response.streaming_content) - 1
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return rows, seconds, peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orgs", type=int, default=5)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    setup_django()
    from django.db import connection as db

    from apps.core.models import OrgMembership
    from apps.core.roles import Role

    rng = random.Random(7)
    started = time.perf_counter()
    built = [build_org(i, args.tickets, rng) for i in range(args.orgs)]
    analyze_mirror()
    print(
        f"{db.vendor}: {args.orgs} orgs × {args.tickets:,} tickets ({sum(b[2] for b in built):,} reply threads) "
        f"built in {time.perf_counter() - started:.1f} s"
    )
    first, agents, _ = built[0]
    client = signed_in_client(username="bench-manager", role=Role.MANAGER, org_id=first.org_id)
    user = client.session.get("_auth_user_id")
    for connection, _, _ in built[1:]:
        OrgMembership.objects.create(user_id=user, org_id=connection.org_id)
    org = f"org={first.pk}"
    pages = [
        ("overview (base)", client, "/"),
        ("insights 7 days", client, f"/insights/?{org}&range=7d"),
        ("insights 30 days", client, f"/insights/?{org}&range=30d"),
        ("insights today", client, f"/insights/?{org}&range=today"),
        ("insights 30 d, one agent", client, f"/insights/?{org}&range=30d&agent={agents[3].desk_id}"),
        ("insights 30 d, all 5 orgs", client, "/insights/?org=all&range=30d"),
        ("chart CSV (volume)", client, f"/insights/chart.csv?{org}&range=30d&chart=volume"),
    ]
    timings = interleaved(pages, args.rounds)
    cold = [
        ("insights 30 d, cold", client, f"/insights/?{org}&range=30d"),
        ("insights 7 d, cold", client, f"/insights/?{org}&range=7d"),
        ("all 5 orgs 30 d, cold", client, "/insights/?org=all&range=30d"),
    ]
    timings |= interleaved(cold, max(5, args.rounds // 2), warm_up=0, cold=True)
    table = print_ratio_table(pages + cold, timings, width=38)
    # A busy org: the mirror version moves before every request (most views on a live org).
    connections = [b[0] for b in built]
    busy_rounds = max(5, args.rounds // 2)
    for label, path, orgs in (
        ("30 d, busy", f"/insights/?{org}&range=30d", connections[:1]),
        ("7 d, busy", f"/insights/?{org}&range=7d", connections[:1]),
        ("all orgs 30 d, busy", "/insights/?org=all&range=30d", connections),
        ("overview, all busy", "/", connections),
        ("overview, one busy", "/", connections[:1]),
    ):
        inline, _ = busy(client, orgs, path, busy_rounds, background=False)
        served, recomputes = busy(client, orgs, path, busy_rounds, background=True)
        table.row(f"{label}, inline (before)", inline)
        table.row(f"{label}, stale+task", served)
        table.row("  its background recompute", recomputes)
    poll = poll_unchanged(client, first, args.rounds * 5)
    print(f"poll with nothing changed (204): p50 {statistics.median(poll):.2f} ms, p95 {p95(poll):.2f} ms")
    rows, seconds, peak = export_memory(client, first.pk)
    print(f"per-ticket CSV export: {rows:,} rows in {seconds:.1f} s, tracemalloc peak {peak:.1f} MiB")


if __name__ == "__main__":
    main()
