"""Server time of the customer pages with 20,000 contacts, 2,500 accounts and 100,000 tickets mirrored, against
the Overview page in the same run.

Usage: python bench/customers_page.py [--contacts 20000] [--accounts 2500] [--tickets 100000] [--rounds 30]
Builds a throw-away mirror (SQLite in a temp folder), then times the contact list (default, searches, every
filter, sorts, a deep page), the account list, a contact's and an account's 360° page in interleaved rounds
(each round requests every page once, so load on the shared machine hits all pages alike). Prints p50 and p95
in milliseconds, each as a ratio to the Overview page measured in the same run, and the queries each page
issues. On SQLite by default; set DATABASE_URL and SANDBOX_DATABASE_URL (databases created first) for
PostgreSQL. Not a test: no asserts on time.
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

FIRST = [
    "Ada",
    "Ben",
    "Chloe",
    "Dev",
    "Eva",
    "Finn",
    "Grace",
    "Hugo",
    "Iris",
    "Jon",
    "Kira",
    "Liam",
    "Mia",
    "Noah",
]
LAST = [
    "Smith",
    "Jones",
    "Garcia",
    "Khan",
    "Lee",
    "Novak",
    "Rossi",
    "Silva",
    "Tanaka",
    "Weber",
    "Young",
    "Zhou",
]
COMPANY = ["Acme", "Globex", "Initech", "Umbrella", "Vandelay", "Hooli", "Stark", "Wayne", "Wonka", "Tyrell"]
SUFFIX = ["Inc", "Ltd", "GmbH", "Group", "Labs", "Partners", "Systems"]
INDUSTRIES = ["Software", "Retail", "Finance", "Health", "Education", "Manufacturing"]
STATUSES = ["Open"] * 3 + ["On Hold", "Escalated", "Closed", "Closed", "Closed", "Closed"]


def measure(client, path: str, count: int) -> list[float]:
    timings = []
    for _ in range(count):
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


def build_mirror(*, contacts: int, accounts: int, tickets: int):
    from apps.connections.models import DeskConnection
    from apps.customers.models import Account, Contact
    from apps.team.models import Agent, Department
    from apps.tickets.models import Ticket

    rng = random.Random(7)
    now = datetime.now(UTC)
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
    account_rows = []
    for i in range(accounts):
        name = f"{rng.choice(COMPANY)} {rng.choice(SUFFIX)} {i}"
        created = now - timedelta(days=rng.randint(0, 720))
        account_rows.append(
            Account(
                connection=connection,
                desk_id=str(100_000 + i),
                account_name=name,
                email=f"info@company{i}.example",
                phone=f"+1-555-{rng.randint(1000, 9999)}",
                website=f"https://company{i}.example",
                industry=rng.choice(INDUSTRIES),
                owner_desk_id=rng.choice(agents).desk_id,
                cf={"cf_plan": rng.choice(("Starter", "Growth", "Enterprise"))},
                created_time=created,
                modified_time=created,
                desk_modified_time=created,
            )
        )
    Account.objects.bulk_create(account_rows, batch_size=1000)
    contact_rows = []
    for i in range(contacts):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        account = rng.choice(account_rows) if rng.random() < 0.85 else None
        created = now - timedelta(days=rng.randint(0, 720))
        contact_rows.append(
            Contact(
                connection=connection,
                desk_id=str(200_000 + i),
                first_name=first,
                last_name=f"{last}{i % 500}",
                email=f"{first}.{last}.{i}@mail{i % 50}.example".lower(),
                phone=f"+1-555-{rng.randint(1000, 9999)}",
                account_desk_id=account.desk_id if account else "",
                owner_desk_id=rng.choice(agents).desk_id,
                created_time=created,
                modified_time=created,
                desk_modified_time=created,
            )
        )
    Contact.objects.bulk_create(contact_rows, batch_size=1000)
    batch = []
    for n in range(tickets):
        contact = rng.choice(contact_rows)
        created = now - timedelta(minutes=rng.randint(0, 60 * 24 * 365))
        modified = created + timedelta(minutes=rng.randint(0, 60 * 24 * 10))
        status = rng.choice(STATUSES)
        batch.append(
            Ticket(
                connection=connection,
                desk_id=str(1_000_000 + n),
                ticket_number=str(n + 1),
                subject=f"Question {n} about billing",
                status=status,
                status_type="Closed" if status == "Closed" else ("On Hold" if "Hold" in status else "Open"),
                priority=rng.choice(["Low", "Medium", "High", "Urgent", ""]),
                department_desk_id=rng.choice(departments).desk_id,
                assignee_desk_id=rng.choice(agents).desk_id,
                contact_desk_id=contact.desk_id,
                account_desk_id=contact.account_desk_id,
                email=contact.email,
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
    DeskConnection.objects.filter(pk=connection.pk).update(last_synced_at=now)
    return connection, agents, contact_rows, account_rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--accounts", type=int, default=2_500)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection as db
    from django.test import Client

    # The test client's host, without setup_test_environment(): its template instrumentation would be timed
    # too, and a real server has none.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)
    call_command("migrate", database="sandbox", verbosity=0)
    from apps.core.models import OrgMembership
    from apps.core.roles import Role
    from apps.core.services import user_create

    started = time.perf_counter()
    desk, agents, contacts, accounts = build_mirror(
        contacts=args.contacts, accounts=args.accounts, tickets=args.tickets
    )
    with db.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"{db.vendor}: mirror of {args.contacts:,} contacts, {args.accounts:,} accounts and {args.tickets:,} "
        f"tickets built in {time.perf_counter() - started:.1f} s"
    )
    user = user_create(
        username="bench-agent", password="bench-password-1", role=Role.AGENT, email=agents[3].email
    )
    OrgMembership.objects.create(user=user, org_id=desk.org_id)
    client = Client()
    client.force_login(user)
    contact, account = contacts[1234], accounts[321]
    busiest = max(
        accounts[:200], key=lambda a: sum(1 for c in contacts[:5000] if c.account_desk_id == a.desk_id)
    )
    pages = [
        ("overview (base)", "/"),
        ("contacts: default", "/customers/"),
        ("contacts: search a name", "/customers/?q=novak"),
        ("contacts: search an email", f"/customers/?q={contact.email}"),
        ("contacts: search 2 words", "/customers/?q=ada+khan"),
        ("contacts: account filter", f"/customers/?account={account.desk_id}"),
        ("contacts: owner filter", f"/customers/?owner={agents[7].desk_id}"),
        ("contacts: has open tickets", "/customers/?open=yes"),
        ("contacts: created range", "/customers/?created_from=2026-01-01&created_to=2026-03-31"),
        ("contacts: sort by account", "/customers/?sort=account"),
        ("contacts: sort by owner", "/customers/?sort=-owner"),
        ("contacts: page 100 (50 rows)", "/customers/?per_page=50&page=100"),
        ("accounts: default", "/customers/accounts/"),
        ("accounts: search", "/customers/accounts/?q=globex"),
        ("accounts: plan=Growth", "/customers/accounts/?cf=cf_plan&cf_value=Growth"),
        ("contact 360°", f"/customers/contacts/{contact.desk_id}/"),
        ("account 360°", f"/customers/accounts/{account.desk_id}/"),
        ("account 360° (busiest)", f"/customers/accounts/{busiest.desk_id}/"),
        ("account 360°: Open, overdue", f"/customers/accounts/{account.desk_id}/?status=Open&overdue=1"),
    ]
    for _label, path in pages:
        measure(client, path, 3)  # warm up templates and caches
    timings: dict[str, list[float]] = {label: [] for label, _ in pages}
    for _ in range(args.rounds):
        for label, path in pages:
            timings[label] += measure(client, path, 1)
    queries = {label: count_queries(client, path) for label, path in pages}
    base = statistics.median(timings[pages[0][0]])
    base_p95 = statistics.quantiles(timings[pages[0][0]], n=20)[18]
    print(f"{'page':<32} {'p50 ms':>8} {'p95 ms':>8} {'p50 ×ov':>8} {'p95 ×ov':>8} {'queries':>8}")
    for label, _path in pages:
        median = statistics.median(timings[label])
        p95 = statistics.quantiles(timings[label], n=20)[18]
        print(
            f"{label:<32} {median:>8.2f} {p95:>8.2f} {median / base:>8.2f} {p95 / base_p95:>8.2f}"
            f" {queries[label]:>8}"
        )
    for group, prefix in (("contact list", "contacts:"), ("account list", "accounts:"), ("360° pages", "")):
        chosen = [
            t
            for label, _ in pages[1:]
            for t in timings[label]
            if (label.startswith(prefix) if prefix else "360°" in label)
        ]
        median, p95 = statistics.median(chosen), statistics.quantiles(chosen, n=20)[18]
        print(f"{'all ' + group:<32} {median:>8.2f} {p95:>8.2f} {median / base:>8.2f} {p95 / base_p95:>8.2f}")


if __name__ == "__main__":
    main()
