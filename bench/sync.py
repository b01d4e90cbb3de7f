"""Initial sync of a sandbox org over real HTTP, for several org sizes: wall time, API calls, peak RSS.

Usage: python bench/sync.py [--sizes 10000 100000] [--real-limits]

Each size runs in its own temporary data folder: the sandbox is seeded (Acme Support, one org), served by
`manage.py runserver` in a separate process, connected with real OAuth tokens from the sandbox's accounts
server, and synced by this script's child process through the Desk client, exactly as the task worker
would. Printed per size: wall time of the initial sync, API calls (the sandbox's request log), the ratio
to the minimum possible (one call per 100 records of each entity), the peak RSS of the syncing process,
the time the sandbox itself spent answering (from its request log; the rest is the sync's own work and
HTTP), and the cost of the incremental sync that follows with nothing changed. The org's per-minute API limit is
raised unless --real-limits (then Enterprise's 100 a minute, and the sync's 50% share, set the pace).
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


def seed(size: int, real_limits: bool) -> None:
    """Child step 1 (its own process, so its memory does not count): migrate and seed one org."""
    import django

    django.setup()
    from django.core.management import call_command

    from apps.sandbox.models import Org
    from apps.sandbox.seed import DEFAULT_ORGS, seed_sandbox

    call_command("migrate", verbosity=0)
    seed_sandbox(tickets=size, orgs=DEFAULT_ORGS[:1], seed=42)
    if not real_limits:
        Org.objects.filter(pk=DEFAULT_ORGS[0].org_id).update(
            per_minute_limit=1_000_000, daily_limit=100_000_000
        )


def measure(size: int, port: int) -> dict:
    """Child step 2: connect, run the initial sync, then an incremental one; report the figures."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models import Sum

    from apps.connections import oauth
    from apps.connections.models import DeskConnection
    from apps.sandbox import models as sandbox
    from apps.sandbox.seed import DEFAULT_ORGS
    from apps.sync.engine import sync_run

    base = f"http://127.0.0.1:{port}"
    org = sandbox.Org.objects.get(pk=DEFAULT_ORGS[0].org_id)
    from io import StringIO

    out = StringIO()
    scopes = "Desk.tickets.ALL,Desk.contacts.ALL,Desk.basic.ALL,Desk.settings.ALL"
    call_command("sandbox_self_client", org=str(org.pk), scope=scopes, base_url=base, stdout=out)
    grant = json.loads(out.getvalue())
    tokens = oauth.exchange_code(
        accounts_url=grant["accounts_url"],
        client_id=grant["client_id"],
        client_secret=grant["client_secret"],
        redirect_uri="",
        code=grant["code"],
    )
    from datetime import timedelta

    from django.utils import timezone

    connection = DeskConnection(
        org_id=str(org.pk),
        org_name=org.company_name,
        data_center="sandbox",
        accounts_url=grant["accounts_url"],
        api_domain=tokens.api_domain,
        client_id=grant["client_id"],
        grant_id="bench",
        scopes=scopes.split(","),
    )
    connection.set_client_secret(grant["client_secret"])
    connection.set_refresh_token(tokens.refresh_token)
    connection.set_access_token(tokens.access_token, expires_at=timezone.now() + timedelta(hours=1))
    connection.save()

    counts = {
        "tickets": sandbox.Ticket.objects.filter(org=org, is_trashed=False).count(),
        "contacts": sandbox.Contact.objects.filter(org=org, is_trashed=False).count(),
        "accounts": sandbox.Account.objects.filter(org=org, is_trashed=False).count(),
        "agents": sandbox.Agent.objects.filter(org=org, is_deleted=False).count(),
        "departments": sandbox.Department.objects.filter(org=org).count(),
    }
    # The least any client could do: read every record once, 100 to a call, plus one call for the
    # unpaged team and SLA lists.
    minimum = sum(max(1, math.ceil(n / 100)) for n in counts.values()) + 2
    sandbox.RequestLog.objects.all().delete()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    report = sync_run(connection)
    wall = time.perf_counter() - started
    calls = sandbox.RequestLog.objects.filter(kind="api").count()
    # Time the emulator spent answering (its request log): the rest of the wall time is the sync's own.
    server_ms = (
        sandbox.RequestLog.objects.filter(kind="api").aggregate(total=Sum("duration_ms"))["total"] or 0
    )
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    sandbox.RequestLog.objects.all().delete()
    started = time.perf_counter()
    again = sync_run(connection)
    incremental_wall = time.perf_counter() - started
    incremental_calls = sandbox.RequestLog.objects.filter(kind="api").count()
    return {
        "tickets": counts["tickets"],
        "records": sum(counts.values()),
        "finished": report.finished,
        "error": report.error,
        "wall_s": round(wall, 1),
        "sandbox_s": round(server_ms / 1000, 1),
        "api_calls": calls,
        "minimum_calls": minimum,
        "ratio": round(calls / minimum, 3),
        "peak_rss_mb": round(rss_peak / 1024, 1),
        "rss_before_sync_mb": round(rss_before / 1024, 1),
        "incremental_calls": incremental_calls,
        "incremental_wall_s": round(incremental_wall, 2),
        "incremental_finished": again.finished,
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
        f"{'tickets':>8} {'records':>8} {'wall s':>8} {'sandbox s':>10} {'API calls':>10} {'minimum':>8} {'ratio':>6} "
        f"{'peak RSS MB':>12} {'incr. calls':>12} {'incr. s':>8}"
    )
    print(header)
    for size in args.sizes:
        row = run_size(size, args.real_limits)
        print(
            f"{row['tickets']:>8} {row['records']:>8} {row['wall_s']:>8} {row['sandbox_s']:>10} "
            f"{row['api_calls']:>10} "
            f"{row['minimum_calls']:>8} {row['ratio']:>6} {row['peak_rss_mb']:>12} "
            f"{row['incremental_calls']:>12} {row['incremental_wall_s']:>8}"
            + ("" if row["finished"] else f"  (stopped: {row['error']})"),
            flush=True,
        )


if __name__ == "__main__":
    main()
