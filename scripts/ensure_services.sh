#!/usr/bin/env bash
# For the tests: Debian's Chromium (browser tests), axe-core from the npm registry (the accessibility
# test), and PostgreSQL + Redis on loopback (the production-configuration run). Installs and starts only
# what is missing.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
# axe-core for tests/browser/test_accessibility.py: pinned, installed outside the repo (never committed).
AXE_CORE_VERSION="4.14.1"
AXE_CORE_DIR="${AXE_CORE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/deskadmin/axe-core}"
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing ${need[*]}…"
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
if [ "$(node -p "require('$AXE_CORE_DIR/node_modules/axe-core/package.json').version" 2>/dev/null)" != "$AXE_CORE_VERSION" ]; then
  echo "Installing axe-core $AXE_CORE_VERSION into $AXE_CORE_DIR…"
  mkdir -p "$AXE_CORE_DIR"
  npm install --prefix "$AXE_CORE_DIR" --no-save --no-audit --no-fund --loglevel=error "axe-core@$AXE_CORE_VERSION" >/dev/null
fi
pg_version="$(ls /etc/postgresql | sort -V | tail -1)"
if ! pg_lsclusters -h | grep -q "^$pg_version main .*online"; then
  pg_ctlcluster --skip-systemctl-redirect "$pg_version" main start
fi
if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi
for _ in $(seq 1 30); do
  pg_isready -h 127.0.0.1 -q && redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && exit 0
  sleep 1
done
echo "PostgreSQL or Redis did not come up" >&2
exit 1
