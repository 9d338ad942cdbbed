#!/usr/bin/env bash
# A local cluster on this machine: PostgreSQL (the lake's catalogue), the lake, N dashboard
# replicas and nginx in front of them, with a demo loaded. Every process runs from a folder of
# its own (pid files, logs), on free loopback ports; `down` stops them all and removes the folder.
#
#   deploy/local-cluster.sh up [--replicas N] [--scale national|province] [--from FILE.duckdb]
#   deploy/local-cluster.sh status      exit 0: all running, 1: partly, 3: not running
#   deploy/local-cluster.sh down
#
# Defaults: 3 replicas, the national demo (built once into data/bench/). `--from` migrates that
# database file instead of a demo (a province's own file; the tests use a small one).
# `up` on a running cluster says so and exits 0; on a half-running one it says what is missing
# and exits 1 (run `down` first). An `up` that fails stops what it had started.
# NQ57_CLUSTER_DIR (default /tmp/nq57-cluster) is the folder. PostgreSQL runs as the `postgres`
# user and nginx as `www-data` when this runs as root (neither needs root on a high port).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="$(realpath -m "${NQ57_CLUSTER_DIR:-/tmp/nq57-cluster}")"
PY="${NQ57_PYTHON:-$ROOT/.venv/bin/python}"
PG_BIN="$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1)")"
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

as_user() {  # as_user USER COMMAND…: drop root for servers that refuse it or do not need it
    local user="$1"; shift
    if [ "$(id -u)" = "0" ]; then runuser -u "$user" -- "$@"; else "$@"; fi
}
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() {  # wait_for URL SECONDS
    local deadline=$((SECONDS + $2))
    until curl -fs -o /dev/null "$1"; do
        [ "$SECONDS" -lt "$deadline" ] || { echo "không có trả lời từ $1 sau $2 giây" >&2; return 1; }
        sleep 0.5
    done
}
alive() { [ -s "$1" ] && kill -0 "$(head -1 "$1")" 2>/dev/null; }  # alive PIDFILE
answers() { curl -fs -m 5 -o /dev/null "$1"; }
pg_running() { [ -e "$DIR/pg/PG_VERSION" ] && as_user postgres "$PG_BIN/pg_ctl" -D "$DIR/pg" status >/dev/null 2>&1; }

# every part of the cluster, one line each ("NAME: đang chạy|đã dừng"); returns how many are down
report() {
    local down=0 file name port
    if pg_running; then echo "postgresql (cổng $(cat "$DIR/pg.port" 2>/dev/null)): đang chạy"
    else echo "postgresql: đã dừng"; down=$((down + 1)); fi
    for file in "$DIR"/replica*.pid; do
        [ -e "$file" ] || continue
        name="$(basename "$file" .pid)"; port="$(cat "$DIR/$name.port" 2>/dev/null || echo 0)"
        if alive "$file" && answers "http://127.0.0.1:$port/_stcore/health"; then
            echo "$name (cổng $port): đang chạy"
        else echo "$name (cổng $port): đã dừng"; down=$((down + 1)); fi
    done
    if alive "$DIR/nginx/nginx.pid" && [ -e "$DIR/url" ] && answers "$(cat "$DIR/url")/_stcore/health"; then
        echo "nginx ($(cat "$DIR/url")): đang chạy"
    else echo "nginx: đã dừng"; down=$((down + 1)); fi
    return "$down"
}

up() {
    local replicas=3 scale=national from=""
    while [ $# -gt 0 ]; do
        case "$1" in
            --replicas) replicas="$2"; shift 2 ;;
            --scale) scale="$2"; shift 2 ;;
            --from) from="$(realpath "$2")"; shift 2 ;;
            *) echo "cách dùng: $0 up [--replicas N] [--scale national|province] [--from FILE]" >&2; exit 2 ;;
        esac
    done
    case "$scale" in national|province) ;; *) echo "quy mô không hợp lệ: $scale (national hoặc province)" >&2; exit 2 ;; esac
    if [ -e "$DIR" ]; then
        if report >/dev/null; then
            echo "Cụm đã chạy rồi ($DIR). Địa chỉ: $(cat "$DIR/url")"
            exit 0
        fi
        echo "Cụm chạy dở ($DIR):" >&2; report >&2 || true
        echo "Chạy '$0 down' trước." >&2
        exit 1
    fi
    [ -x "$PG_BIN/initdb" ] || { echo "thiếu PostgreSQL (apt-get install postgresql)" >&2; exit 1; }
    [ -x "$NGINX" ] || { echo "thiếu nginx (apt-get install nginx)" >&2; exit 1; }
    [ -z "$from" ] || [ -f "$from" ] || { echo "không có tệp cơ sở dữ liệu: $from" >&2; exit 1; }
    mkdir -p "$DIR/nginx" "$DIR/lake"
    # an up that fails half-way stops what it started (and leaves no folder behind)
    trap 'rc=$?; if [ "$rc" != 0 ]; then echo "Khởi động cụm thất bại; đang dừng phần đã chạy …" >&2; down >&2; fi' EXIT
    if [ "$(id -u)" = "0" ]; then chown postgres "$DIR"; chown www-data "$DIR/nginx"; fi

    # 1. PostgreSQL in $DIR/pg, one database `nq57` for the lake's catalogue
    local pg_port; pg_port="$(free_port)"
    echo "$pg_port" > "$DIR/pg.port"
    as_user postgres "$PG_BIN/initdb" -D "$DIR/pg" -A trust -U postgres -E UTF8 >/dev/null
    as_user postgres "$PG_BIN/pg_ctl" -D "$DIR/pg" -l "$DIR/pg.log" -w \
        -o "-p $pg_port -k $DIR -c listen_addresses=127.0.0.1" start </dev/null >/dev/null
    as_user postgres "$PG_BIN/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres nq57
    local store="ducklake:postgres:dbname=nq57 host=127.0.0.1 port=$pg_port user=postgres"
    export NQ57_STORE="$store" NQ57_DATA_PATH="$DIR/lake"
    # every replica signs the same cookies (sign-in and Streamlit's own)
    export NQ57_COOKIE_SECRET="${NQ57_COOKIE_SECRET:-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(32))')}"
    export STREAMLIT_SERVER_COOKIE_SECRET="${STREAMLIT_SERVER_COOKIE_SECRET:-$NQ57_COOKIE_SECRET}"
    printf 'export NQ57_STORE=%q NQ57_DATA_PATH=%q NQ57_COOKIE_SECRET=%q\n' \
        "$store" "$DIR/lake" "$NQ57_COOKIE_SECRET" > "$DIR/env"

    # 2. the data: `demo --scale` writes a file (built once in data/bench/), or --from names one;
    #    `migrate` copies it into the lake and `refresh` stores the pages' snapshots there
    local file="${from:-$ROOT/data/bench/$scale.duckdb}"
    if [ ! -e "$file" ]; then
        echo "Đang tạo dữ liệu minh họa quy mô $scale → $file …"
        mkdir -p "$ROOT/data/bench"
        (cd "$ROOT" && "$PY" -m nq57 --db "$file.building" demo --scale "$scale" --system >/dev/null)
        mv "$file.building" "$file"
    fi
    echo "Đang chép dữ liệu vào kho chung …"
    local started=$SECONDS
    (cd "$ROOT" && "$PY" -m nq57 migrate --from "$file" --to "$store" </dev/null | tail -1)
    echo "  chép xong trong $((SECONDS - started)) giây; đang lưu ảnh chụp số liệu (refresh) …"
    started=$SECONDS
    (cd "$ROOT" && "$PY" -m nq57 refresh </dev/null >/dev/null)
    echo "  refresh xong trong $((SECONDS - started)) giây"

    # 3. the replicas, one port each. `exec` so the pid file names the server itself (not a
    #    shell around it, which `down` would stop while the server kept running), and every
    #    stream redirected so no server holds this script's output open (a caller piping it waits)
    local ports=() n port
    for n in $(seq 1 "$replicas"); do
        port="$(free_port)"
        echo "$port" > "$DIR/replica$n.port"
        (cd "$ROOT" && exec nohup "$PY" -m streamlit run app.py --server.port "$port" --server.address 127.0.0.1 \
            --server.headless true --browser.gatherUsageStats false --server.fileWatcherType none \
            </dev/null > "$DIR/replica$n.log" 2>&1) &
        echo $! > "$DIR/replica$n.pid"
        ports+=("$port")
    done
    for port in "${ports[@]}"; do wait_for "http://127.0.0.1:$port/_stcore/health" 180; done

    # 4. nginx on a free port, sticky by its own cookie (deploy/nginx.conf says why)
    local web_port servers=""; web_port="$(free_port)"
    for port in "${ports[@]}"; do servers+="        server 127.0.0.1:$port max_fails=1 fail_timeout=10s;\\n"; done
    sed -e "s#{{RUN_DIR}}#$DIR/nginx#g" -e "s#{{LISTEN}}#127.0.0.1:$web_port#g" -e "s#{{SERVERS}}#$servers#" \
        "$ROOT/deploy/nginx.conf" > "$DIR/nginx/nginx.conf"
    # (detached: its daemon would keep this script's output open, and a caller piping it would wait)
    as_user www-data "$NGINX" -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" </dev/null >/dev/null 2>&1
    echo "http://127.0.0.1:$web_port" > "$DIR/url"
    wait_for "http://127.0.0.1:$web_port/_stcore/health" 30
    trap - EXIT
    echo "Cụm đã chạy: $replicas máy chủ sau nginx, dữ liệu ${from:-quy mô $scale}."
    echo "Địa chỉ: http://127.0.0.1:$web_port"
    echo "Dòng lệnh trên cùng kho: source $DIR/env && $PY -m nq57 export red_flags | head"
}

status() {
    [ -e "$DIR" ] || { echo "cụm không chạy"; exit 3; }
    echo "Địa chỉ: $(cat "$DIR/url" 2>/dev/null || echo '(chưa có)')"
    local down=0
    report || down=$?
    [ "$down" = 0 ] || exit 1
}

stop_pid() {  # stop_pid PIDFILE: TERM, then KILL after 20 s; true once the process is gone
    local pid waited=0
    [ -s "$1" ] || return 0
    pid="$(head -1 "$1")"
    kill "$pid" 2>/dev/null || return 0
    while kill -0 "$pid" 2>/dev/null; do
        [ "$waited" -lt 200 ] || { kill -9 "$pid" 2>/dev/null || true; sleep 0.5; break; }
        sleep 0.1; waited=$((waited + 1))
    done
    ! kill -0 "$pid" 2>/dev/null
}

down() {
    [ -e "$DIR" ] || { echo "cụm không chạy"; return 0; }
    local failed=0 file
    if alive "$DIR/nginx/nginx.pid"; then
        as_user www-data "$NGINX" -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" -s quit </dev/null >/dev/null 2>&1 || true
        stop_pid "$DIR/nginx/nginx.pid" || failed=1
    fi
    for file in "$DIR"/replica*.pid; do
        [ -e "$file" ] || continue
        stop_pid "$file" || failed=1
    done
    if pg_running; then
        as_user postgres "$PG_BIN/pg_ctl" -D "$DIR/pg" -m fast -w stop </dev/null >/dev/null || failed=1
    fi
    if [ "$failed" != 0 ]; then
        echo "Không dừng được mọi tiến trình; thư mục $DIR được giữ lại:" >&2; report >&2 || true
        return 1
    fi
    rm -rf "$DIR"
    echo "Đã dừng cụm."
}

case "${1:-}" in
    up) shift; up "$@" ;;
    status) status ;;
    down) down ;;
    *) echo "cách dùng: $0 up [--replicas N] [--scale national|province] [--from FILE] | status | down" >&2; exit 2 ;;
esac
