#!/usr/bin/env bash
# Load test of ruamjai (issue 8, point 5): a realistic mix on SQLite and PostgreSQL, loopback
# only, every run bounded in time. From the repository root:
#
#   bash bench/load/run.sh              # both backends
#   bash bench/load/run.sh sqlite       # or one of them
#
# Needs: the release binary (built here when missing), wrk (installed with apt-get when missing
# and running as root), Python 3, and for PostgreSQL a server at 127.0.0.1:5432 where the user
# postgres connects without a password (the database `loadtest` is dropped and re-created).
# Everything else (CSV files, SQLite file, tokens, logs, results) goes to $LOAD_WORK.
#
# Settings (environment):
#   LOAD_SCALE             0.2       size of the generated province (0.2 ≈ 97,000 persons)
#   LOAD_DURATION          30s       each measured run
#   LOAD_WARMUP            5s        before each measured run, not counted
#   LOAD_MIXES             "mix nosearch"   weighted mixes (see mix.lua)
#   LOAD_CONNECTIONS       "16 64"   connection counts of each mix
#   LOAD_SOLO_CONNECTIONS  64        connection count of each request type run alone
#   LOAD_THREADS           2         wrk threads
#   LOAD_PORT              18090     the server listens on 127.0.0.1:PORT
#   LOAD_NICE              (unset)   e.g. -10: run the server and wrk at that priority when other
#                                    work shares the machine (PostgreSQL keeps its own)
#   LOAD_ADL_EVERY         4         one synced visit in N carries a Barthel ADL assessment (0: none)
#   RUAMJAI_BIN, LOAD_WORK (/tmp/ruamjai-load)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${RUAMJAI_BIN:-$ROOT/target/release/ruamjai}
WORK=${LOAD_WORK:-/tmp/ruamjai-load}
SCALE=${LOAD_SCALE:-0.2}
DURATION=${LOAD_DURATION:-30s}
WARMUP=${LOAD_WARMUP:-5s}
CONNECTIONS=${LOAD_CONNECTIONS:-"16 64"}
MIXES=${LOAD_MIXES:-"mix nosearch"}
SOLO_CONNECTIONS=${LOAD_SOLO_CONNECTIONS:-64}
THREADS=${LOAD_THREADS:-2}
PORT=${LOAD_PORT:-18090}
NICE=()
if [ -n "${LOAD_NICE:-}" ]; then NICE=(nice -n "$LOAD_NICE"); fi
PG_ADMIN=postgres://postgres@127.0.0.1:5432/postgres
PG_URL=postgres://postgres@127.0.0.1:5432/loadtest
BACKENDS=${1:-all}
export RUAMJAI_BIN=$BIN

# The ruamjai binary must not pick up settings of the shell it runs in.
for v in $(env | grep -o '^RUAMJAI_[A-Z_]*' | grep -v '^RUAMJAI_BIN$' || true); do unset "$v"; done

mkdir -p "$WORK"
RESULTS=$WORK/results.jsonl
: >"$RESULTS"

if [ ! -x "$BIN" ]; then
    echo "== building $BIN"
    (cd "$ROOT" && cargo build --release --bin ruamjai)
fi
if ! command -v wrk >/dev/null; then
    echo "== installing wrk"
    apt-get install -y wrk
fi

echo "== versions"
{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "ruamjai: $("$BIN" --version)"
    echo "wrk: $(wrk -v 2>&1 | head -1)"
    echo "postgres: $(psql "$PG_ADMIN" -Atc 'SHOW server_version' 2>/dev/null || echo none)"
    echo "sqlite (bundled in the binary): $({ strings "$BIN" || true; } | grep -m1 -E '^3\.[0-9]+\.[0-9]+$' || true)"
    echo "cpus: $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
    echo "kernel: $(uname -r)"
    echo "priority of server and wrk: ${LOAD_NICE:-0 (not changed)}"
} | tee "$WORK/versions.txt"

CSV=$WORK/csv-$SCALE
if [ ! -f "$CSV/persons.csv" ]; then
    echo "== generating the demo province at scale $SCALE"
    "$BIN" demo --csv-dir "$CSV" --scale "$SCALE"
fi

# A fresh database with the same generated province on either backend: migrate, villages,
# persons (households and categories with them), dashboard counts.
prepare() {
    local url=$1
    "$BIN" --database-url "$url" migrate
    "$BIN" --database-url "$url" areas import-villages "$CSV/villages.csv"
    "$BIN" --database-url "$url" import persons "$CSV/persons.csv"
    "$BIN" --database-url "$url" registry refresh-counts
    python3 "$HERE/load.py" users --db "$url"
}

SERVER_PID=
stop_server() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=
    fi
}
trap stop_server EXIT

start_server() {
    local url=$1 name=$2
    "${NICE[@]}" "$BIN" --database-url "$url" --files-dir "$WORK/files-$name" serve --listen "127.0.0.1:$PORT" \
        >"$WORK/serve-$name.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 100); do
        if curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null; then return 0; fi
        sleep 0.2
    done
    echo "server did not start; see $WORK/serve-$name.log" >&2
    exit 1
}

# One measured run: a warm-up (not counted), then the run itself with the CPU used by the
# server, PostgreSQL, wrk and the whole machine over it.
measure() {
    local name=$1 mix=$2 conns=$3
    local label="$name/$mix/$conns"
    "${NICE[@]}" wrk -t"$THREADS" -c"$conns" -d"$WARMUP" --timeout 10s -s "$HERE/mix.lua" "http://127.0.0.1:$PORT" -- "$mix" warmup >/dev/null
    local load1
    load1=$(cut -d' ' -f1 /proc/loadavg)
    python3 "$HERE/load.py" cpu --server "$SERVER_PID" --pg-db "$PG_DB" --out "$WORK/cpu-before.json"
    "${NICE[@]}" /usr/bin/time -f "WRKCPU %U %S" -o "$WORK/wrk-time.txt" \
        wrk -t"$THREADS" -c"$conns" -d"$DURATION" --timeout 10s --latency -s "$HERE/mix.lua" \
        "http://127.0.0.1:$PORT" -- "$mix" "$label" | tee "$WORK/wrk-last.txt"
    python3 "$HERE/load.py" cpu --server "$SERVER_PID" --pg-db "$PG_DB" --out "$WORK/cpu-after.json"
    grep '^RESULT ' "$WORK/wrk-last.txt" >>"$RESULTS"
    python3 "$HERE/load.py" cpudiff "$label" "$WORK/cpu-before.json" "$WORK/cpu-after.json" \
        "$WORK/wrk-time.txt" "$load1" >>"$RESULTS"
    tail -1 "$RESULTS"
}

run_backend() {
    local name=$1 url=$2
    PG_DB=
    if [[ $url == postgres* ]]; then PG_DB=${url##*/}; fi
    echo "== $name: preparing $url"
    prepare "$url"
    start_server "$url" "$name"
    echo "== $name: tokens and request data"
    LOAD_DATA=$WORK/data-$name.lua
    python3 "$HERE/load.py" data --db "$url" --base "http://127.0.0.1:$PORT" --out "$LOAD_DATA"
    export LOAD_DATA
    for m in $MIXES; do
        for c in $CONNECTIONS; do
            measure "$name" "$m" "$c"
        done
    done
    for kind in public search person sync; do
        measure "$name" "$kind" "$SOLO_CONNECTIONS"
    done
    stop_server
    echo "== $name: data after the runs"
    : >"$WORK/sizes-$name.txt"
    for t in persons households visits audit_log sync_receipts; do
        if [[ $url == sqlite://* ]]; then
            n=$(sqlite3 "${url#sqlite://}" "SELECT count(*) FROM $t")
        else
            n=$(psql "$url" -Atc "SELECT count(*) FROM $t")
        fi
        echo "  $t: $n" | tee -a "$WORK/sizes-$name.txt"
    done
    if [[ $url == sqlite://* ]]; then
        echo "  file: $(du -h "${url#sqlite://}" | cut -f1)" | tee -a "$WORK/sizes-$name.txt"
    else
        echo "  database: $(psql "$url" -Atc "SELECT pg_size_pretty(pg_database_size('loadtest'))")" | tee -a "$WORK/sizes-$name.txt"
    fi
    echo "  server log lines with WARN or ERROR: $(grep -cE 'WARN|ERROR' "$WORK/serve-$name.log" || true)" | tee -a "$WORK/sizes-$name.txt"
}

if [ "$BACKENDS" = all ] || [ "$BACKENDS" = sqlite ]; then
    DB=$WORK/load.db
    rm -f "$DB" "$DB-wal" "$DB-shm"
    rm -rf "$WORK/files-sqlite"
    run_backend sqlite "sqlite://$DB"
fi
if [ "$BACKENDS" = all ] || [ "$BACKENDS" = postgres ]; then
    psql "$PG_ADMIN" -q -c "DROP DATABASE IF EXISTS loadtest" -c "CREATE DATABASE loadtest"
    rm -rf "$WORK/files-postgres"
    run_backend postgres "$PG_URL"
fi

echo "== results ($RESULTS)"
python3 "$HERE/load.py" report "$RESULTS"
