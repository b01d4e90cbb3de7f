"""Initial sync of a sandbox org over real HTTP: API credits as the sandbox charged them, against the floor.

Usage: python bench/sync.py [--sizes 10000 100000]

Each size runs in its own temporary data folder: one sandbox org is seeded (Acme Support: departments,
agents, contacts and a few seeded tickets), then its tickets are bulk-created up to the size with distinct
created times spread over 400 days (fast, unlike full seeding). The sandbox is served by
`manage.py runserver` in a separate process; this script's child process connects with real OAuth tokens
(search scope granted) and syncs through the Desk client, exactly as the task worker would.

Printed per size, counted from the `X-Rate-Limit-Request-Weight-v3` header of every answer (not estimated):
* the initial sync's ticket credits and calls, the floor 3 x ceil(N/100) and the ratio (goal <= 1.05),
  the highest `from` sent, and the credits of the whole initial sync (every entity);
* the plain-offset cost of the same tickets (GET /tickets?sortBy=createdTime, page by page), from the
  weight the sandbox charges at one offset in each of Desk's bands (a few calls, not the whole walk);
* the incremental sync right after, with nothing changed (goal: 1 call, 3 credits);
* times as ratios to the Overview page's median server time measured in the same process and run.
Not a test: no asserts.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(data_dir: str, port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DESKADMIN_DATA_DIR": data_dir,
            "DJANGO_SETTINGS_MODULE": "deskadmin.settings",
            "DESKADMIN_PROFILE": "embedded",
            "SITE_URL": f"http://127.0.0.1:{port}",
            "LOG_LEVEL": "WARNING",
            "DEBUG": "false",
        }
    )
    return env


def _wait_for(url: str, timeout: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"the server at {url} did not start")


SEEDED_TICKETS = 200


def seed(size: int, real_limits: bool) -> None:
    """Child step 1 (its own process, so its memory does not count): migrate, seed one org, then
    bulk-create its tickets up to ``size``."""
    import random
    from datetime import timedelta

    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from apps.sandbox import models as sandbox
    from apps.sandbox.seed import DEFAULT_ORGS, seed_sandbox

    call_command("migrate", verbosity=0)
    seed_sandbox(tickets=min(size, SEEDED_TICKETS), orgs=DEFAULT_ORGS[:1], seed=42)
    org = sandbox.Org.objects.get(pk=DEFAULT_ORGS[0].org_id)
    if not real_limits:
        sandbox.Org.objects.filter(pk=org.pk).update(per_minute_limit=1_000_000, daily_limit=100_000_000)
    extra = size - sandbox.Ticket.objects.filter(org=org).count()
    if extra <= 0:
        return
    rng = random.Random(42)
    departments = list(sandbox.Department.objects.filter(org=org))
    contacts = list(sandbox.Contact.objects.filter(org=org)[:500])
    number = max(sandbox.Ticket.objects.filter(org=org).values_list("ticket_number", flat=True), default=0)
    now = timezone.now().replace(microsecond=0)
    span_ms = 400 * 86_400_000
    moments = sorted(rng.sample(range(span_ms), extra))  # distinct milliseconds
    ids = sandbox.next_ids(org, extra)
    rows = []
    for index, (desk_id, offset) in enumerate(zip(ids, moments, strict=True)):
        created = now - timedelta(milliseconds=span_ms - offset)
        rows.append(
            sandbox.Ticket(
                id=desk_id,
                org=org,
                ticket_number=number + index + 1,
                subject=f"Bench ticket {index}",
                department=departments[index % len(departments)],
                contact=contacts[index % len(contacts)] if contacts else None,
                created_time=created,
                modified_time=created + timedelta(hours=rng.randint(0, 48)),
            )
        )
        if len(rows) == 5_000:
            sandbox.Ticket.objects.bulk_create(rows)
            rows = []
    sandbox.Ticket.objects.bulk_create(rows)
    sandbox.IdSequence.objects.filter(org=org, name="ticketNumber").update(value=number + extra)


def _overview_median_ms(requests: int = 30) -> float:
    """The Overview page's median server time (Django's test client, this process, this database)."""
    import statistics

    from django.conf import settings
    from django.test import Client, override_settings

    from apps.core.roles import Role
    from apps.core.services import user_create

    user = user_create(username="bench-sync-admin", password="bench-password-1", role=Role.ADMIN)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    # No collectstatic in the bench's scratch folder: plain static storage (no manifest) for the page.
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        client.get("/")  # warm templates and caches
        timings = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get("/")
            timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"the Overview page answered {response.status_code}")
    return statistics.median(timings)


def _plain_offset_credits(client, meter, tickets: int) -> tuple[int, dict[int, int]]:
    """What walking the tickets by plain offsets costs: the sandbox's charge at one offset in each of
    Desk's bands (a call each, read from the weight header), times the pages in that band."""
    bands = [(0, 2_000), (2_001, 10_000), (10_001, 50_000), (50_001, 100_000), (100_001, 10**9)]
    charged: dict[int, int] = {}
    for low, _high in bands:
        start = (low + 99) // 100 * 100
        if start >= tickets:
            break
        before = meter.credits
        client.http.json(
            "GET",
            "/tickets",
            retry="idempotent",
            params={"sortBy": "createdTime", "from": start, "limit": 100},
        )
        charged[low] = meter.credits - before
    total = 0
    for page in range(max(1, math.ceil(tickets / 100))):
        start = page * 100
        low = max(b for b in charged if b <= start)
        total += charged[low]
    return total, charged


def measure(size: int, port: int) -> dict:
    """Child step 2: connect, run the initial sync, then an incremental one; report the figures."""
    import django

    django.setup()
    from apps.connections.services import desk_client_for
    from apps.desk.metering import CreditMeter
    from apps.sandbox import models as sandbox
    from apps.sandbox.seed import DEFAULT_ORGS
    from apps.sync.engine import sync_run
    from tests.support.sandbox import connect_sandbox_org

    base = f"http://127.0.0.1:{port}"
    org = sandbox.Org.objects.get(pk=DEFAULT_ORGS[0].org_id)
    connection = connect_sandbox_org(org=org, base_url=base)
    tickets = sandbox.Ticket.objects.filter(org=org, is_trashed=False).count()
    overview_ms = _overview_median_ms()

    meter = CreditMeter()
    client = desk_client_for(connection, priority="background", transport=meter)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    report = sync_run(connection, client=client)
    wall = time.perf_counter() - started
    ticket_credits = meter.credits_for("/tickets/search")
    ticket_calls = report.entities["tickets"].api_calls
    all_credits, unweighted = meter.credits, meter.unweighted
    queries = sandbox.RequestLog.objects.filter(path__endswith="/tickets/search").values_list(
        "query", flat=True
    )
    max_from = max(
        (int(p[5:]) for q in queries.iterator() for p in q.split("&") if p.startswith("from=")), default=0
    )
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    meter.reset()
    started = time.perf_counter()
    again = sync_run(connection, client=client)
    incremental_wall = time.perf_counter() - started
    incremental_calls, incremental_credits = meter.calls, meter.credits

    meter.reset()
    plain, bands = _plain_offset_credits(client, meter, tickets)
    client.close()
    floor = 3 * math.ceil(tickets / 100)
    return {
        "tickets": tickets,
        "finished": report.finished,
        "error": report.error,
        "ticket_calls": ticket_calls,
        "ticket_credits": ticket_credits,
        "floor": floor,
        "ratio": round(ticket_credits / floor, 3),
        "max_from": max_from,
        "sync_credits": all_credits,
        "unweighted_answers": unweighted,
        "plain_offset_credits": plain,
        "band_weights": bands,
        "incremental_calls": incremental_calls,
        "incremental_credits": incremental_credits,
        "incremental_finished": again.finished,
        "overview_ms": round(overview_ms, 2),
        "wall_x_overview": round(wall * 1000 / overview_ms),
        "incremental_x_overview": round(incremental_wall * 1000 / overview_ms, 1),
        "peak_rss_mb": round(rss_peak / 1024, 1),
        "rss_before_sync_mb": round(rss_before / 1024, 1),
    }


def run_size(size: int, real_limits: bool) -> dict:
    data_dir = tempfile.mkdtemp(prefix=f"deskadmin-bench-sync-{size}-")
    port = _free_port()
    env = _env(data_dir, port)
    script = str(Path(__file__).resolve())
    extra = ["--real-limits"] if real_limits else []
    subprocess.run([sys.executable, script, "--seed-size", str(size), *extra], env=env, check=True, cwd=ROOT)
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/healthz")
        result = subprocess.run(
            [sys.executable, script, "--measure-size", str(size), "--port", str(port)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            sys.stderr.write(result.stderr[-4000:])
            raise SystemExit(f"the measurement of {size} tickets failed")
        return json.loads(result.stdout.strip().splitlines()[-1])
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--real-limits", action="store_true", help="keep the edition's per-minute API limit")
    parser.add_argument("--seed-size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--measure-size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed_size is not None:
        seed(args.seed_size, args.real_limits)
        return
    if args.measure_size is not None:
        print(json.dumps(measure(args.measure_size, args.port)))
        return
    header = (
        f"{'tickets':>8} {'calls':>6} {'credits':>8} {'floor':>6} {'ratio':>6} {'max from':>9} "
        f"{'all ent.':>9} {'plain offsets':>14} {'incr. calls':>12} {'incr. credits':>14} "
        f"{'sync x overview':>16} {'incr. x overview':>17} {'peak RSS MB':>12}"
    )
    print(header)
    for size in args.sizes:
        row = run_size(size, args.real_limits)
        print(
            f"{row['tickets']:>8} {row['ticket_calls']:>6} {row['ticket_credits']:>8} {row['floor']:>6} "
            f"{row['ratio']:>6} {row['max_from']:>9} {row['sync_credits']:>9} "
            f"{row['plain_offset_credits']:>14} {row['incremental_calls']:>12} {row['incremental_credits']:>14} "
            f"{row['wall_x_overview']:>16} {row['incremental_x_overview']:>17} {row['peak_rss_mb']:>12}"
            + ("" if row["finished"] else f"  (stopped: {row['error']})")
            + (
                f"  ({row['unweighted_answers']} answers had no weight header)"
                if row["unweighted_answers"]
                else ""
            ),
            flush=True,
        )
        print(
            f"  Overview page median {row['overview_ms']} ms; sandbox weights by offset band: {row['band_weights']}"
        )


if __name__ == "__main__":
    main()
