"""Webhooks end to end: how fast a change on Desk reaches the mirror and an open queue page, how fast the
receiver answers a burst, and what staying fresh costs in API credits, webhooks against polling.

Usage: python bench/webhooks.py [--changes 40] [--burst-requests 250] [--burst-size 20] [--poll-seconds 3]

Runs the deployment's shape in a temporary data folder (embedded profile: SQLite, file cache): gunicorn as
scripts/serve.sh runs it (one process, gthread) serving the console and the sandbox, and one `db_worker`.
This process seeds a sandbox org, connects it with real OAuth tokens, syncs, and subscribes DeskAdmin's
webhook through the same service as the Webhooks page (Desk's URL check included). Then:

* latency: someone changes a ticket on "Desk" (the sandbox API, no DeskAdmin sourceId); the sandbox's
  worker delivers the signed event, the receiver stores it, the worker applies it; timed from the change's
  request to the mirror row holding it (median, p95). To an open queue page: that, plus the wait for the
  page's next poll of the version stamp (half the poll interval on average, up to all of it) and one
  re-read of the rows (the queue partial's median server time);
* burst: 5,000 events as Desk-sized batches, signed with the sandbox's key, posted by 4 clients at once;
  each answer's time (Desk allows 5 s) and how long the worker takes to apply them all;
* credits an hour for an org with 1,000 changes an hour: polling every SYNC_INTERVAL_SECONDS (each
  incremental sync measured after 1000/polls-per-hour changes) against webhooks (deliveries cost nothing;
  the safety-net sync every WEBHOOKS_SYNC_INTERVAL_SECONDS measured after its share of changes, plus the
  fill-in calls deliveries needed, counted).
Times are printed in ms and as ratios to the Overview page measured in the same run. Not a test: no asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


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


def _median_ms(client, path: str, count: int = 30, **headers: str) -> float:
    client.get(path, headers=headers)
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
    return statistics.median(timings)


def _wait_idle(connection, timeout: float = 120) -> None:
    from apps.webhooks.models import Delivery

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Delivery.objects.filter(connection=connection, status__in=["pending", "processing"]).exists():
            return
        time.sleep(0.05)


def _sync_credits(connection, changes: int) -> int:
    """Credits of one incremental sync after ``changes`` tickets changed on Desk (counted from the answers)."""
    from django.utils import timezone

    from apps.connections.services import desk_client_for
    from apps.desk.metering import CreditMeter
    from apps.sandbox import models as sandbox
    from apps.sync.engine import sync_run

    ids = list(
        sandbox.Ticket.objects.filter(org_id=int(connection.org_id), is_trashed=False)
        .order_by("?")
        .values_list("pk", flat=True)[:changes]
    )
    sandbox.Ticket.objects.filter(pk__in=ids).update(
        modified_time=timezone.now(), subject="Changed for the bench"
    )
    meter = CreditMeter()
    with desk_client_for(connection, priority="background", transport=meter) as client:
        report = sync_run(connection, client=client)
    if not report.finished:
        raise SystemExit(f"the incremental sync stopped: {report.error}")
    return meter.credits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=40, help="changes timed one by one")
    parser.add_argument("--burst-requests", type=int, default=250)
    parser.add_argument(
        "--burst-size", type=int, default=20, help="events per request (the sandbox sends 20)"
    )
    parser.add_argument("--poll-seconds", type=float, default=3.0, help="the pages' version-stamp poll")
    parser.add_argument("--changes-per-hour", type=int, default=1000)
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="deskadmin-bench-webhooks-")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    os.environ.update(
        {
            "DESKADMIN_DATA_DIR": data_dir,
            "DJANGO_SETTINGS_MODULE": "deskadmin.settings",
            "DESKADMIN_PROFILE": "embedded",
            "SITE_URL": base,
            "LOG_LEVEL": "WARNING",
            "DEBUG": "false",
            "SYNC_AUTO_SCHEDULE": "false",
            "SANDBOX_ACTIVITY": "false",
            "WEBHOOKS_AUTO_SUBSCRIBE": "false",
        }
    )
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client, override_settings

    call_command("migrate", verbosity=0)
    from apps.sandbox import models as sandbox
    from apps.sandbox.seed import DEFAULT_ORGS, seed_sandbox

    seed_sandbox(tickets=200, orgs=DEFAULT_ORGS[:1], seed=42)
    org = sandbox.Org.objects.get(pk=DEFAULT_ORGS[0].org_id)
    sandbox.Org.objects.filter(pk=org.pk).update(
        per_minute_limit=1_000_000, daily_limit=100_000_000, edition="enterprise"
    )
    logs = Path(data_dir)
    with (logs / "web.log").open("w") as web_log, (logs / "worker.log").open("w") as worker_log:
        web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "deskadmin.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", "1", "--threads", "16", "--worker-class", "gthread", "--timeout", "60"],
            cwd=ROOT, stdout=web_log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--interval", "0.05", "--no-reload"],
            cwd=ROOT, stdout=worker_log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            _wait_for(f"{base}/healthz")
            run(args, base=base, org=org, settings=settings, client_class=Client, override=override_settings)
        finally:
            for process in (worker, web):
                process.terminate()
            for process in (worker, web):
                process.wait(timeout=30)


def run(args, *, base: str, org, settings, client_class, override) -> None:
    import httpx

    from apps.connections.models import DeskConnection
    from apps.core.roles import Role
    from apps.core.services import user_create
    from apps.sandbox import oauth, webhooks_out
    from apps.sync.engine import sync_run, sync_state_for
    from apps.tickets.models import Ticket
    from apps.webhooks import services
    from apps.webhooks.models import Delivery
    from tests.support.sandbox import connect_sandbox_org

    connection = connect_sandbox_org(org=org, base_url=base)
    DeskConnection.objects.filter(pk=connection.pk).update(edition="enterprise")
    connection.refresh_from_db()
    sync_state_for(connection)
    if not sync_run(connection).finished:
        raise SystemExit("the initial sync did not finish")
    connection.refresh_from_db()
    subscribed = services.subscription_ensure(connection=connection, actor=None)

    # Page times in this process (the Overview is the yardstick).
    user = user_create(username="bench-webhooks", password="bench-password-1", role=Role.ADMIN)
    client = client_class(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override(STORAGES=storages):
        overview_ms = _median_ms(client, "/")
        queue_ms = _median_ms(client, "/tickets/", HX_Request="true", HX_Target="queue-results")
        stamp_ms = _median_ms(client, "/webhooks/live/")

    # 1. Latency, change by change.
    issued = oauth.tokens_issue(
        client=oauth.demo_client_ensure(), user=oauth.demo_user_ensure(), org=org, scopes=["Desk.tickets.ALL"]
    )
    desk = httpx.Client(
        base_url=f"{base}/sandbox/desk/api/v1",
        headers={"Authorization": f"Zoho-oauthtoken {issued.access_token}", "orgId": str(org.pk)},
        timeout=30,
    )
    tickets = list(
        Ticket.objects.filter(connection=connection, is_deleted=False).order_by("desk_id")[: args.changes]
    )
    latencies = []
    for index, ticket in enumerate(tickets):
        subject = f"Changed on Desk #{index}"
        started = time.perf_counter()
        response = desk.patch(f"/tickets/{ticket.desk_id}", json={"subject": subject})
        if response.status_code != 200:
            raise SystemExit(f"the sandbox refused the change: {response.status_code} {response.text}")
        deadline = started + 30
        while time.perf_counter() < deadline:
            if Ticket.objects.filter(pk=ticket.pk, subject=subject).exists():
                latencies.append((time.perf_counter() - started) * 1000)
                break
            time.sleep(0.005)
        else:
            raise SystemExit(f"change {index} did not reach the mirror in 30 s (see {settings.DATA_DIR})")
    _wait_idle(connection)
    fill_ins = sum(Delivery.objects.filter(connection=connection).values_list("fill_ins", flat=True))
    poll_ms = args.poll_seconds * 1000
    page_median = statistics.median(latencies) + poll_ms / 2 + queue_ms
    page_p95 = _p95(latencies) + poll_ms * 0.95 + queue_ms

    # 2. Burst: 5,000 events in Desk-sized batches, 4 clients at once.
    raw = [t.raw for t in Ticket.objects.filter(connection=connection)]
    endpoint_url = services.receiver_url(services.endpoint_for(connection))
    answers: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()
    bodies = []
    for request_index in range(args.burst_requests):
        events = []
        for n in range(args.burst_size):
            payload = dict(raw[(request_index * args.burst_size + n) % len(raw)])
            payload["subject"] = f"Burst {request_index}-{n}"
            payload["modifiedTime"] = time.strftime(
                "%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() + 60 + n)
            )
            events.append(
                {"eventType": "Ticket_Update", "eventTime": "0", "orgId": str(org.pk), "payload": payload}
            )
        bodies.append(json.dumps(events))

    def post_all(slot: int) -> None:
        with httpx.Client(timeout=30) as http:
            for body in bodies[slot::4]:
                token = webhooks_out.delivery_token(org_id=org.pk, webhook_id=subscribed.webhook_id)
                started = time.perf_counter()
                response = http.post(
                    endpoint_url,
                    content=body,
                    headers={"Content-Type": "application/json", "X-ZDesk-JWT": token},
                )
                with lock:
                    answers.append((time.perf_counter() - started) * 1000)
                    statuses.append(response.status_code)

    burst_started = time.perf_counter()
    threads = [threading.Thread(target=post_all, args=(slot,)) for slot in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    answered_s = time.perf_counter() - burst_started
    _wait_idle(connection, timeout=600)
    applied_s = time.perf_counter() - burst_started
    events_total = args.burst_requests * args.burst_size

    # 3. Credits an hour at N changes an hour: every sync of the hour run, each after its share of changes.
    # A warm-up sync first pays any periodic walk that is due (contacts, team: the same in both modes).
    _sync_credits(connection, 0)
    polls_per_hour = round(3600 / settings.SYNC_INTERVAL_SECONDS)
    polling = [
        _sync_credits(connection, round(args.changes_per_hour / polls_per_hour))
        for _ in range(polls_per_hour)
    ]
    polling_per_hour = sum(polling)
    per_poll = statistics.median(polling)
    _sync_credits(connection, 0)
    nets_per_hour = max(1, round(3600 / settings.WEBHOOKS_SYNC_INTERVAL_SECONDS))
    nets = [
        _sync_credits(connection, round(args.changes_per_hour / nets_per_hour)) for _ in range(nets_per_hour)
    ]
    per_net = statistics.median(nets)
    fill_in_per_hour = fill_ins / max(1, len(latencies)) * args.changes_per_hour  # 1 credit each
    webhooks_per_hour = sum(nets) + fill_in_per_hour

    def ratio(ms: float) -> str:
        return f"{ms / overview_ms:.1f}× Overview"

    print(f"Overview page median {overview_ms:.1f} ms (the yardstick); queue rows {queue_ms:.1f} ms "
          f"({ratio(queue_ms)}); version stamp {stamp_ms:.1f} ms ({ratio(stamp_ms)})")  # fmt: skip
    print(f"Change on Desk -> mirror ({len(latencies)} changes): median {statistics.median(latencies):.0f} ms "
          f"({ratio(statistics.median(latencies))}), p95 {_p95(latencies):.0f} ms ({ratio(_p95(latencies))})")  # fmt: skip
    print(f"Change on Desk -> open queue page (poll every {args.poll_seconds:g} s): median ~{page_median:.0f} ms, "
          f"p95 ~{page_p95:.0f} ms")  # fmt: skip
    print(f"Burst: {events_total:,} events in {args.burst_requests} requests of {args.burst_size}, 4 clients: "
          f"answers median {statistics.median(answers):.0f} ms ({ratio(statistics.median(answers))}), "
          f"p95 {_p95(answers):.0f} ms, max {max(answers):.0f} ms (Desk allows 5,000 ms); "
          f"statuses {sorted(set(statuses))}; all answered in {answered_s:.1f} s, all applied in {applied_s:.1f} s "
          f"({events_total / applied_s:,.0f} events/s)")  # fmt: skip
    print(f"Credits an hour at {args.changes_per_hour:,} changes/hour: polling every "
          f"{settings.SYNC_INTERVAL_SECONDS // 60} min {polling_per_hour:,.0f} ({polls_per_hour} syncs, median {per_poll:g}); webhooks "
          f"{webhooks_per_hour:,.0f} (safety-net sync every {settings.WEBHOOKS_SYNC_INTERVAL_SECONDS // 60} min: "
          f"{nets_per_hour} syncs, median {per_net:g}; deliveries 0; fill-in calls {fill_ins} for {len(latencies)} changes)")  # fmt: skip


if __name__ == "__main__":
    main()
