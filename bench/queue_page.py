"""Server time of the ticket queue with 100,000 mirrored tickets, against the Overview page in the same run.

Usage: python bench/queue_page.py [--tickets 100000] [--requests 60]
Builds a throw-away mirror (SQLite in a temp folder), then times the queue with several filters, a
search, sorts and a deep page. Prints median and p95 in milliseconds and the ratio to the Overview
page measured in the same run (the machine is shared: ratios compare across runs, milliseconds do not).
On SQLite by default; set DATABASE_URL (and SANDBOX_DATABASE_URL) for PostgreSQL. Not a test: no asserts
on time.
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


def measure(client, path: str, count: int) -> list[float]:
    timings = []
    for _ in range(count):
        start = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)  # a broken page is no figure
    return timings


def build_mirror(tickets: int):
    from apps.connections.models import DeskConnection
    from apps.customers.models import Contact
    from apps.team.models import Agent, Department, Team
    from apps.tickets.models import Ticket

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
        for i in range(5)
    ]
    agents = [
        Agent.objects.create(
            connection=connection, desk_id=str(1000 + i), name=f"Agent {i}", email=f"agent{i}@bench.example"
        )
        for i in range(40)
    ]
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
    batch = []
    for n in range(tickets):
        created = now - timedelta(minutes=rng.randint(0, 60 * 24 * 365))
        modified = created + timedelta(minutes=rng.randint(0, 60 * 24 * 10))
        status = rng.choice(STATUSES)
        contact = rng.choice(contacts)
        subject = " ".join(rng.sample(WORDS, 4)).capitalize()
        batch.append(
            Ticket(
                connection=connection,
                desk_id=str(1_000_000 + n),
                ticket_number=str(n + 1),
                subject=subject,
                description=f"{subject}. " * 3,
                status=status,
                status_type="Closed" if status == "Closed" else ("On Hold" if "Hold" in status else "Open"),
                priority=rng.choice(PRIORITIES),
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
        )
        if len(batch) == 5000:
            Ticket.objects.bulk_create(batch)
            batch = []
    if batch:
        Ticket.objects.bulk_create(batch)
    DeskConnection.objects.filter(pk=connection.pk).update(last_synced_at=now)
    return connection, agents


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection as db
    from django.test import Client

    # The test client's host, without setup_test_environment(): its template instrumentation would
    # be timed too, and a real server has none.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)
    call_command("migrate", database="sandbox", verbosity=0)
    from apps.core.models import OrgMembership
    from apps.core.roles import Role
    from apps.core.services import user_create

    started = time.perf_counter()
    desk, agents = build_mirror(args.tickets)
    with db.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"mirror of {args.tickets:,} tickets built in {time.perf_counter() - started:.1f} s")
    user = user_create(
        username="bench-agent", password="bench-password-1", role=Role.AGENT, email=agents[3].email
    )
    OrgMembership.objects.create(user=user, org_id=desk.org_id)
    client = Client()
    client.force_login(user)
    measure(client, "/tickets/", 5)  # warm up templates and caches

    pages = [
        ("overview (base)", "/"),
        ("healthz (trivial)", "/healthz"),
        ("queue: default", "/tickets/"),
        ("queue: status=Open", "/tickets/?status=Open"),
        ("queue: me, by due", "/tickets/?assignee=me&sort=due"),
        ("queue: unassigned, High", "/tickets/?assignee=unassigned&priority=High"),
        ("queue: department+overdue", "/tickets/?department=101&overdue=1"),
        ("queue: search 2 words", "/tickets/?q=invoice+refund"),
        ("queue: sort by priority", "/tickets/?sort=-priority&per_page=100"),
        ("queue: page 200", "/tickets/?page=200"),
    ]
    rows = []
    for label, path in pages:
        timings = measure(client, path, args.requests)
        rows.append((label, statistics.median(timings), statistics.quantiles(timings, n=20)[18]))
    base = rows[0][1]
    all_queue = [t for label, path in pages[1:] for t in measure(client, path, max(5, args.requests // 4))]
    print(f"{'page':<28} {'median ms':>10} {'p95 ms':>10} {'x overview':>10}")
    for label, median, p95 in rows:
        print(f"{label:<28} {median:>10.2f} {p95:>10.2f} {median / base:>10.1f}")
    median_all = statistics.median(all_queue)
    p95_all = statistics.quantiles(all_queue, n=20)[18]
    print(f"{'queue: all of the above':<28} {median_all:>10.2f} {p95_all:>10.2f} {median_all / base:>10.1f}")


if __name__ == "__main__":
    main()
