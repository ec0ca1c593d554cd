#!/usr/bin/env bash
# Start the action server (127.0.0.1:5055) and then Rasa or another command.
#   scripts/run.sh                 Rasa (REST on :5005) and the demo page on :8000 (Ctrl-C stops all)
#   scripts/run.sh shell           terminal chat
#   scripts/run.sh actions         only the action server (foreground)
#   scripts/run.sh rasa            only a Rasa server (foreground; for more servers in clinic mode)
# Settings from the environment: RASA_PORT, ACTION_PORT, DEMO_PORT, ENDPOINTS, CREDENTIALS, MODEL,
# TRACKER_DB, RASA_INTERFACE, ACTION_INTERFACE (both 127.0.0.1 unless a container needs 0.0.0.0),
# ACTION_SERVER_URL, ACTIONS_PACKAGE (the tests use it to run actions that fail on purpose).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${VENV:-.venv}/bin"
export RASA_TELEMETRY_ENABLED=false PYTHONPATH="$PWD" SANIC_HOST="${ACTION_INTERFACE:-127.0.0.1}"
export TRACKER_DB="${TRACKER_DB:-var/conversations.db}"
# Quiet by default: TensorFlow's C++ notices, and library warnings nobody here can act on.
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}" SQLALCHEMY_SILENCE_UBER_WARNING=1
export PYTHONWARNINGS="${PYTHONWARNINGS:-$(grep -v '^#' scripts/library_warnings.txt | paste -sd, -)}"
# One thread each for TensorFlow and OpenMP. More threads only spin while they wait: a Rasa
# process used 1.6 CPUs for the work of one, taking CPU from the action server and the
# database; clinic mode runs one Sanic worker per CPU instead (benchmarks/TRIED.md).
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
export TF_INTER_OP_PARALLELISM_THREADS="${TF_INTER_OP_PARALLELISM_THREADS:-1}"
export TF_INTRA_OP_PARALLELISM_THREADS="${TF_INTRA_OP_PARALLELISM_THREADS:-1}"
ENDPOINTS="${ENDPOINTS:-endpoints.yml}"
RASA_PORT="${RASA_PORT:-5005}"
ACTION_PORT="${ACTION_PORT:-5055}"
DEMO_PORT="${DEMO_PORT:-8000}"
export ACTION_SERVER_URL="${ACTION_SERVER_URL:-http://127.0.0.1:$ACTION_PORT/webhook}"
umask 077  # the conversation database is readable by this user only
mkdir -p var
[ -f "$TRACKER_DB" ] && chmod 600 "$TRACKER_DB"
mode="${1:-server}"
ACTIONS=(-m service.action_server --actions "${ACTIONS_PACKAGE:-actions}" --port "$ACTION_PORT")
case "$mode" in
  actions) exec "$BIN/python" "${ACTIONS[@]}" ;;
  shell) ;;
  *) RASA=(run --model "${MODEL:-models/bring-it-up.tar.gz}" --port "$RASA_PORT"
           --interface "${RASA_INTERFACE:-127.0.0.1}" --credentials "${CREDENTIALS:-credentials.yml}"
           --endpoints "$ENDPOINTS" --cors $("$BIN/python" -m bring_it_up.clinic --origins))
     [ "$mode" = rasa ] && exec "$BIN/python" -m service.cli "${RASA[@]}" ;;
esac

"$BIN/python" "${ACTIONS[@]}" &
ACTIONS_PID=$!
CHILDREN="$ACTIONS_PID"
interrupted=0
trap 'interrupted=1' INT TERM
trap 'kill $CHILDREN 2>/dev/null; wait $CHILDREN 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  "$BIN/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
    "http://127.0.0.1:$ACTION_PORT/health" >/dev/null 2>&1 && break
  sleep 0.5
done

set +e
case "$mode" in
  shell)
    "$BIN/python" -m service.cli shell --model models/bring-it-up.tar.gz --endpoints "$ENDPOINTS" --quiet ;;
  *)
    DEMO_PORT="$DEMO_PORT" BOT_URL="http://localhost:$RASA_PORT" "$BIN/python" -m service.demo_server &
    CHILDREN="$CHILDREN $!"
    # In the background so that a TERM sent to this script (not only Ctrl-C) stops Rasa too.
    "$BIN/python" -m service.cli "${RASA[@]}" &
    RASA_PID=$!
    trap 'interrupted=1; kill -TERM $RASA_PID 2>/dev/null' INT TERM
    echo "Starting Bring It Up (about 30 seconds)..."
    until "$BIN/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
        "http://127.0.0.1:$RASA_PORT/" >/dev/null 2>&1; do
      kill -0 $RASA_PID 2>/dev/null || break
      sleep 1
    done
    if kill -0 $RASA_PID 2>/dev/null; then
      sender=$("$BIN/python" -c 'import uuid; print(uuid.uuid4())')
      echo
      echo "Bring It Up is running. Open:"
      echo "  http://localhost:$DEMO_PORT/     the demo clinic page with the chat widget"
      echo "or talk to it directly:"
      echo "  curl -s localhost:$RASA_PORT/webhooks/rest/webhook -H 'Content-Type: application/json' -d '{\"sender\":\"$sender\",\"message\":\"hi\"}'"
      echo "(For a chat in this terminal, stop with Ctrl-C and run 'make shell'.) Ctrl-C stops everything."
      echo
    fi
    wait $RASA_PID
    wait $RASA_PID 2>/dev/null ;;  # a trapped signal ends the first wait early
esac
status=$?
# Ctrl-C is how you stop it: not an error.
[ "$interrupted" = 1 ] && exit 0
exit "$status"
