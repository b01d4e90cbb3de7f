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
    interleaved,
    mark_synced,
    print_ratio_table,
    setup_django,
    signed_in_client,
)

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


def build_mirror(*, contacts: int, accounts: int, tickets: int):
    from apps.customers.models import Account, Contact
    from apps.tickets.models import Ticket

    rng = random.Random(7)
    now = datetime.now(UTC)
    connection = bench_connection()
    departments = bench_departments(connection, 5)
    agents = bench_agents(connection, 40)
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

    def tickets_rows():
        for n in range(tickets):
            contact = rng.choice(contact_rows)
            created = now - timedelta(minutes=rng.randint(0, 60 * 24 * 365))
            modified = created + timedelta(minutes=rng.randint(0, 60 * 24 * 10))
            status = rng.choice(STATUSES)
            yield Ticket(
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

    bulk_insert(Ticket, tickets_rows())
    # The stored sort keys (account name, owner), which the apply sets (bulk_create skipped it); absent in code
    # from before them.
    from apps.customers import mirror as customers_mirror

    for refresh in ("refresh_account_names", "refresh_owner_names"):
        if hasattr(customers_mirror, refresh):
            getattr(customers_mirror, refresh)(connection)
    mark_synced(connection)
    return connection, agents, contact_rows, account_rows


def analyze_customers() -> None:
    """What the customers' mirror runs after a large apply (its background task); nothing in code from before."""
    try:
        from apps.customers.maintenance import customers_analyze
    except ImportError:
        return
    customers_analyze()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--accounts", type=int, default=2_500)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()

    setup_django()
    from django.db import connection as db

    from apps.core.roles import Role

    started = time.perf_counter()
    desk, agents, contacts, accounts = build_mirror(
        contacts=args.contacts, accounts=args.accounts, tickets=args.tickets
    )
    analyze_mirror()
    analyze_customers()
    print(
        f"{db.vendor}: mirror of {args.contacts:,} contacts, {args.accounts:,} accounts and {args.tickets:,} "
        f"tickets built in {time.perf_counter() - started:.1f} s"
    )
    client = signed_in_client(
        username="bench-agent", role=Role.AGENT, org_id=desk.org_id, email=agents[3].email
    )
    contact, account = contacts[1234], accounts[321]
    busiest = max(
        accounts[:200], key=lambda a: sum(1 for c in contacts[:5000] if c.account_desk_id == a.desk_id)
    )
    pages = [
        (label, client, path)
        for label, path in [
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
    ]
    timings = interleaved(pages, args.rounds)
    table = print_ratio_table(pages, timings, width=32)
    for group, prefix in (("contact list", "contacts:"), ("account list", "accounts:"), ("360° pages", "")):
        chosen = [
            t
            for label, _, _ in pages[1:]
            for t in timings[label]
            if (label.startswith(prefix) if prefix else "360°" in label)
        ]
        table.row("all " + group, chosen)


if __name__ == "__main__":
    main()
