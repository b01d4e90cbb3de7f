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
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import (
    analyze_mirror,
    bench_connection,
    bench_departments,
    bulk_insert,
    interleaved,
    mark_synced,
    print_ratio_table,
    setup_django,
    signed_in_client,
)

STATUSES = ["Open"] * 5 + ["On Hold", "Escalated", "Closed", "Closed", "Waiting on Customer"]


def build_mirror(agent_count: int, tickets: int):
    from apps.team.models import Agent, Team
    from apps.tickets.models import Ticket, TicketThread

    rng = random.Random(7)
    connection = bench_connection()
    departments = bench_departments(connection, 8)
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
    threads = []

    def ticket_rows():
        for n in range(tickets):
            created = now - timedelta(minutes=rng.randint(0, 60 * 24 * 365))
            modified = min(now, created + timedelta(minutes=rng.randint(0, 60 * 24 * 10)))
            status = rng.choice(STATUSES)
            assignee = "" if rng.random() < 0.15 else rng.choice(agents).desk_id
            yield Ticket(
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

    bulk_insert(Ticket, ticket_rows())
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
    mark_synced(connection)
    return connection, agents, departments, len(threads)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()

    setup_django()
    from django.db import connection as db

    from apps.core.roles import Role

    started = time.perf_counter()
    desk, agents, departments, threads = build_mirror(args.agents, args.tickets)
    analyze_mirror()
    print(
        f"{db.vendor}: mirror of {args.agents} agents, {args.tickets:,} tickets and {threads:,} threads built "
        f"in {time.perf_counter() - started:.1f} s"
    )
    client = signed_in_client(username="bench-manager", role=Role.MANAGER, org_id=desk.org_id)
    admin_client = signed_in_client(username="bench-admin", role=Role.ADMIN, org_id=None)
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
    timings = interleaved(pages, args.rounds)
    # Cold: the figures computed again (the cache emptied before each request), measured apart so that
    # emptying the cache does not make the warm rows above cold too.
    cold = [
        ("agents, cold", client, "/team/"),
        ("departments, cold", client, "/team/departments/"),
        ("teams, cold", client, "/team/teams/"),
    ]
    timings |= interleaved(cold, args.rounds, warm_up=0, cold=True)
    print_ratio_table(pages + cold, timings, width=28)


if __name__ == "__main__":
    main()
