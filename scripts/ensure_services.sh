#!/usr/bin/env bash
# For the tests: Debian's Chromium (browser tests), and PostgreSQL + Redis on loopback (the
# production-configuration run). Installs and starts only what is missing.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing ${need[*]}…"
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
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
