#!/usr/bin/env bash
# Install Debian's docker-compose (v1) if missing: the tests validate docker-compose.yml
# with `docker-compose config`, which needs no Docker engine. Its recommended docker.io
# (the engine) is left out on purpose: nothing here starts containers.
set -euo pipefail
if command -v docker-compose >/dev/null; then
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "docker-compose is missing: install a compose client (Debian: apt-get install docker-compose)" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "installing docker-compose (validates docker-compose.yml in the tests)"
export DEBIAN_FRONTEND=noninteractive
install=($sudo apt-get install -y -q --no-install-recommends docker-compose)
"${install[@]}" >/dev/null 2>&1 \
  || { $sudo apt-get update -q >/dev/null && "${install[@]}" >/dev/null; }
command -v docker-compose >/dev/null || {
  echo "docker-compose did not install: run apt-get install docker-compose and retry" >&2
  exit 1
}
