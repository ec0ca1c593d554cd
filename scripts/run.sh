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
interrupted=0
trap 'interrupted=1' INT TERM
trap 'kill $ACTIONS_PID 2>/dev/null; wait $ACTIONS_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  curl -sf http://127.0.0.1:5055/health >/dev/null 2>&1 && break
  sleep 0.5
done

set +e
case "$mode" in
  shell)
    "$BIN/rasa" shell --model models/bring-it-up.tar.gz --quiet ;;
  *)
    echo
    echo "Bring It Up is starting. When Rasa says it is up, talk to it with:"
    echo "  curl -s localhost:5005/webhooks/rest/webhook -d '{\"sender\":\"me\",\"message\":\"hi\"}'"
    echo "(For a chat in this terminal, stop with Ctrl-C and run 'make shell'.) Ctrl-C stops everything."
    echo
    "$BIN/rasa" run --model models/bring-it-up.tar.gz --port 5005 \
      --interface "${RASA_INTERFACE:-127.0.0.1}" --credentials credentials.yml \
      --endpoints endpoints.yml ;;
esac
status=$?
# Ctrl-C is how you stop it: not an error.
[ "$interrupted" = 1 ] && exit 0
exit "$status"
