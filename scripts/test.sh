#!/usr/bin/env bash
# The whole test suite (unit, integration, browser), on the embedded defaults unless DATABASE_URL /
# CACHE_URL say otherwise. Installs what it needs first (venv, Chromium; PostgreSQL and Redis are
# started for the production-configuration run that .ci/run makes). Extra arguments go to pytest.
set -euo pipefail
source "$(dirname "$0")/setup.sh" dev
bash scripts/ensure_services.sh
# Two workers (this machine kind has two cores); each has its own test databases and scratch folder.
python -m pytest -q -n "${TEST_WORKERS:-2}" "$@"
