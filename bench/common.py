"""What the page benches share: the throw-away environment, the bench org, a signed-in client, timing in
interleaved rounds, the ratio table against the Overview page, and gunicorn throughput.

A bench script puts the repository on the path (``sys.path.insert(0, str(Path(__file__).resolve().parents[1]))``),
imports what it needs from here (nothing here imports Django at import time) and calls ``setup_django()``
before it touches a model. Not a test: nothing here asserts
on time; a page that does not answer 200 stops the bench (a broken page is no figure).
"""

import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH_ORG_ID = "900001"


def prepare_environment() -> None:
    """A throw-away data folder and the test settings, unless the caller set them (DATABASE_URL too)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DESKADMIN_DATA_DIR", tempfile.mkdtemp(prefix="deskadmin-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deskadmin.settings_test")


def setup_django(*, sandbox: bool = True) -> None:
    """django.setup(), the test client's host allowed and both databases migrated.

    Without setup_test_environment(): its template instrumentation would be timed too, and a real server has
    none.
    """
    import django

    prepare_environment()
    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)
    if sandbox:
        call_command("migrate", database="sandbox", verbosity=0)


def bench_connection():
    """The bench org's connection (the sandbox data center; no request ever leaves the process)."""
    from apps.connections.models import DeskConnection

    return DeskConnection.objects.create(
        org_id=BENCH_ORG_ID,
        org_name="Bench Org",
        data_center="sandbox",
        accounts_url="http://127.0.0.1/sandbox/accounts",
        api_domain="http://127.0.0.1/sandbox/desk",
        client_id="bench",
    )


def bench_departments(connection, count: int) -> list:
    from apps.team.models import Department

    return [
        Department.objects.create(connection=connection, desk_id=str(100 + i), name=f"Department {i}")
        for i in range(count)
    ]


def bench_agents(connection, count: int) -> list:
    """``count`` active agents named "Agent i" with desk ids from 1000."""
    from apps.team.models import Agent

    return Agent.objects.bulk_create(
        [
            Agent(
                connection=connection,
                desk_id=str(1000 + i),
                name=f"Agent {i}",
                email=f"agent{i}@bench.example",
            )
            for i in range(count)
        ]
    )


def bulk_insert(model, rows: Iterable, batch_size: int = 5000) -> int:
    """Insert ``rows`` (model instances, a generator is fine) in batches; how many were inserted."""
    batch, total = [], 0
    for row in rows:
        batch.append(row)
        if len(batch) == batch_size:
            model.objects.bulk_create(batch)
            total += len(batch)
            batch = []
    if batch:
        model.objects.bulk_create(batch)
        total += len(batch)
    return total


def ticket_sort_keys(priority: str, number: str) -> dict[str, int]:
    """The stored sort keys the mirror's apply sets (bulk_create skips it); none in code from before them."""
    from apps.tickets.models import Ticket

    if "priority_rank" not in {f.name for f in Ticket._meta.get_fields()}:
        return {}
    from apps.tickets.mirror import number_value, priority_rank

    return {"priority_rank": priority_rank(priority), "number_value": number_value(number)}


def mark_synced(connection) -> None:
    from django.utils import timezone

    from apps.connections.models import DeskConnection

    DeskConnection.objects.filter(pk=connection.pk).update(last_synced_at=timezone.now())


def analyze_mirror() -> None:
    """What the mirror runs after a large apply; a plain ANALYZE in code from before it existed."""
    from django.db import connection as db

    try:
        from apps.tickets.maintenance import mirror_analyze
    except ImportError:
        with db.cursor() as cursor:
            cursor.execute("ANALYZE")
        return
    mirror_analyze()


def signed_in_client(*, username: str, role, org_id: str | None = BENCH_ORG_ID, email: str = ""):
    """A test client signed in as a new console user of ``role``, a member of ``org_id`` when given."""
    from django.test import Client

    from apps.core.models import OrgMembership
    from apps.core.services import user_create

    user = user_create(username=username, password="bench-password-1", role=role, email=email)
    if org_id:
        OrgMembership.objects.create(user=user, org_id=org_id)
    client = Client()
    client.force_login(user)
    return client


def measure(client, path: str, count: int, *, cold: bool = False) -> list[float]:
    """Server time in ms of ``count`` requests; ``cold`` empties the cache first (not timed)."""
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


Page = tuple[str, Any, str]  # (label, client, path)


def interleaved(
    pages: Sequence[Page], rounds: int, *, warm_up: int = 3, cold: bool = False
) -> dict[str, list[float]]:
    """Time every page once per round, ``rounds`` times, so load elsewhere on the machine hits all alike."""
    for _label, client, path in pages:
        measure(client, path, warm_up)  # templates and caches
    timings: dict[str, list[float]] = {label: [] for label, _, _ in pages}
    for _ in range(rounds):
        for label, client, path in pages:
            timings[label] += measure(client, path, 1, cold=cold)
    return timings


def p95(values: Sequence[float]) -> float:
    return statistics.quantiles(values, n=20)[18]


class RatioTable:
    """Rows of p50 / p95 in ms and as a multiple of the base page's (the Overview, measured in the same run)."""

    def __init__(self, base: Sequence[float], width: int = 30) -> None:
        self.base, self.base_p95, self.width = statistics.median(base), p95(base), width

    def header(self) -> None:
        print(
            f"{'page':<{self.width}} {'p50 ms':>8} {'p95 ms':>8} {'p50 ×ov':>8} {'p95 ×ov':>8} {'queries':>8}"
        )

    def row(self, label: str, timings: Sequence[float], queries: int | None = None) -> tuple[float, float]:
        median, high = statistics.median(timings), p95(timings)
        count = "" if queries is None else str(queries)
        print(
            f"{label:<{self.width}} {median:>8.2f} {high:>8.2f} {median / self.base:>8.2f}"
            f" {high / self.base_p95:>8.2f} {count:>8}"
        )
        return median / self.base, high / self.base_p95


def print_ratio_table(
    pages: Sequence[Page], timings: dict[str, list[float]], *, width: int = 30, queries: bool = True
) -> RatioTable:
    """The table for ``pages`` (the first is the base), with the queries each page issues."""
    counts = {label: count_queries(client, path) for label, client, path in pages} if queries else {}
    table = RatioTable(timings[pages[0][0]], width)
    table.header()
    for label, _client, _path in pages:
        table.row(label, timings[label], counts.get(label))
    return table


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
    """Serve the bench database with gunicorn as scripts/serve.sh does (one process, gthread) and time each
    path in turn, twice over; (path, req/s, ratio to the first path's). Close the bench's own database
    connection first on SQLite."""
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
        cwd=str(ROOT),
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
        # Alternate the base page and the others twice, so a burst of load elsewhere hits all of them.
        totals = dict.fromkeys(paths, 0.0)
        for _ in range(2):
            for path in paths:
                totals[path] += throughput(base, path, cookie, seconds / 2)
        reference = totals[paths[0]] / 2
        return [(path, totals[path] / 2, totals[path] / 2 / reference) for path in paths]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
