#!/usr/bin/env bash
# PostgreSQL (tracker store) and Redis (lock store) for clinic mode, on loopback only,
# from Debian's packages (installed if missing). Used by `make run-clinic` and the tests.
#   scripts/services.sh start DIR     start both; DIR/env then holds DB_* and REDIS_* to source
#   scripts/services.sh stop DIR      stop both (data stays in DIR for the next start)
#   scripts/services.sh restart-db|stop-db|start-db DIR   PostgreSQL only (the fault tests use them)
#   scripts/services.sh stop-redis|start-redis DIR        Redis only
# Ports: PG_PORT (default 55432) and REDIS_PORT (default 56379), chosen on the first start
# and kept in DIR/env. Passwords are random, made on the first start, and never printed.
# PostgreSQL will not run as root: as root its data lives in a directory of the postgres
# user (/var/lib/postgresql/bring-it-up/...), and it runs as that user.
set -euo pipefail
action="${1:?start, stop or restart-db}"
DIR="$(mkdir -p "${2:?directory for data and settings}" && cd "$2" && pwd)"
ENV_FILE="$DIR/env"

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

install_missing() {
  local missing=()
  ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || missing+=(postgresql)
  command -v redis-server >/dev/null || missing+=(redis-server)
  [ ${#missing[@]} = 0 ] && return
  local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  echo "Installing ${missing[*]} from Debian's packages..." >&2
  $sudo apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}" >&2
}

settings() {  # make DIR/env once: ports, names and fresh random passwords
  [ -f "$ENV_FILE" ] && return
  local secret
  secret() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
  local pgdata="$DIR/postgres"
  [ "$(id -u)" = 0 ] && pgdata="/var/lib/postgresql/bring-it-up/$(echo "$DIR" | md5sum | cut -c1-16)"
  (umask 077; cat > "$ENV_FILE" <<EOF
export DB_HOST=127.0.0.1 DB_PORT=${PG_PORT:-55432} DB_NAME=bring_it_up DB_USER=bring_it_up
export DB_PASSWORD=$(secret)
export REDIS_HOST=127.0.0.1 REDIS_PORT=${REDIS_PORT:-56379} REDIS_DB=1 REDIS_PASSWORD=$(secret)
PGDATA=$pgdata
EOF
  )
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1; }

start_postgres() {
  local bin; bin="$(pg_bin)"
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    mkdir -p "$PGDATA"
    [ "$(id -u)" = 0 ] && chown postgres: "$PGDATA" "$(dirname "$PGDATA")"
    chmod 700 "$PGDATA"
    local pwfile="$PGDATA.pw"
    (umask 077; printf '%s\n' "$DB_PASSWORD" > "$pwfile")
    [ "$(id -u)" = 0 ] && chown postgres: "$pwfile"
    as_postgres "$bin/initdb" -D "$PGDATA" -U "$DB_USER" --pwfile="$pwfile" \
      --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    rm -f "$pwfile"
  fi
  as_postgres "$bin/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -p $DB_PORT -c unix_socket_directories='' -c log_statement=none" >/dev/null || {
    echo "PostgreSQL did not start on 127.0.0.1:$DB_PORT (port in use? see $PGDATA/server.log)" >&2
    return 1
  }
  PGPASSWORD="$DB_PASSWORD" psql -q -h 127.0.0.1 -p "$DB_PORT" -U "$DB_USER" -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" | grep -q 1 ||
    PGPASSWORD="$DB_PASSWORD" psql -q -h 127.0.0.1 -p "$DB_PORT" -U "$DB_USER" -d postgres \
      -c "CREATE DATABASE $DB_NAME"
}

start_redis() {
  (umask 077; cat > "$DIR/redis.conf" <<EOF
bind 127.0.0.1
port $REDIS_PORT
requirepass $REDIS_PASSWORD
daemonize yes
pidfile $DIR/redis.pid
logfile $DIR/redis.log
dir $DIR
save ""
appendonly no
EOF
  )
  redis-server "$DIR/redis.conf"
  for _ in $(seq 1 50); do
    REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && return
    sleep 0.1
  done
  echo "Redis did not start; see $DIR/redis.log" >&2
  return 1
}

stop_postgres() {
  [ -f "$PGDATA/postmaster.pid" ] && as_postgres "$(pg_bin)/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null || true
}

stop_redis() {
  [ -f "$DIR/redis.pid" ] || return 0
  local pid; pid="$(cat "$DIR/redis.pid")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$DIR/redis.pid"
}

case "$action" in
  start)
    install_missing
    settings
    # shellcheck disable=SC1090
    source "$ENV_FILE"
    start_postgres
    start_redis
    echo "PostgreSQL on 127.0.0.1:$DB_PORT and Redis on 127.0.0.1:$REDIS_PORT; settings in $ENV_FILE" >&2 ;;
  stop)
    # shellcheck disable=SC1090
    [ -f "$ENV_FILE" ] && source "$ENV_FILE" && stop_redis && stop_postgres ;;
  restart-db|stop-db|start-db)
    # shellcheck disable=SC1090
    source "$ENV_FILE"
    [ "$action" = start-db ] || stop_postgres
    [ "$action" = stop-db ] || start_postgres ;;
  stop-redis|start-redis)
    # shellcheck disable=SC1090
    source "$ENV_FILE"
    if [ "$action" = stop-redis ]; then stop_redis; else start_redis; fi ;;
  *) echo "unknown action: $action" >&2; exit 2 ;;
esac
