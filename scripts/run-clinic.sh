#!/usr/bin/env bash
# Clinic mode on this machine: PostgreSQL and Redis on loopback (scripts/services.sh, data
# in var/clinic), the action server, and Rasa with SANIC_WORKERS (default 2) sharing both
# through endpoints.clinic.yml; the demo page as in `make run`. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${CLINIC_SERVICES:-var/clinic}"
bash scripts/services.sh start "$DIR"
trap 'bash scripts/services.sh stop "$DIR"' EXIT
set -a
# shellcheck disable=SC1090,SC1091
source "$DIR/env"
set +a
export ENDPOINTS=endpoints.clinic.yml SANIC_WORKERS="${SANIC_WORKERS:-2}"
bash scripts/run.sh
