#!/usr/bin/env bash
# Reverse-proxy check: the nginx and Caddy snippets of docs/reverse-proxy.md, run for real.
#
# Each code block that follows a `<!-- proxy-check: NAME -->` line in the doc is taken as it is;
# only these parts are replaced:
#   - the upstream `127.0.0.1:8000` -> the address of a service started here;
#   - nginx: `listen 443 ssl;` -> `listen 127.0.0.1:<free port> ssl;`, and the certificate paths
#     `/etc/letsencrypt/live/<host>/` -> a self-signed certificate made here (curl checks it);
#   - Caddy: the site address `<host> {` -> `http://<host>:<free port> {` plus `bind 127.0.0.1`,
#     because automatic HTTPS needs a real domain; a global block turns off the admin API.
# Two services run (debug binary, temporary data folders, no canary or scheduler): one with
# `server.base_path` "" for the *-root snippets and one with "/aniworld" for the *-subpath ones,
# both with `server.trusted_proxies` ["127.0.0.1"]. nginx and Caddy run in the foreground with
# their config, logs, pid and data in the temporary folder, on high ports, as the calling user, or
# as `nobody` when called as root. Through each proxy it checks:
#   - <base>/api/auth/status and <base>/health answer 200 JSON;
#   - <base>/ answers the HTML page and <base>/static/app/api.js loads;
#   - sub-path only: /aniworld answers 308 with `Location: /aniworld/`;
#   - a WebSocket upgrade on <base>/ws/connect answers `101 Switching Protocols` with the
#     RFC 6455 accept key;
#   - before setup, a POST with the proxy's own origin as `Origin` reaches the handler (400 for a
#     weak password), not the foreign-origin 403, so `Host` arrives with its port;
#   - a request sent from 127.0.0.N with a forged `X-Forwarded-For: 203.0.113.66` and a forged
#     `Forwarded: for=203.0.113.67` is logged by the service (access log line, found by its
#     request id) with client 127.0.0.N: the proxy forwarded the real client, and neither forged
#     header was believed (the service prefers `Forwarded`, so the snippets must remove it).
# Traefik is not packaged by Debian; its snippet is not tested.
#
#   .ci/proxy-check.sh [path/to/aniworld]     # default target/debug/aniworld; about 15 s
#   PROXY_CHECK_KEEP=1 .ci/proxy-check.sh      # keep the temporary folder (configs and logs)
#   PROXY_CHECK_DOC=other.md .ci/proxy-check.sh  # take the snippets from another file
#
# Needs nginx, caddy, curl, openssl and python3 (Debian: apt-get install nginx-light caddy curl
# openssl python3).
set -euo pipefail
cd "$(dirname "$0")/.."

DOC="${PROXY_CHECK_DOC:-docs/reverse-proxy.md}"
EXE="${1:-${CARGO_TARGET_DIR:-target}/debug/aniworld}"
FORGED=203.0.113.66
FORGED_FWD=203.0.113.67
WS_KEY='dGhlIHNhbXBsZSBub25jZQ=='
WS_ACCEPT='s3pPLMBiTxaQ9kYGzzhZRbK+xOo='

fail() {
    echo "proxy-check: FAIL: $*" >&2
    exit 1
}
ok() { echo "ok   $*"; }

[ -x "$EXE" ] || fail "no service binary at $EXE (build it, or give its path as the first argument)"
EXE="$(cd "$(dirname "$EXE")" && pwd)/$(basename "$EXE")"
[ -f "$DOC" ] || fail "$DOC is missing"
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$NGINX" ] || fail "nginx is not installed (Debian: apt-get install nginx-light)"
CADDY="$(command -v caddy || true)"
[ -n "$CADDY" ] || fail "caddy is not installed (Debian: apt-get install caddy)"
for tool in curl openssl python3; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed"
done

WORK="$(mktemp -d)"
PIDS=()
cleanup() {
    local status=$?
    if [ "$status" != 0 ]; then
        for log in "$WORK"/service-*.log "$WORK"/*/error.log "$WORK"/*/caddy.log; do
            [ -s "$log" ] || continue
            echo "--- last lines of $log" >&2
            tail -n 10 "$log" >&2
        done
    fi
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if [ -n "${PROXY_CHECK_KEEP:-}" ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The proxies run as the calling user; as root they drop to nobody (the folders they use are
# handed over to it, and $WORK is made traversable).
AS_PROXY=()
if [ "$(id -u)" = 0 ]; then
    AS_PROXY=(setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups --)
    chmod 711 "$WORK"
fi
proxy_dir() {
    mkdir -p "$1"
    if [ "$(id -u)" = 0 ]; then chown -R nobody "$1"; fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Waits until 127.0.0.1:$1 accepts connections, while process $2 runs (at most 15 s).
wait_port() {
    local port=$1 pid=$2 what=$3
    for _ in $(seq 1 150); do
        kill -0 "$pid" 2>/dev/null || fail "$what exited before listening on port $port"
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    fail "$what did not listen on port $port within 15 s"
}

# The code block after `<!-- proxy-check: $1 -->` in the doc.
snippet() {
    local text
    text="$(awk -v marker="<!-- proxy-check: $1 -->" '
        $0 == marker { armed = 1; next }
        armed && !inside && /^```/ { inside = 1; next }
        inside && /^```/ { done = 1; exit }
        inside { print }
        END { if (!done) exit 1 }
    ' "$DOC")" || fail "$DOC: no complete code block after <!-- proxy-check: $1 -->"
    [ -n "$text" ] || fail "$DOC: the code block after <!-- proxy-check: $1 --> is empty"
    printf '%s\n' "$text"
}

# Starts a service with server.base_path $2; sets ADDR[$1] (host:port) and SVC_LOG[$1].
declare -A ADDR SVC_LOG
start_service() {
    local name=$1 base=$2 data="$WORK/data-$1" log="$WORK/service-$1.log" address=""
    mkdir -p "$data"
    (umask 077 && cat >"$data/config.json" <<EOF
{
  "scheduler": { "enabled": false },
  "provider": { "canary_interval_minutes": 0 },
  "server": { "base_path": "$base", "trusted_proxies": ["127.0.0.1"] }
}
EOF
    )
    ANIWORLD_LOG=info "$EXE" serve --host 127.0.0.1 --port 0 --data-dir "$data" 2>"$log" &
    local pid=$!
    PIDS+=("$pid")
    for _ in $(seq 1 300); do
        address="$(sed -n 's|.*listening on http://\([^ ]*\).*|\1|p' "$log" | head -n 1)"
        [ -n "$address" ] && break
        kill -0 "$pid" 2>/dev/null || fail "service $name exited at start (see $log)"
        sleep 0.1
    done
    [ -n "$address" ] || fail "service $name did not log 'listening on' within 30 s"
    ADDR[$name]=$address
    SVC_LOG[$name]=$log
    ok "service $name (server.base_path \"$base\") listening on $address"
}

# A self-signed certificate for both host names of the nginx snippets.
TLS="$WORK/tls"
proxy_dir "$TLS"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=aniworld.example.org" \
    -addext "subjectAltName=DNS:aniworld.example.org,DNS:example.org" \
    -keyout "$TLS/privkey.pem" -out "$TLS/fullchain.pem" 2>"$WORK/openssl.log" ||
    fail "openssl could not make a test certificate (see $WORK/openssl.log)"
if [ "$(id -u)" = 0 ]; then chown -R nobody "$TLS"; fi

# Temp-path directives for the HTTP modules this nginx has (their default folders belong to root).
NGINX_TEMPS=(client_body proxy)
for module in fastcgi uwsgi scgi; do
    "$NGINX" -V 2>&1 | grep -q -- "--without-http_${module}_module" || NGINX_TEMPS+=("$module")
done

# Starts nginx with snippet $1 towards service $2 on a free port; sets PORT[$1].
declare -A PORT
start_nginx() {
    local name=$1 service=$2 dir="$WORK/$1" port
    port="$(free_port)"
    proxy_dir "$dir"
    snippet "$name" | sed \
        -e "s#127\.0\.0\.1:8000#${ADDR[$service]}#g" \
        -e "s#^\([[:space:]]*\)listen 443 ssl;#\1listen 127.0.0.1:$port ssl;#" \
        -e "s#/etc/letsencrypt/live/[^/]*/#$TLS/#g" >"$dir/site.conf"
    grep -q "listen 127.0.0.1:$port ssl;" "$dir/site.conf" || fail "$name: no 'listen 443 ssl;' line to point at the test port"
    grep -q "proxy_pass http://${ADDR[$service]};" "$dir/site.conf" || fail "$name: no 'proxy_pass http://127.0.0.1:8000;' line"
    {
        echo "daemon off;"
        echo "worker_processes 1;"
        echo "pid $dir/nginx.pid;"
        echo "error_log $dir/error.log notice;"
        echo "events { worker_connections 128; }"
        echo "http {"
        echo "    access_log $dir/access.log;"
        for t in "${NGINX_TEMPS[@]}"; do
            [ "$t" = client_body ] && echo "    client_body_temp_path $dir/tmp-$t;" ||
                echo "    ${t}_temp_path $dir/tmp-$t;"
        done
        echo "    include $dir/site.conf;"
        echo "}"
    } >"$dir/nginx.conf"
    if [ "$(id -u)" = 0 ]; then chown -R nobody "$dir"; fi
    "${AS_PROXY[@]}" "$NGINX" -t -q -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" 2>"$dir/test.log" ||
        { cat "$dir/test.log" >&2; fail "$name: nginx -t refused the snippet (config in $dir)"; }
    "${AS_PROXY[@]}" "$NGINX" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" 2>>"$dir/error.log" &
    local pid=$!
    PIDS+=("$pid")
    wait_port "$port" "$pid" "nginx ($name)"
    PORT[$name]=$port
    ok "nginx ($name) on 127.0.0.1:$port -> ${ADDR[$service]}"
}

# Starts Caddy with snippet $1 towards service $2 on a free port; sets PORT[$1].
start_caddy() {
    local name=$1 service=$2 dir="$WORK/$1" port
    port="$(free_port)"
    proxy_dir "$dir"
    {
        printf '{\n\tadmin off\n\tauto_https off\n}\n\n'
        snippet "$name" | sed -E \
            -e "s#127\.0\.0\.1:8000#${ADDR[$service]}#g" \
            -e "s#^([A-Za-z0-9.-]+) \{\$#http://\1:$port {\n\tbind 127.0.0.1#"
    } >"$dir/Caddyfile"
    grep -q "^http://[^ ]*:$port {" "$dir/Caddyfile" || fail "$name: no site address line '<host> {' to point at the test port"
    grep -q "reverse_proxy ${ADDR[$service]}" "$dir/Caddyfile" || fail "$name: no 'reverse_proxy 127.0.0.1:8000' line"
    if [ "$(id -u)" = 0 ]; then chown -R nobody "$dir"; fi
    local env=(env HOME="$dir" XDG_CONFIG_HOME="$dir/config" XDG_DATA_HOME="$dir/data")
    "${AS_PROXY[@]}" "${env[@]}" "$CADDY" validate --adapter caddyfile --config "$dir/Caddyfile" >"$dir/validate.log" 2>&1 ||
        { tail -n 5 "$dir/validate.log" >&2; fail "$name: caddy validate refused the snippet (config in $dir)"; }
    "${AS_PROXY[@]}" "${env[@]}" "$CADDY" run --adapter caddyfile --config "$dir/Caddyfile" >"$dir/caddy.log" 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    wait_port "$port" "$pid" "caddy ($name)"
    PORT[$name]=$port
    ok "caddy ($name) on 127.0.0.1:$port -> ${ADDR[$service]}"
}

# The checks through proxy $1 (snippet name), reached as $2://$3:PORT, base path $4, service $5;
# $6 is the 127.0.0.x address the forwarding check sends from.
check_proxy() {
    local name=$1 scheme=$2 host=$3 base=$4 service=$5 from=$6
    local port=${PORT[$name]} dir="$WORK/$name"
    local origin="$scheme://$host:$port" url="$scheme://$host:$port$base"
    local c=(curl -sS --max-time 10 --resolve "$host:$port:127.0.0.1" --cacert "$TLS/fullchain.pem")
    local got

    for path in /api/auth/status /health; do
        got="$("${c[@]}" -o "$dir/body" -w '%{http_code} %{content_type}' "$url$path")" || fail "$name: GET $base$path: curl failed"
        [[ "$got" == "200 application/json"* ]] || fail "$name: GET $base$path answered '$got', expected 200 JSON"
        if [ "$path" = /api/auth/status ]; then
            grep -q '"configured":false' "$dir/body" || fail "$name: GET $base$path: unexpected body $(head -c 200 "$dir/body")"
        fi
        ok "$name: GET $base$path -> $got"
    done

    got="$("${c[@]}" -o "$dir/page" -w '%{http_code} %{content_type}' "$url/")" || fail "$name: GET $base/: curl failed"
    [[ "$got" == "200 text/html"* ]] || fail "$name: GET $base/ answered '$got', expected 200 HTML"
    # The page loads its modules from versioned URLs (static/app/<version>/main.js).
    module="$(grep -o 'static/app/[0-9a-f]*/main\.js' "$dir/page" | head -n 1)"
    [ -n "$module" ] || fail "$name: GET $base/ is not the library page"
    got="$("${c[@]}" -o /dev/null -w '%{http_code}' "$url/${module%main.js}api.js")" || fail "$name: GET $base/${module%main.js}api.js: curl failed"
    [ "$got" = 200 ] || fail "$name: GET $base/${module%main.js}api.js answered $got"
    got="$("${c[@]}" -o /dev/null -w '%{http_code}' "$url/static/app/api.js")" || fail "$name: GET $base/static/app/api.js: curl failed"
    [ "$got" = 200 ] || fail "$name: GET $base/static/app/api.js answered $got"
    ok "$name: GET $base/ -> HTML page, its scripts load"

    if [ -n "$base" ]; then
        "${c[@]}" -o /dev/null -D "$dir/redirect" "$url" || fail "$name: GET $base: curl failed"
        head -n 1 "$dir/redirect" | grep -q '^HTTP/[0-9.]* 30[178]' ||
            fail "$name: GET $base answered '$(head -n 1 "$dir/redirect" | tr -d '\r')', expected a redirect"
        grep -qi "^location: \(https\?://[^/]*\)\?$base/"$'\r'"\?\$" "$dir/redirect" ||
            fail "$name: GET $base redirects to '$(grep -i '^location:' "$dir/redirect" | tr -d '\r')', expected $base/"
        ok "$name: GET $base -> $(head -n 1 "$dir/redirect" | tr -d '\r' | cut -d' ' -f2) to $base/"
    fi

    # The upgraded connection stays open: curl ends at --max-time (exit 28) after the headers.
    "${c[@]}" --http1.1 --max-time 3 -o /dev/null -D "$dir/ws" \
        -H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' \
        -H "Sec-WebSocket-Key: $WS_KEY" "$url/ws/connect" 2>/dev/null || true
    [ -s "$dir/ws" ] || fail "$name: WebSocket upgrade on $base/ws/connect: no answer"
    head -n 1 "$dir/ws" | grep -q '^HTTP/1.1 101 Switching Protocols' ||
        fail "$name: WebSocket upgrade on $base/ws/connect answered '$(head -n 1 "$dir/ws" | tr -d '\r')', expected 101"
    grep -qi "^sec-websocket-accept: $WS_ACCEPT" "$dir/ws" || fail "$name: the 101 lacks the expected Sec-WebSocket-Accept"
    ok "$name: WebSocket upgrade on $base/ws/connect -> 101 Switching Protocols"

    got="$("${c[@]}" -o "$dir/setup" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
        -H "Origin: $origin" -d '{"master_password":"x"}' "$url/api/auth/setup")" || fail "$name: POST $base/api/auth/setup: curl failed"
    [ "$got" = 400 ] && grep -q 'password must' "$dir/setup" ||
        fail "$name: POST $base/api/auth/setup with Origin $origin answered $got ($(head -c 200 "$dir/setup")), expected 400 for the weak password: is Host passed on with its port?"
    ok "$name: Origin $origin is the service's own (Host passed on)"

    got="$("${c[@]}" --interface "$from" -o /dev/null -D "$dir/xff" -w '%{http_code}' \
        -H "X-Forwarded-For: $FORGED" -H "Forwarded: for=$FORGED_FWD" "$url/api/auth/status")" || fail "$name: request from $from: curl failed (is 127.0.0.0/8 on lo?)"
    [ "$got" = 200 ] || fail "$name: GET $base/api/auth/status from $from answered $got"
    local rid line=""
    rid="$(sed -n 's/^x-request-id: *\([0-9a-f-]*\).*/\1/Ip' "$dir/xff" | head -n 1)"
    [ -n "$rid" ] || fail "$name: the answer has no X-Request-Id"
    for _ in $(seq 1 50); do
        line="$(grep -F "rid=$rid" "${SVC_LOG[$service]}" || true)"
        [ -n "$line" ] && break
        sleep 0.1
    done
    [ -n "$line" ] || fail "$name: no access log line with rid=$rid in ${SVC_LOG[$service]}"
    [[ "$line" == *"] $from GET /api/auth/status 200 "* ]] ||
        fail "$name: the access log names another client than $from: $line"
    ok "$name: client $from forwarded (forged $FORGED, $FORGED_FWD ignored): ${line#*] }"
}

start_service root ""
start_service subpath /aniworld

# Without a proxy: a peer that is not trusted is its own client whatever it sends, and paths
# outside the base path are served as they are.
for svc in root subpath; do
    rid="$(curl -sS --max-time 10 --interface 127.0.0.2 -H "X-Forwarded-For: $FORGED" \
        -H "Forwarded: for=$FORGED_FWD" -o /dev/null -D - \
        "http://${ADDR[$svc]}/health" | sed -n 's/^x-request-id: *\([0-9a-f-]*\).*/\1/Ip')"
    [ -n "$rid" ] || fail "service $svc: GET /health from 127.0.0.2 failed"
    line=""
    for _ in $(seq 1 50); do
        line="$(grep -F "rid=$rid" "${SVC_LOG[$svc]}" || true)"
        [ -n "$line" ] && break
        sleep 0.1
    done
    [[ "$line" == *"] 127.0.0.2 GET /health 200 "* ]] || fail "service $svc: an untrusted peer's forwarding headers were believed: $line"
done
ok "services: /health served directly; forwarding headers from an untrusted peer ignored"

start_nginx nginx-root root
start_nginx nginx-subpath subpath
start_caddy caddy-root root
start_caddy caddy-subpath subpath

check_proxy nginx-root https aniworld.example.org "" root 127.0.0.11
check_proxy nginx-subpath https example.org /aniworld subpath 127.0.0.12
check_proxy caddy-root http aniworld.example.org "" root 127.0.0.13
check_proxy caddy-subpath http example.org /aniworld subpath 127.0.0.14

echo "proxy checks passed: nginx-root, nginx-subpath, caddy-root, caddy-subpath" \
    "($("$NGINX" -v 2>&1 | sed 's|.*: ||'), Caddy $("$CADDY" version | cut -d' ' -f1))"
