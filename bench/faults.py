"""Writes under faults, longer than CI's run: the faulted agent session of tests/reliability with 500 writes.

Usage: python bench/faults.py [--writes 500]
       DATABASE_URL=postgres://… SANDBOX_DATABASE_URL=postgres://… python bench/faults.py   (PostgreSQL)

The session (tests/reliability/faulted_session.py) writes comments, replies and new tickets through the
console's pages while the sandbox answers 20 % of calls with a 500/503, starts 429 bursts, hangs, answers
writes after the client's read timeout (0.4 s here) or cuts their answers off. It runs inside pytest (the
live server, the seeded and synced sandbox org and the users are the test fixtures), so it measures exactly
what CI checks, only longer.

Printed: writes meant, sends and checks, writes lost, duplicated in the sandbox, 500 pages, unknown outcomes
and how they were settled (saved / not saved / unresolved) and the audit entries that say so; the time per
write as a ratio to the Overview page measured in the same run. Not a test: the figures are the output.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--writes", type=int, default=500, help="writes in the session (default 500)")
    args = parser.parse_args()
    database = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    env = {**os.environ, "FAULTS_BENCH_WRITES": str(args.writes)}
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-s",
        "-p",
        "no:randomly",
        "-p",
        "no:cacheprovider",
        "tests/reliability/test_faulted_session.py::test_bench_session",
    ]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    figures = [
        line.removeprefix("FIGURES ") for line in result.stdout.splitlines() if line.startswith("FIGURES")
    ]
    if result.returncode != 0 or not figures:
        sys.stdout.write(result.stdout[-4000:])
        sys.stderr.write(result.stderr[-4000:])
        return result.returncode or 1
    print(f"Faulted agent session on {database}, {args.writes} writes:")
    for line in figures:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
