#!/usr/bin/env bash
# Start the action server (127.0.0.1:5055) and then Rasa or another command.
#   scripts/run.sh                 Rasa server, REST channel on :5005 (Ctrl-C stops both)
#   scripts/run.sh shell           terminal chat
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${VENV:-.venv}/bin"
export RASA_TELEMETRY_ENABLED=false PYTHONPATH="$PWD" SANIC_HOST=127.0.0.1
mkdir -p var
mode="${1:-server}"

"$BIN/python" -m rasa_sdk --actions actions --port 5055 --quiet &
ACTIONS_PID=$!
trap 'kill $ACTIONS_PID 2>/dev/null; wait $ACTIONS_PID 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 60); do
  curl -sf http://127.0.0.1:5055/health >/dev/null 2>&1 && break
  sleep 0.5
done

case "$mode" in
  shell)
    "$BIN/rasa" shell --model models/bring-it-up.tar.gz --quiet ;;
  *)
    echo
    echo "Bring It Up is starting. When Rasa says it is up, talk to it with:"
    echo "  curl -s localhost:5005/webhooks/rest/webhook -d '{\"sender\":\"me\",\"message\":\"hi\"}'"
    echo "or run 'make shell' in another terminal. Ctrl-C stops everything."
    echo
    "$BIN/rasa" run --model models/bring-it-up.tar.gz --port 5005 \
      --interface "${RASA_INTERFACE:-127.0.0.1}" --credentials credentials.yml \
      --endpoints endpoints.yml ;;
esac
