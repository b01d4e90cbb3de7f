"""Scale-out proof: two gunicorn processes and two task workers on PostgreSQL + Redis serve five sandbox orgs.

Usage: python bench/scale_out.py [--tickets-per-org 300] [--cap 3] [--latency-ms 40] [--load-seconds 20]

What it starts (all on this machine, as two hosts would run them, sharing only PostgreSQL and Redis):
* two gunicorn servers (one process each, on two ports), each serving the console *and* the sandbox; the five
  orgs are connected through one or the other, so Desk traffic crosses both;
* two ``manage.py db_worker`` processes; the sync scheduler's tick runs every 2 s and each org's incremental
  sync is due every 6 s (a sync lease of 6 s, renewed on every call);
* every org's concurrency cap is lowered to ``--cap`` on both sides (``DESK_MAX_CONCURRENT`` for the console,
  the sandbox org's ``max_concurrent``, which answers 429 TOO_MANY_REQUESTS beyond it, as Desk does), and the
  sandbox answers after ``--latency-ms``, so calls overlap.

Then, in one run:
1. each org's initial sync is queued twice at once (both workers pick one): the lease must turn one away;
2. as soon as a worker runs a sync it is killed (SIGKILL) and a third worker replaces it: the scheduler must
   fail the lost task once its lease lapses and queue the sync again;
3. once every mirror is complete, people load both servers for ``--load-seconds``: 4 threads per server open
   ticket conversations of all five orgs (each a Desk fetch: ``TICKETS_CONVERSATION_MAX_AGE=0``) while the
   workers keep syncing.

Printed (from the task rows, the sandbox's request log and the console's /metrics, not estimated):
syncs run (and turned away by the lease), duplicates (two runs of one org overlapping: must be 0), budget
overruns (answers 429 from the sandbox, concurrency or credits: must be 0), max in-flight calls per org seen
*by the sandbox* against the cap, credits per org, the killed worker's task and its recovery, tickets lost
(mirror vs sandbox: must be 0), Desk calls counted by /metrics across all processes against the sandbox's
count, and times as ratios to the Overview page's median measured in the same run. Not a test: no asserts,
but the exit status is 1 when a must-be-zero figure is not zero.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PG = os.environ.get("SCALE_PG", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("SCALE_REDIS", "rediscache://127.0.0.1:6379/11")
DB, SANDBOX_DB = "deskadmin_scale", "deskadmin_scale_sandbox"
METRICS_TOKEN = "scale-out-bench-metrics-token"
ADMIN, ADMIN_PASSWORD = "scale-admin", "scale-out-bench-password-42"
SYNC_TASK = "apps.sync.tasks.sync_connection_task"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _environment(args: argparse.Namespace, data_dir: str, port_a: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "deskadmin.settings",
            "DESKADMIN_PROFILE": "embedded",  # the sandbox mounted; everything else as in production
            "DESKADMIN_DATA_DIR": data_dir,
            "DATABASE_URL": f"{PG}/{DB}",
            "SANDBOX_DATABASE_URL": f"{PG}/{SANDBOX_DB}",
            "CACHE_URL": REDIS,
            "SITE_URL": f"http://127.0.0.1:{port_a}",
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "STATIC_ROOT": str(Path(data_dir) / "static"),
            "PROMETHEUS_MULTIPROC_DIR": str(Path(data_dir) / "metrics"),
            "OPS_METRICS_TOKEN": METRICS_TOKEN,
            "DESK_MAX_CONCURRENT": str(args.cap),
            "SANDBOX_LATENCY_MS": str(args.latency_ms),
            "TICKETS_CONVERSATION_MAX_AGE": "0",
            "SYNC_TICK_SECONDS": "2",
            "SYNC_INTERVAL_SECONDS": "6",
            "SYNC_LEASE_SECONDS": "6",
            "WEBHOOKS_AUTO_SUBSCRIBE": "false",
            "SANDBOX_WEBHOOKS_AUTO_DELIVER": "false",
            "SANDBOX_ACTIVITY": "false",
        }
    )
    return env


def _recreate_databases() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as connection:
        for name in (DB, SANDBOX_DB):
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')


def _flush_redis() -> None:
    import redis

    match = re.match(r"rediscache://([^:/]+):(\d+)/(\d+)", REDIS)
    assert match, REDIS
    redis.Redis(host=match[1], port=int(match[2]), db=int(match[3])).flushdb()


def _wait_for(url: str, timeout: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer")


class Processes:
    """The servers and workers, each logging to a file in the data folder; all stopped at the end."""

    def __init__(self, env: dict[str, str], data_dir: str) -> None:
        self.env, self.data_dir = env, data_dir
        self.workers: dict[str, subprocess.Popen] = {}
        self.servers: list[subprocess.Popen] = []

    def _start(self, command: list[str], log_name: str) -> subprocess.Popen:
        log = open(Path(self.data_dir) / log_name, "wb")  # noqa: SIM115  (closed with the process)
        return subprocess.Popen(command, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)

    def server(self, port: int) -> None:
        command = [
            sys.executable, "-m", "gunicorn", "deskadmin.wsgi:application", "--bind", f"127.0.0.1:{port}",
            "--workers", "1", "--threads", "16", "--worker-class", "gthread", "--timeout", "60",
        ]  # fmt: skip
        self.servers.append(self._start(command, f"web-{port}.log"))

    def worker(self, worker_id: str) -> None:
        command = [
            sys.executable, "manage.py", "db_worker", "--worker-id", worker_id, "--interval", "0.2",
            "--no-startup-delay",
        ]  # fmt: skip
        self.workers[worker_id] = self._start(command, f"{worker_id}.log")

    def stop(self) -> None:
        for process in [*self.workers.values(), *self.servers]:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in [*self.workers.values(), *self.servers]:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def _org_specs(count: int, tickets_per_org: int):
    from apps.sandbox.seed import DEFAULT_ORGS

    editions = ("enterprise", "professional", "standard", "express", "free")
    specs = []
    for index in range(count):
        base = DEFAULT_ORGS[index % len(DEFAULT_ORGS)]
        specs.append(
            dataclasses.replace(
                base,
                org_id=70_000_000_001 + index,
                company_name=f"Scale Org {index + 1}",
                edition=editions[index % len(editions)],
                portal=f"scaleorg{index + 1}",
                domain=f"scale-org-{index + 1}.example",
                id_prefix=1_900_000 + 1000 * index,
                share=1 / count,
            )
        )
    return specs


def _seed(args: argparse.Namespace) -> list:
    from apps.sandbox import models as sandbox
    from apps.sandbox.seed import seed_sandbox

    specs = _org_specs(args.orgs, args.tickets_per_org)
    seed_sandbox(tickets=args.tickets_per_org * args.orgs, orgs=specs, seed=19)
    orgs = list(sandbox.Org.objects.filter(pk__in=[spec.org_id for spec in specs]).order_by("pk"))
    sandbox.Org.objects.filter(pk__in=[org.pk for org in orgs]).update(
        max_concurrent=args.cap, daily_limit=1_000_000
    )
    return orgs


def _overview_median_ms(base: str, requests: int = 20) -> float:
    import httpx

    with httpx.Client(base_url=base, timeout=30) as client:
        _login(client)
        client.get("/")
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            client.get("/").raise_for_status()
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _login(client) -> None:
    client.get("/login/")
    answer = client.post(
        "/login/",
        data={
            "username": ADMIN,
            "password": ADMIN_PASSWORD,
            "csrfmiddlewaretoken": client.cookies["csrftoken"],
        },
        headers={"Referer": str(client.base_url) + "/login/"},
    )
    if answer.status_code != 302:
        raise RuntimeError(f"could not sign in ({answer.status_code}): {answer.text[:300]}")


def _load(
    base: str,
    connections: list,
    tickets: dict[int, list[str]],
    seconds: float,
    ready: threading.Barrier,
    out: list,
    errors: list,
) -> None:
    """One person: switch to an org, open a ticket's conversation (a Desk fetch), again and again."""
    import httpx

    rng = random.Random(base + threading.current_thread().name)
    try:
        with httpx.Client(base_url=base, timeout=60) as client:
            _login(client)
            ready.wait(timeout=120)  # every person signed in (password hashing is slow on purpose)
            until = time.monotonic() + seconds
            headers = {
                "X-CSRFToken": client.cookies["csrftoken"],
                "Referer": base + "/",
                "HX-Request": "true",
            }
            while time.monotonic() < until:
                connection = rng.choice(connections)
                switch = {"connection": connection.pk, "next": "/"}
                client.post("/connections/switch/", data=switch, headers=headers)
                desk_id = rng.choice(tickets[connection.pk])
                started = time.perf_counter()
                answer = client.post(f"/tickets/{desk_id}/conversation/refresh/", headers=headers)
                out.append((time.perf_counter() - started) * 1000)
                if answer.status_code != 200 or b"Showing the mirrored conversation" in answer.content:
                    errors.append(answer.status_code)
    except Exception as exc:  # reported with the figures
        errors.append(repr(exc))


def _max_in_flight(rows) -> dict[str, int]:
    """The most calls the sandbox was serving at once, per org (interval sweep over its request log)."""
    events: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for org_id, created_at, duration_ms in rows:
        end = created_at.timestamp()
        events[org_id] += [(end - duration_ms / 1000, 1), (end, -1)]
    peaks = {}
    for org_id, points in events.items():
        current = peak = 0
        for _, step in sorted(
            points, key=lambda p: (p[0], p[1])
        ):  # an end before a start at the same instant
            current += step
            peak = max(peak, current)
        peaks[org_id] = peak
    return peaks


def _overlaps(runs: list[tuple[int, object, object]]) -> int:
    by_connection: dict[int, list[tuple[object, object]]] = defaultdict(list)
    for connection_id, started, finished in runs:
        by_connection[connection_id].append((started, finished))
    duplicates = 0
    for intervals in by_connection.values():
        intervals.sort()
        for (_, end), (start, _) in zip(intervals, intervals[1:], strict=False):
            if start < end:
                duplicates += 1
    return duplicates


def _metric_total(text: str, name: str) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name + "{"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=5)
    parser.add_argument("--tickets-per-org", type=int, default=300)
    parser.add_argument("--cap", type=int, default=3, help="concurrent calls per org (both sides)")
    parser.add_argument("--latency-ms", type=int, default=40)
    parser.add_argument("--load-seconds", type=float, default=20)
    parser.add_argument("--timeout", type=float, default=240)
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="deskadmin-scale-out-")
    (Path(data_dir) / "metrics").mkdir()
    port_a, port_b = _free_port(), _free_port()
    env = _environment(args, data_dir, port_a)
    _recreate_databases()
    _flush_redis()
    for step in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        subprocess.run([sys.executable, "manage.py", *step, "-v", "0"], env=env, cwd=ROOT, check=True)
    admin_env = {**env, "DESKADMIN_ADMIN_USERNAME": ADMIN, "DESKADMIN_ADMIN_PASSWORD": ADMIN_PASSWORD}
    subprocess.run(
        [sys.executable, "manage.py", "create_first_admin", "--noinput"],
        env=admin_env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    os.environ.update(env)
    import django

    django.setup()
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from apps.desk.budget import api_usage
    from apps.sandbox import models as sandbox
    from apps.sync.models import SyncState
    from apps.sync.tasks import sync_connection_task
    from apps.tickets.models import Ticket
    from tests.support.sandbox import connect_sandbox_org

    started_all = time.monotonic()
    orgs = _seed(args)
    processes = Processes(env, data_dir)
    status = 0
    try:
        processes.server(port_a)
        processes.server(port_b)
        bases = [f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"]
        for base in bases:
            _wait_for(base + "/healthz")
        connections = [connect_sandbox_org(org=org, base_url=bases[i % 2]) for i, org in enumerate(orgs)]
        overview_ms = _overview_median_ms(bases[0])

        # 1. Each initial sync queued twice at once, before any worker runs: the lease keeps one.
        for connection in connections:
            sync_connection_task.enqueue(connection.pk)
            sync_connection_task.enqueue(connection.pk)
        test_started = timezone.now()
        processes.worker("worker-1")
        processes.worker("worker-2")

        # 2. Kill a worker in the middle of a sync (a run past its first calls, not one the lease turns away);
        # a third one takes its place. The task counts as killed mid-run only if its row is still RUNNING
        # after the kill (it did not finish in between); otherwise the next worker is tried.
        killed = None
        spare = iter(["worker-3", "worker-4", "worker-5"])
        deadline = time.monotonic() + 60
        while killed is None and time.monotonic() < deadline:
            running = DBTaskResult.objects.filter(
                status="RUNNING", task_path=SYNC_TASK, started_at__lt=timezone.now() - timedelta(seconds=0.3)
            ).exclude(worker_ids=[])
            row = next(
                (r for r in running.order_by("started_at") if r.worker_ids[-1] in processes.workers), None
            )
            if row is None:
                time.sleep(0.05)
                continue
            victim = row.worker_ids[-1]
            process = processes.workers.pop(victim)
            process.kill()  # SIGKILL: no cleanup, as a machine or container dying
            process.wait()
            replacement = next(spare)
            processes.worker(replacement)
            row.refresh_from_db()
            if row.status == "RUNNING":
                killed = (row.pk, row.args_kwargs["args"][0], victim, timezone.now(), replacement)
        if killed is None:
            raise SystemExit("no sync was killed mid-run")

        # Wait for every mirror to be complete (the killed org's sync re-queued and finished).
        sandbox_tickets = {
            c.pk: sandbox.Ticket.objects.filter(org_id=int(c.org_id), is_trashed=False).count()
            for c in connections
        }
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            complete = SyncState.objects.filter(
                connection__in=connections, initial_completed_at__isnull=False, last_success_at__gt=killed[3]
            ).count()
            if complete == len(connections):
                break
            time.sleep(0.5)
        recovered_at = timezone.now()
        recovery_seconds = (recovered_at - killed[3]).total_seconds()

        # 3. People on both servers while the workers keep syncing.
        tickets = {
            c.pk: list(Ticket.objects.filter(connection=c).values_list("desk_id", flat=True))
            for c in connections
        }
        latencies: list[float] = []
        load_errors: list[int] = []
        ready = threading.Barrier(8)
        threads = [
            threading.Thread(
                target=_load,
                args=(base, connections, tickets, args.load_seconds, ready, latencies, load_errors),
                name=f"p{i}",
            )
            for base in bases
            for i in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        time.sleep(2)  # the syncs in flight finish

        import httpx

        scrape = httpx.get(
            bases[1] + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=30
        )
        metrics_text = scrape.text

        # Figures.
        runs = DBTaskResult.objects.filter(
            task_path=SYNC_TASK, enqueued_at__gte=test_started - timedelta(minutes=1)
        )
        ran, skipped, lost_rows = [], 0, 0
        for row in runs:
            value = row.return_value if isinstance(row.return_value, dict) else {}
            if row.status == "SUCCESSFUL" and value.get("mode") == "skipped":
                skipped += 1
            elif row.status == "SUCCESSFUL" and row.started_at and row.finished_at:
                ran.append((row.args_kwargs["args"][0], row.started_at, row.finished_at))
            elif row.status == "FAILED":
                lost_rows += 1
        killed_row = DBTaskResult.objects.get(pk=killed[0])
        duplicates = _overlaps(ran)
        log = sandbox.RequestLog.objects.filter(kind="api", created_at__gte=test_started)
        refused = log.filter(status=429)
        peaks = _max_in_flight(log.values_list("org_id", "created_at", "duration_ms"))
        mirror = {c.pk: Ticket.objects.filter(connection=c, is_deleted=False).count() for c in connections}
        lost_tickets = sum(max(0, sandbox_tickets[pk] - mirror.get(pk, 0)) for pk in sandbox_tickets)
        desk_calls_metrics = _metric_total(metrics_text, "deskadmin_desk_calls_total")
        sandbox_calls = log.count()
        overruns = refused.count() + sum(1 for peak in peaks.values() if peak > args.cap)

        print(
            f"scale-out: {args.orgs} orgs x {args.tickets_per_org} tickets, 2 gunicorn processes + 2 db_workers"
        )
        print(f"  (PostgreSQL + Redis; cap {args.cap} calls per org, sandbox latency {args.latency_ms} ms)")
        print(
            f"syncs run:                {len(ran)}  (turned away by the lease: {skipped}; lost with the killed worker: {lost_rows})"
        )
        print(f"duplicates:               {duplicates}  (two runs of one org overlapping)")
        print(
            f"budget overruns:          {overruns}  (sandbox 429s: {refused.count()}; orgs above the cap: {sum(1 for p in peaks.values() if p > args.cap)})"
        )
        print(
            "max in-flight per org:    "
            + ", ".join(f"{c.org_id[-2:]}={peaks.get(c.org_id, 0)}" for c in connections)
            + f"  (cap {args.cap}, seen by the sandbox)"
        )
        print(
            "credits used per org:     "
            + ", ".join(f"{c.org_id[-2:]}={api_usage(c.org_id).credits_used_today}" for c in connections)
            + "  (daily limit 1,000,000)"
        )
        print(
            f"killed worker:            {killed[2]} (SIGKILL) during task {killed[0]} (connection {killed[1]}); "
            f"row now {killed_row.status}{' (WorkerLost)' if 'WorkerLost' in (killed_row.exception_class_path or '') else ''}; "
            f"replaced by {killed[4]}; every mirror complete {recovery_seconds:.1f} s after the kill "
            f"(lease {env['SYNC_LEASE_SECONDS']} s + tick {env['SYNC_TICK_SECONDS']} s)"
        )
        print(
            f"tickets lost:             {lost_tickets}  (mirror {sum(mirror.values())} vs sandbox {sum(sandbox_tickets.values())})"
        )
        print(
            f"desk calls:               {int(desk_calls_metrics)} counted by /metrics across all processes "
            f"(scraped from server B), {sandbox_calls} served by the sandbox"
        )
        if load_errors:
            print(f"load errors (first 3): {load_errors[:3]}")
        if latencies:
            median = statistics.median(latencies)
            print(
                f"people's load:            {len(latencies)} conversation fetches in {args.load_seconds:.0f} s "
                f"on 8 threads, median {median / overview_ms:.1f}x the Overview page "
                f"(Overview median {overview_ms:.1f} ms), refused or degraded: {len(load_errors)}"
            )
        print(f"whole run:                {time.monotonic() - started_all:.0f} s; logs in {data_dir}")
        if duplicates or overruns or lost_tickets:
            status = 1
    finally:
        processes.stop()
    return status


if __name__ == "__main__":
    raise SystemExit(main())
