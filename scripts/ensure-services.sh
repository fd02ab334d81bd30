#!/usr/bin/env bash
# Start the local PostgreSQL the integration tests use, if it is installed but down.
set -euo pipefail
if command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; then
  exit 0
fi
if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p 5432 && exit 0
    sleep 1
  done
fi
echo "PostgreSQL is not reachable on 127.0.0.1:5432: start it (pg_ctlcluster <version> main start)" >&2
echo "or set ORDERHUB_TEST_PG_URL to a reachable server." >&2
exit 1
