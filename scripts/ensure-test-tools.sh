#!/usr/bin/env bash
# The tools the specs run besides Node: Prometheus and promtool (test/observability, test/alerts), a compose tool
# (test/containers validates docker-compose.yml; no Docker engine is needed) and curl (test/oversize).
# Installs the missing ones with apt when it can (root), else stops at once with the command to run.
# `npm test` runs it first (pretest); PostgreSQL and Redis themselves must already be running.
set -euo pipefail

missing=()
{ command -v prometheus && command -v promtool; } >/dev/null 2>&1 || missing+=(prometheus)
docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
[ ${#missing[@]} -eq 0 ] && exit 0

install="apt-get update -qq && apt-get install -y -qq --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "[pretest] installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! bash -c "$install" >/tmp/polaris-pretest-apt.log 2>&1; then
    echo "[pretest] installing ${missing[*]} failed; see /tmp/polaris-pretest-apt.log" >&2
    exit 1
  fi
  exit 0
fi
echo "[pretest] the specs need ${missing[*]}, which are not installed. Run as root:" >&2
echo "  $install" >&2
exit 1
