"""Server time of the ticket queue with 100,000 mirrored tickets, against the Overview page in the same run.

Usage: python bench/queue_page.py [--tickets 100000] [--rounds 30] [--gunicorn-seconds 15]
Builds a throw-away mirror (SQLite in a temp folder), then times every query shape of issue 18 (filters,
searches, sorts incl. the name sorts, pages 1 / 200 / 1,000) in interleaved rounds (each round requests every page once, so
load on the shared machine hits all pages alike). Prints p50 and p95 in milliseconds, each as a ratio to the
Overview page measured in the same run, and the queries each page issues. Then serves the same database
with gunicorn as scripts/serve.sh runs it (one process, gthread) and prints the queue's requests per second
as a share of the Overview's. On SQLite by default; set DATABASE_URL and SANDBOX_DATABASE_URL (databases
created first, e.g. with psql) for PostgreSQL. Not a test: no asserts on time.
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
    bench_agents,
    bench_connection,
    bench_departments,
    bulk_insert,
    gunicorn_ratio,
    interleaved,
    mark_synced,
    print_ratio_table,
    setup_django,
    signed_in_client,
    ticket_sort_keys,
)

WORDS = [
    "invoice",
    "refund",
    "login",
    "password",
    "dashboard",
    "slow",
    "error",
    "export",
    "printer",
    "billing",
    "upgrade",
    "crash",
    "email",
    "sync",
    "mobile",
    "app",
    "report",
    "payment",
    "account",
    "locked",
    "timeout",
    "integration",
    "api",
    "webhook",
]
STATUSES = ["Open"] * 5 + ["On Hold", "Escalated", "Closed", "Closed", "Waiting on Customer"]
PRIORITIES = ["Low", "Medium", "High", "Urgent", ""]


def build_mirror(tickets: int):
    from apps.customers.models import Contact
    from apps.team.models import Team
    from apps.tickets.models import Ticket

    rng = random.Random(7)
    connection = bench_connection()
    departments = bench_departments(connection, 5)
    agents = bench_agents(connection, 40)
    teams = [
        Team.objects.create(connection=connection, desk_id=str(2000 + i), name=f"Team {i}") for i in range(8)
    ]
    contacts = Contact.objects.bulk_create(
        [
            Contact(
                connection=connection,
                desk_id=str(10_000 + i),
                first_name=f"First{i}",
                last_name=f"Last{i}",
                email=f"contact{i}@customer.example",
            )
            for i in range(5000)
        ],
        batch_size=1000,
    )
    now = datetime.now(UTC)

    def rows():
        for n in range(tickets):
            created = now - timedelta(minutes=rng.randint(0, 60 * 24 * 365))
            modified = created + timedelta(minutes=rng.randint(0, 60 * 24 * 10))
            status = rng.choice(STATUSES)
            contact = rng.choice(contacts)
            subject = " ".join(rng.sample(WORDS, 4)).capitalize()
            priority = rng.choice(PRIORITIES)
            yield Ticket(
                connection=connection,
                desk_id=str(1_000_000 + n),
                ticket_number=str(n + 1),
                subject=subject,
                description=f"{subject}. " * 3,
                status=status,
                status_type="Closed" if status == "Closed" else ("On Hold" if "Hold" in status else "Open"),
                priority=priority,
                **ticket_sort_keys(priority, str(n + 1)),
                channel=rng.choice(["Email", "Phone", "Web", "Chat"]),
                classification=rng.choice(["Question", "Problem", "Request", ""]),
                department_desk_id=rng.choice(departments).desk_id,
                assignee_desk_id="" if rng.random() < 0.15 else rng.choice(agents).desk_id,
                team_desk_id=rng.choice(teams).desk_id if rng.random() < 0.5 else "",
                contact_desk_id=contact.desk_id,
                email=contact.email,
                created_time=created,
                modified_time=modified,
                desk_modified_time=modified,
                due_date=created + timedelta(hours=rng.randint(4, 24 * 7)),
                search_text=f"{subject} {contact.first_name} {contact.last_name} {contact.email}",
            )

    bulk_insert(Ticket, rows())
    from apps.tickets import mirror

    if hasattr(mirror, "refresh_sort_names"):  # the stored name keys the apply keeps (bulk_create skips it)
        mirror.refresh_sort_names(connection)
    mark_synced(connection)
    return connection, agents


def page_url(filters_query: str, number: int, size: int) -> str:
    """The URL of page ``number`` as the queue links to it: a keyset cursor (``after=``), or ``page=`` in code
    from before keyset paging."""
    from django.http import QueryDict

    from apps.tickets.forms.queue import queue_filters_from
    from apps.tickets.selectors import queue as queue_selectors

    if number == 1:
        return f"/tickets/?{filters_query}"
    if not hasattr(queue_selectors, "sort_key_for"):
        return f"/tickets/?{filters_query}&page={number}"
    from apps.connections.models import DeskConnection
    from apps.core.paging import encode_cursor

    filters = queue_filters_from(QueryDict(filters_query))
    connection = DeskConnection.objects.get(org_id="900001")
    key = queue_selectors.sort_key_for(filters)
    tickets = queue_selectors.tickets_for_queue(connection=connection, filters=filters)
    position = min((number - 1) * size, tickets.count() - size) - 1  # a small mirror: its last page
    row = tickets.values(key.field, "id")[max(position, 0)]
    return f"/tickets/?{filters_query}&after={encode_cursor(row[key.field], row['id'])}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--gunicorn-seconds", type=float, default=16.0, help="0 skips the gunicorn part")
    args = parser.parse_args()

    setup_django()
    from django.db import connection as db

    from apps.core.roles import Role

    started = time.perf_counter()
    desk, agents = build_mirror(args.tickets)
    analyze_mirror()
    print(f"{db.vendor}: mirror of {args.tickets:,} tickets built in {time.perf_counter() - started:.1f} s")
    client = signed_in_client(
        username="bench-agent", role=Role.AGENT, org_id=desk.org_id, email=agents[3].email
    )
    pages = [
        (label, client, path)
        for label, path in [
            ("overview (base)", "/"),
            ("healthz (trivial)", "/healthz"),
            ("queue: default", "/tickets/"),
            ("queue: status=Open", "/tickets/?status=Open"),
            ("queue: assignee (an agent)", f"/tickets/?assignee={agents[5].desk_id}"),
            ("queue: me, by due", "/tickets/?assignee=me&sort=due"),
            ("queue: unassigned, High", "/tickets/?assignee=unassigned&priority=High"),
            ("queue: department+overdue", "/tickets/?department=101&overdue=1"),
            ("queue: search 1 word", "/tickets/?q=invoice"),
            ("queue: search 2 words", "/tickets/?q=invoice+refund"),
            ("queue: sort by priority", "/tickets/?sort=-priority"),
            ("queue: sort by due", "/tickets/?sort=due"),
            ("queue: sort by assignee", "/tickets/?sort=assignee"),
            ("queue: sort by contact", "/tickets/?sort=-contact"),
            ("queue: Open by team", "/tickets/?status=Open&sort=team"),
            ("queue: page 1 (50 rows)", page_url("per_page=50", 1, 50)),
            ("queue: page 200 (50 rows)", page_url("per_page=50", 200, 50)),
            ("queue: page 1,000 (50 rows)", page_url("per_page=50", 1000, 50)),
        ]
    ]
    timings = interleaved(pages, args.rounds)
    table = print_ratio_table(pages, timings)
    table.row("queue: all of the above", [t for label, _, _ in pages[2:] for t in timings[label]])
    if args.gunicorn_seconds > 0:
        db.close()
        served = gunicorn_ratio(
            client, args.gunicorn_seconds, ["/", "/tickets/", "/tickets/?assignee=me&sort=due"]
        )
        print(f"gunicorn (1 process, 16 threads, 4 clients), {args.gunicorn_seconds:.0f} s per page:")
        for path, rate, ratio in served:
            print(f"  {path:<34} {rate:>8.1f} req/s {ratio:>6.2f} × Overview")


if __name__ == "__main__":
    main()
