#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL server beside it, for the tests' PostgreSQL half.
#
#   .ci/with-postgres.sh .venv/bin/python -m pytest -n 2
#
# Installs Debian's postgresql package when no server binaries are found (as root, with
# apt-get), initdb's a data folder under a temporary directory, starts the server on a
# free 127.0.0.1 port (its unix socket in the same directory), exports
# COACH_TEST_PG_URL for the tests, runs the command, and always stops the server and
# removes the directory afterwards (trap), whatever the command's outcome.
#
# PostgreSQL refuses to run as root: as root the server runs as the unprivileged user
# `nobody`. Without a server and without a way to install one the command still runs,
# with COACH_TEST_PG_URL unset: locally the PostgreSQL tests then skip with a reason;
# under CI=true they fail (tests/conftest.py), so CI never passes without them.
set -euo pipefail

find_bin() {
    local dir
    for dir in ${COACH_PG_BIN:-} $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            echo "$dir"
            return 0
        fi
    done
    return 1
}

PG_BIN="$(find_bin || true)"
if [ -z "$PG_BIN" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "with-postgres: installing Debian's postgresql package" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
        || echo "with-postgres: could not install postgresql" >&2
    PG_BIN="$(find_bin || true)"
fi
if [ -z "$PG_BIN" ]; then
    echo "with-postgres: no PostgreSQL server found; running without COACH_TEST_PG_URL" >&2
    exec "$@"
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/coach-pg.XXXXXX")"
RUN_AS=()
if [ "$(id -u)" = 0 ]; then
    RUN_AS=(runuser -u nobody --)
    chown nobody "$WORK"
fi
chmod 700 "$WORK"

# The server's commands run from inside the temporary folder: the unprivileged user may
# not be allowed into the folder `make test` was started from.
as_server() { (cd "$WORK" && "${RUN_AS[@]}" "$@"); }

stop() {
    as_server "$PG_BIN/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap stop EXIT
trap 'exit 130' INT TERM

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

as_server "$PG_BIN/initdb" -D "$WORK/data" -U coach --auth=trust -E UTF8 --no-locale \
    >"$WORK/initdb.log" 2>&1 || { cat "$WORK/initdb.log" >&2; exit 1; }
# A test server: durability off (the data is thrown away), room for two test workers'
# pools plus the multi-process tests' server workers.
as_server "$PG_BIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w -t 60 \
    -o "-p $PORT -k $WORK -c listen_addresses=127.0.0.1 -c max_connections=400 \
        -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
        -c shared_buffers=64MB" start >/dev/null \
    || { cat "$WORK/server.log" >&2; exit 1; }

export COACH_TEST_PG_URL="postgresql://coach@127.0.0.1:$PORT/postgres"
echo "with-postgres: $("$PG_BIN/postgres" --version) at $COACH_TEST_PG_URL" >&2
status=0
"$@" || status=$?
exit "$status"
