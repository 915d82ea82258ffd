#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:5432 (idempotent): start the local
# Debian cluster if it is installed but stopped. A developer pointing TEST_POSTGRES_URL at
# another server skips this entirely.
set -euo pipefail
if [ -n "${TEST_POSTGRES_URL:-}" ]; then
  exit 0
fi
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  exit 0
fi
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  version=$(ls /etc/postgresql | sort -V | tail -1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p 5432 && exit 0
    sleep 1
  done
fi
echo "PostgreSQL is not reachable on 127.0.0.1:5432; PostgreSQL tests will fail." >&2
echo "Start it, or set TEST_POSTGRES_URL=postgresql://user:pass@host:port/db" >&2
exit 1
