#!/usr/bin/env bash
# A local cluster on this machine: PostgreSQL (the lake's catalogue), the lake, N dashboard
# replicas and nginx in front of them, with a demo loaded. Every process runs from a folder of
# its own (pid files, logs), on free loopback ports; `down` stops them all and removes the folder.
#
#   deploy/local-cluster.sh up [--replicas N] [--scale national|province]   (defaults: 3, national)
#   deploy/local-cluster.sh status
#   deploy/local-cluster.sh down
#
# NQ57_CLUSTER_DIR (default /tmp/nq57-cluster) is the folder. PostgreSQL runs as the `postgres`
# user and nginx as `www-data` when this runs as root (neither needs root on a high port).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="${NQ57_CLUSTER_DIR:-/tmp/nq57-cluster}"
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

up() {
    local replicas=3 scale=national
    while [ $# -gt 0 ]; do
        case "$1" in
            --replicas) replicas="$2"; shift 2 ;;
            --scale) scale="$2"; shift 2 ;;
            *) echo "cách dùng: $0 up [--replicas N] [--scale national|province]" >&2; exit 2 ;;
        esac
    done
    [ -e "$DIR" ] && { echo "cụm đã chạy ($DIR); chạy '$0 down' trước" >&2; exit 1; }
    [ -x "$PG_BIN/initdb" ] || { echo "thiếu PostgreSQL (apt-get install postgresql)" >&2; exit 1; }
    [ -x "$NGINX" ] || { echo "thiếu nginx (apt-get install nginx)" >&2; exit 1; }
    mkdir -p "$DIR/nginx" "$DIR/lake"
    if [ "$(id -u)" = "0" ]; then chown postgres "$DIR"; chown www-data "$DIR/nginx"; fi

    # 1. PostgreSQL in $DIR/pg, one database `nq57` for the lake's catalogue
    local pg_port; pg_port="$(free_port)"
    as_user postgres "$PG_BIN/initdb" -D "$DIR/pg" -A trust -U postgres -E UTF8 >/dev/null
    as_user postgres "$PG_BIN/pg_ctl" -D "$DIR/pg" -l "$DIR/pg.log" -w \
        -o "-p $pg_port -k $DIR -c listen_addresses=127.0.0.1" start >/dev/null
    as_user postgres "$PG_BIN/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres nq57
    local store="ducklake:postgres:dbname=nq57 host=127.0.0.1 port=$pg_port user=postgres"
    export NQ57_STORE="$store" NQ57_DATA_PATH="$DIR/lake"
    # every replica signs the same cookies (sign-in and Streamlit's own)
    export NQ57_COOKIE_SECRET="${NQ57_COOKIE_SECRET:-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(32))')}"
    export STREAMLIT_SERVER_COOKIE_SECRET="${STREAMLIT_SERVER_COOKIE_SECRET:-$NQ57_COOKIE_SECRET}"
    printf 'export NQ57_STORE=%q NQ57_DATA_PATH=%q NQ57_COOKIE_SECRET=%q\n' \
        "$store" "$DIR/lake" "$NQ57_COOKIE_SECRET" > "$DIR/env"

    # 2. the demo: `demo --scale` writes a file (built once in data/bench/), then `migrate` copies
    #    it into the lake and `refresh` stores the pages' snapshots there
    local file="$ROOT/data/bench/$scale.duckdb"
    if [ ! -e "$file" ]; then
        echo "Đang tạo dữ liệu minh họa quy mô $scale → $file …"
        mkdir -p "$ROOT/data/bench"
        (cd "$ROOT" && "$PY" -m nq57 --db "$file.building" demo --scale "$scale" --system >/dev/null)
        mv "$file.building" "$file"
    fi
    echo "Đang chép dữ liệu vào kho chung …"
    local started=$SECONDS
    (cd "$ROOT" && "$PY" -m nq57 migrate --from "$file" --to "$store" | tail -1)
    echo "  chép xong trong $((SECONDS - started)) giây; đang lưu ảnh chụp số liệu (refresh) …"
    started=$SECONDS
    (cd "$ROOT" && "$PY" -m nq57 refresh >/dev/null)
    echo "  refresh xong trong $((SECONDS - started)) giây"

    # 3. the replicas, one port each
    local ports=() n port
    for n in $(seq 1 "$replicas"); do
        port="$(free_port)"
        (cd "$ROOT" && nohup "$PY" -m streamlit run app.py --server.port "$port" --server.address 127.0.0.1 \
            --server.headless true --browser.gatherUsageStats false --server.fileWatcherType none \
            > "$DIR/replica$n.log" 2>&1 & echo $! > "$DIR/replica$n.pid")
        ports+=("$port")
    done
    for port in "${ports[@]}"; do wait_for "http://127.0.0.1:$port/_stcore/health" 120; done

    # 4. nginx on a free port, sticky by its own cookie (deploy/nginx.conf says why)
    local web_port servers=""; web_port="$(free_port)"
    for port in "${ports[@]}"; do servers+="        server 127.0.0.1:$port max_fails=1 fail_timeout=10s;\\n"; done
    sed -e "s#{{RUN_DIR}}#$DIR/nginx#g" -e "s#{{LISTEN}}#127.0.0.1:$web_port#g" -e "s#{{SERVERS}}#$servers#" \
        "$ROOT/deploy/nginx.conf" > "$DIR/nginx/nginx.conf"
    # (detached: its daemon would keep this script's output open, and a caller piping it would wait)
    as_user www-data "$NGINX" -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" </dev/null >/dev/null 2>&1
    wait_for "http://127.0.0.1:$web_port/_stcore/health" 30
    echo "http://127.0.0.1:$web_port" > "$DIR/url"
    echo "Cụm đã chạy: $replicas máy chủ sau nginx, dữ liệu quy mô $scale."
    echo "Địa chỉ: http://127.0.0.1:$web_port"
    echo "Dòng lệnh trên cùng kho: source $DIR/env && $PY -m nq57 export red_flags | head"
}

status() {
    [ -e "$DIR" ] || { echo "cụm không chạy"; return 0; }
    echo "Địa chỉ: $(cat "$DIR/url" 2>/dev/null || echo '(chưa có)')"
    local file
    for file in "$DIR"/replica*.pid "$DIR"/nginx/nginx.pid; do
        [ -e "$file" ] || continue
        if kill -0 "$(cat "$file")" 2>/dev/null; then echo "$(basename "$file" .pid): đang chạy"
        else echo "$(basename "$file" .pid): đã dừng"; fi
    done
}

down() {
    [ -e "$DIR" ] || { echo "cụm không chạy"; return 0; }
    [ -e "$DIR/nginx/nginx.pid" ] && as_user www-data "$NGINX" -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" -s stop || true
    local file
    for file in "$DIR"/replica*.pid; do
        [ -e "$file" ] && kill "$(cat "$file")" 2>/dev/null || true
    done
    [ -e "$DIR/pg/postmaster.pid" ] && as_user postgres "$PG_BIN/pg_ctl" -D "$DIR/pg" -m fast -w stop >/dev/null || true
    rm -rf "$DIR"
    echo "Đã dừng cụm."
}

case "${1:-}" in
    up) shift; up "$@" ;;
    status) status ;;
    down) down ;;
    *) echo "cách dùng: $0 up [--replicas N] [--scale national|province] | status | down" >&2; exit 2 ;;
esac
