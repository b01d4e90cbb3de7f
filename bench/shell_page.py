"""Server time of the page shell (the overview) against /healthz, measured in the same run.

Usage: python bench/shell_page.py [--requests 300]
Prints median and p95 in milliseconds and the ratio to the trivial page. Not a test: no asserts.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DESKADMIN_DATA_DIR", tempfile.mkdtemp(prefix="deskadmin-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deskadmin.settings_test")


def measure(client, path: str, count: int) -> list[float]:
    timings = []
    for _ in range(count):
        start = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)  # a broken page is no figure
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)
    from apps.core.roles import Role
    from apps.core.services import audit_record, user_create

    user = user_create(username="bench-admin", password="bench-password-1", role=Role.ADMIN)
    for n in range(200):
        audit_record(actor=user, action="ticket.assign", target_type="ticket", target_id=n, api_calls=1)
    client = Client()
    client.force_login(user)
    measure(client, "/", 20)  # warm up templates and caches
    rows = []
    for label, path in (
        ("healthz (trivial)", "/healthz"),
        ("overview (shell)", "/"),
        ("audit log", "/audit/"),
    ):
        timings = measure(client, path, args.requests)
        rows.append((label, statistics.median(timings), statistics.quantiles(timings, n=20)[18]))
    base = rows[0][1]
    print(f"{'page':<20} {'median ms':>10} {'p95 ms':>10} {'x trivial':>10}")
    for label, median, p95 in rows:
        print(f"{label:<20} {median:>10.2f} {p95:>10.2f} {median / base:>10.1f}")


if __name__ == "__main__":
    main()
