"""Server time of the ticket queue with 100,000 mirrored tickets, against the Overview page in the same run.

Usage: python bench/queue_page.py [--tickets 100000] [--rounds 30] [--gunicorn-seconds 15]
Builds a throw-away mirror (SQLite in a temp folder), then times every query shape of issue 18 (filters,
searches, sorts, pages 1 / 200 / 1,000) in interleaved rounds (each round requests every page once, so
load on the shared machine hits all pages alike). Prints p50 and p95 in milliseconds, each as a ratio to the
Overview page measured in the same run, and the queries each page issues. Then serves the same database
with gunicorn as scripts/serve.sh runs it (one process, gthread) and prints the queue's requests per second
as a share of the Overview's. On SQLite by default; set DATABASE_URL and SANDBOX_DATABASE_URL (databases
created first, e.g. with psql) for PostgreSQL. Not a test: no asserts on time.
"""

import argparse
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
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


def sort_keys(priority: str, number: str) -> dict[str, int]:
    """The stored sort keys the mirror's apply sets (bulk_create skips it); none before they existed."""
    from apps.tickets.models import Ticket

    names = {f.name for f in Ticket._meta.get_fields()}
    if "priority_rank" not in names:
        return {}
    from apps.tickets.mirror import number_value, priority_rank

    return {"priority_rank": priority_rank(priority), "number_value": number_value(number)}


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
        priority = rng.choice(PRIORITIES)
        batch.append(
            Ticket(
                connection=connection,
                desk_id=str(1_000_000 + n),
                ticket_number=str(n + 1),
                subject=subject,
                description=f"{subject}. " * 3,
                status=status,
                status_type="Closed" if status == "Closed" else ("On Hold" if "Hold" in status else "Open"),
                priority=priority,
                **sort_keys(priority, str(n + 1)),
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


def count_queries(client, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    return len(queries.captured_queries)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def throughput(base: str, path: str, cookie: str, seconds: float, workers: int = 4) -> float:
    """Requests per second ``workers`` keep-busy clients get from the server for ``path``."""
    stop = time.perf_counter() + seconds
    done = [0] * workers

    def work(slot: int) -> None:
        while time.perf_counter() < stop:
            request = urllib.request.Request(base + path, headers={"Cookie": cookie})
            with urllib.request.urlopen(request, timeout=60) as answer:
                answer.read()
                assert answer.status == 200, (path, answer.status)
            done[slot] += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.perf_counter() - started)


def gunicorn_ratio(client, seconds: float, paths: list[str]) -> list[tuple[str, float, float]]:
    """Serve the bench database with gunicorn as scripts/serve.sh does; (path, req/s, ratio to Overview)."""
    from django.conf import settings

    port = free_port()
    env = {**os.environ, "ALLOWED_HOSTS": "127.0.0.1"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "deskadmin.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "16",
            "--worker-class",
            "gthread",
            "--timeout",
            "60",
        ],  # fmt: skip
        cwd=str(Path(__file__).resolve().parents[1]),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        for path in paths:
            throughput(base, path, cookie, 1.0)  # warm up
        results = []
        overview = 0.0
        # Alternate Overview and queue twice, so a burst of load elsewhere hits both.
        totals = dict.fromkeys(paths, 0.0)
        for _ in range(2):
            for path in paths:
                totals[path] += throughput(base, path, cookie, seconds / 2)
        overview = totals[paths[0]] / 2
        for path in paths:
            rate = totals[path] / 2
            results.append((path, rate, rate / overview))
        return results
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--gunicorn-seconds", type=float, default=16.0, help="0 skips the gunicorn part")
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
    try:
        from apps.tickets.maintenance import mirror_analyze  # what the mirror runs after a large apply

        mirror_analyze()
    except ImportError:  # code from before it existed: the bench analyzed the tables itself
        with db.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"{db.vendor}: mirror of {args.tickets:,} tickets built in {time.perf_counter() - started:.1f} s")
    user = user_create(
        username="bench-agent", password="bench-password-1", role=Role.AGENT, email=agents[3].email
    )
    OrgMembership.objects.create(user=user, org_id=desk.org_id)
    client = Client()
    client.force_login(user)
    pages = [
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
        ("queue: page 1 (50 rows)", page_url("per_page=50", 1, 50)),
        ("queue: page 200 (50 rows)", page_url("per_page=50", 200, 50)),
        ("queue: page 1,000 (50 rows)", page_url("per_page=50", 1000, 50)),
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
    print(f"{'page':<30} {'p50 ms':>8} {'p95 ms':>8} {'p50 ×ov':>8} {'p95 ×ov':>8} {'queries':>8}")
    for label, _path in pages:
        median = statistics.median(timings[label])
        p95 = statistics.quantiles(timings[label], n=20)[18]
        print(
            f"{label:<30} {median:>8.2f} {p95:>8.2f} {median / base:>8.2f} {p95 / base_p95:>8.2f}"
            f" {queries[label]:>8}"
        )
    queue = [t for label, _ in pages[2:] for t in timings[label]]
    median_all, p95_all = statistics.median(queue), statistics.quantiles(queue, n=20)[18]
    print(f"{'queue: all of the above':<30} {median_all:>8.2f} {p95_all:>8.2f} {median_all / base:>8.2f}"
          f" {p95_all / base_p95:>8.2f}")  # fmt: skip
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
