"""Server time of the team pages with 200 agents and 100,000 mirrored tickets, against the Overview page.

Usage: python bench/team_page.py [--agents 200] [--tickets 100000] [--rounds 30]
Builds a throw-away mirror (SQLite in a temp folder; set DATABASE_URL and SANDBOX_DATABASE_URL for
PostgreSQL), signs in a manager (who sees the workload figures), then times the agents page (default,
sorted by overdue, filtered, searched), an agent's page, the deactivate page (its reassign offer),
departments and teams. The figures are cached until the minute or the mirror changes: the "cold" rows are
the pages with everything computed again (the cache emptied before each request, as after a ticket
change); the other rows are warm. Prints median and p95 in milliseconds, the ratio to the Overview page measured in the
same run (the machine is shared: ratios compare across runs, milliseconds do not) and the queries each page
runs. Not a test: no asserts on time.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DESKADMIN_DATA_DIR", tempfile.mkdtemp(prefix="deskadmin-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deskadmin.settings_test")

STATUSES = ["Open"] * 5 + ["On Hold", "Escalated", "Closed", "Closed", "Waiting on Customer"]


def measure(client, path: str, count: int, *, cold: bool = False) -> list[float]:
    """Server time of ``count`` requests; ``cold`` empties the cache first (not timed), so the workload
    figures are computed again as after any ticket change."""
    from django.core.cache import cache

    timings = []
    for _ in range(count):
        if cold:
            cache.clear()
        start = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)  # a broken page is no figure
    return timings


def count_queries(client, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    return len(queries.captured_queries)


def build_mirror(agent_count: int, tickets: int):
    from apps.connections.models import DeskConnection
    from apps.team.models import Agent, Department, Team
    from apps.tickets.models import Ticket, TicketThread

    rng = random.Random(7)
    connection = DeskConnection.objects.create(
        org_id="900001",
        org_name="Bench Org",
        data_center="sandbox",
        accounts_url="http://127.0.0.1/sandbox/accounts",
        api_domain="http://127.0.0.1/sandbox/desk",
        client_id="bench",
    )
    departments = [
        Department.objects.create(connection=connection, desk_id=str(100 + i), name=f"Department {i}")
        for i in range(8)
    ]
    agents = Agent.objects.bulk_create(
        [
            Agent(
                connection=connection,
                desk_id=str(1000 + i),
                name=f"Agent {i:03d}",
                email=f"agent{i}@bench.example",
                status="DISABLED" if i % 9 == 8 else "ACTIVE",
                is_confirmed=i % 25 != 24,
                role_name="Agent",
                associated_department_ids=sorted(
                    {departments[i % 8].desk_id, departments[(i * 3) % 8].desk_id}
                ),
            )
            for i in range(agent_count)
        ]
    )
    for i in range(20):
        members = [a.desk_id for a in agents[i * agent_count // 20 : (i + 1) * agent_count // 20]]
        Team.objects.create(
            connection=connection,
            desk_id=str(2000 + i),
            name=f"Team {i}",
            department_desk_id=departments[i % 8].desk_id,
            member_ids=members,
        )
    now = datetime.now(UTC)
    batch, threads = [], []
    for n in range(tickets):
        created = now - timedelta(minutes=rng.randint(0, 60 * 24 * 365))
        modified = min(now, created + timedelta(minutes=rng.randint(0, 60 * 24 * 10)))
        status = rng.choice(STATUSES)
        assignee = "" if rng.random() < 0.15 else rng.choice(agents).desk_id
        batch.append(
            Ticket(
                connection=connection,
                desk_id=str(1_000_000 + n),
                ticket_number=str(n + 1),
                subject=f"Ticket {n}",
                status=status,
                status_type="Closed" if status == "Closed" else ("On Hold" if "Hold" in status else "Open"),
                department_desk_id=rng.choice(departments).desk_id,
                assignee_desk_id=assignee,
                team_desk_id=str(2000 + rng.randrange(20)) if rng.random() < 0.5 else "",
                created_time=created,
                modified_time=modified,
                desk_modified_time=modified,
                closed_time=modified if status == "Closed" else None,
                due_date=created + timedelta(hours=rng.randint(4, 24 * 7)),
            )
        )
        if len(batch) == 5000:
            Ticket.objects.bulk_create(batch)
            batch = []
    if batch:
        Ticket.objects.bulk_create(batch)
    # The mirrored conversations of the last 30 days' tickets: one incoming thread and a reply each.
    recent = Ticket.objects.filter(connection=connection, created_time__gte=now - timedelta(days=30)).exclude(
        assignee_desk_id=""
    )
    for ticket in recent.only("id", "desk_id", "created_time", "assignee_desk_id"):
        threads.append(
            TicketThread(
                connection=connection,
                ticket=ticket,
                desk_id=f"{ticket.desk_id}1",
                direction="in",
                created_time=ticket.created_time,
            )
        )
        threads.append(
            TicketThread(
                connection=connection,
                ticket=ticket,
                desk_id=f"{ticket.desk_id}2",
                direction="out",
                author_desk_id=ticket.assignee_desk_id,
                created_time=ticket.created_time + timedelta(minutes=rng.randint(5, 60 * 30)),
            )
        )
    TicketThread.objects.bulk_create(threads, batch_size=5000)
    DeskConnection.objects.filter(pk=connection.pk).update(last_synced_at=now)
    return connection, agents, departments, len(threads)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection as db
    from django.test import Client

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)
    call_command("migrate", database="sandbox", verbosity=0)
    from apps.core.models import OrgMembership
    from apps.core.roles import Role
    from apps.core.services import user_create

    started = time.perf_counter()
    desk, agents, departments, threads = build_mirror(args.agents, args.tickets)
    try:
        from apps.tickets.maintenance import mirror_analyze

        mirror_analyze()
    except ImportError:
        with db.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"{db.vendor}: mirror of {args.agents} agents, {args.tickets:,} tickets and {threads:,} threads built "
        f"in {time.perf_counter() - started:.1f} s"
    )
    manager = user_create(username="bench-manager", password="bench-password-1", role=Role.MANAGER)
    OrgMembership.objects.create(user=manager, org_id=desk.org_id)
    admin = user_create(username="bench-admin", password="bench-password-1", role=Role.ADMIN)
    client, admin_client = Client(), Client()
    client.force_login(manager)
    admin_client.force_login(admin)
    busy = agents[5].desk_id
    pages = [
        ("overview (base)", client, "/"),
        ("agents (200, workload)", client, "/team/"),
        ("agents: sort by overdue", client, "/team/?sort=-overdue"),
        ("agents: department+active", client, f"/team/?department={departments[1].desk_id}&status=active"),
        ("agents: search", client, "/team/?q=agent1"),
        ("agent page", client, f"/team/agents/{busy}/"),
        ("departments", client, "/team/departments/"),
        ("teams", client, "/team/teams/"),
        ("deactivate (admin)", admin_client, f"/team/agents/{busy}/deactivate/"),
    ]
    for _label, who, path in pages:
        measure(who, path, 3)  # warm up templates and caches
    timings: dict[str, list[float]] = {label: [] for label, _, _ in pages}
    for _ in range(args.rounds):
        for label, who, path in pages:
            timings[label] += measure(who, path, 1)
    # Cold: the figures computed again (the cache emptied before each request), measured apart so that
    # emptying the cache does not make the warm rows above cold too.
    cold = [
        ("agents, cold", client, "/team/"),
        ("departments, cold", client, "/team/departments/"),
        ("teams, cold", client, "/team/teams/"),
    ]
    for _ in range(args.rounds):
        for label, who, path in cold:
            timings.setdefault(label, [])
            timings[label] += measure(who, path, 1, cold=True)
    pages += cold
    queries = {label: count_queries(who, path) for label, who, path in pages}
    base = statistics.median(timings[pages[0][0]])
    base_p95 = statistics.quantiles(timings[pages[0][0]], n=20)[18]
    print(f"{'page':<28} {'p50 ms':>8} {'p95 ms':>8} {'p50 ×ov':>8} {'p95 ×ov':>8} {'queries':>8}")
    for label, _who, _path in pages:
        median = statistics.median(timings[label])
        p95 = statistics.quantiles(timings[label], n=20)[18]
        print(
            f"{label:<28} {median:>8.2f} {p95:>8.2f} {median / base:>8.2f} {p95 / base_p95:>8.2f}"
            f" {queries[label]:>8}"
        )


if __name__ == "__main__":
    main()
