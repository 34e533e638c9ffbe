#!/usr/bin/env bash
# API fuzzing: schemathesis (pinned below, from PyPI) against /openapi.json of a freshly started
# service. Fails on any 5xx, any status, content type, header or body that the document does not
# describe, and on a wrong method that does not answer 405 with `Allow`.
#
# The service is the debug binary on a free port with a temporary data folder and anime folder; the
# catalogue and TMDB are the fakes of crates/testkit (examples/fuzz_fakes.rs) on other free ports, so
# nothing reaches the internet and no answer is a 503 for want of a dependency. Setup and login give
# the token every request carries. Excluded: logout (it would revoke that token) and, in the
# positive phases, POST /api/config/directory (valid bodies create folders anywhere on the
# machine); that operation is fuzzed with invalid bodies only.
#
#   .ci/fuzz-api.sh                    # about 2,700 cases in about a minute (after the build)
#   FUZZ_EXAMPLES=200 .ci/fuzz-api.sh  # more cases per operation
#   FUZZ_KEEP=1 .ci/fuzz-api.sh        # keep the data folder, service log and reports
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
EXAMPLES="${FUZZ_EXAMPLES:-60}"
MIN_CASES="${FUZZ_MIN_CASES:-1000}"
TARGET="${CARGO_TARGET_DIR:-target}"
VENV="${FUZZ_VENV:-$TARGET/fuzz-venv}"

if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -qF "$SCHEMATHESIS_VERSION"; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet "schemathesis==$SCHEMATHESIS_VERSION"
fi
VENV="$(cd "$VENV" && pwd)"

cargo build -p aniworld-server --bin aniworld
cargo build -p aniworld-testkit --example fuzz_fakes
EXE="$(cd "$TARGET/debug" && pwd)/aniworld"
FAKES_EXE="$(cd "$TARGET/debug" && pwd)/examples/fuzz_fakes"

WORK="$(mktemp -d)"
PID=""
FAKES_PID=""
cleanup() {
    for pid in $PID $FAKES_PID; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    [ -n "${FUZZ_KEEP:-}" ] && echo "kept $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p "$WORK/data" "$WORK/anime"

"$FAKES_EXE" >"$WORK/fakes.txt" &
FAKES_PID=$!
for _ in $(seq 1 100); do
    [ "$(wc -l <"$WORK/fakes.txt")" -ge 4 ] && break
    sleep 0.1
done
fake() { sed -n "s/^$1 //p" "$WORK/fakes.txt"; }
[ -n "$(fake tmdb_key)" ] || { echo "the fakes did not start" >&2; exit 1; }

# Cheap bcrypt, no scheduled scans or canary, no pauses between catalogue requests; login and setup
# reach their logic (the lockout of 127.0.0.1 still answers 429 after five wrong passwords).
cat >"$WORK/data/config.json" <<'EOF'
{
  "scheduler": { "enabled": false },
  "provider": { "canary_interval_minutes": 0, "min_request_interval_ms": 0, "max_retries": 0 },
  "server": { "bcrypt_cost": 4, "auth_rate_limit_per_minute": 1000 }
}
EOF

(
    cd "$WORK"
    exec env ANIWORLD_LOG=warn "$EXE" serve --host 127.0.0.1 --port 0 --data-dir "$WORK/data" \
        --provider-url "$(fake catalogue)" --tmdb-api-url "$(fake tmdb_api)" \
        --tmdb-image-url "$(fake tmdb_images)" --tmdb-api-key "$(fake tmdb_key)"
) 2>"$WORK/service.log" &
PID=$!

ADDRESS=""
for _ in $(seq 1 300); do
    ADDRESS="$(sed -n 's/.*listening on \(http:\/\/[^ ]*\).*/\1/p' "$WORK/service.log" | head -n 1)"
    [ -n "$ADDRESS" ] && break
    kill -0 "$PID" 2>/dev/null || { cat "$WORK/service.log"; echo "the service did not start" >&2; exit 1; }
    sleep 0.1
done
[ -n "$ADDRESS" ] || { cat "$WORK/service.log"; echo "no listening line after 30 s" >&2; exit 1; }
echo "service at $ADDRESS"

# Setup, login, and some data for the path parameters to name: two series of the fake catalogue
# with queued episodes, a backup. schemathesis draws path parameters and ids from these half of the
# time (schemathesis.toml) and generates the other half.
TOKEN="$(python3 - "$ADDRESS" "$WORK/anime" "$(fake catalogue)" "$WORK/schemathesis.toml" <<'EOF'
import json, sys, urllib.request
address, anime, catalogue, config = sys.argv[1:5]
password = "Fuzz#Pass1"
def call(method, path, body=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(address + path, data=data, headers=headers, method=method)
    with urllib.request.urlopen(req, timeout=60) as res:
        return json.load(res)
call("POST", "/api/auth/setup", {"master_password": password, "anime_directory": anime})
token = call("POST", "/api/auth/login", {"password": password})["access_token"]
series, items = ["frieren", "one-piece"], []
for key in series:
    added = call("POST", "/api/anime/add", {"link": f"{catalogue}/anime/stream/{key}"}, token)
    queued = call("POST", "/api/queue/add", {"serie_id": key, "serie_folder": added["folder"],
        "episodes": [{"season": 1, "episode": e} for e in (1, 2, 3)]}, token)
    items += queued["added_items"]
backup = call("POST", "/api/config/backups?name=fuzz", None, token)["name"]
def values(xs):
    return "[" + ", ".join(json.dumps(x) for x in xs) + "]"
with open(config, "w") as f:
    f.write(f"""[dictionaries]
series = {{ values = {values(series)} }}
items = {{ values = {values(items)} }}
backups = {{ values = {values([backup])} }}

[parameters]
"path.anime_id" = {{ dictionary = "series", probability = 0.5 }}
"path.serie_id" = {{ dictionary = "series", probability = 0.5 }}
"path.item_id" = {{ dictionary = "items", probability = 0.5 }}
"path.backup_name" = {{ dictionary = "backups", probability = 0.5 }}
"body.item_ids[*]" = {{ dictionary = "items", probability = 0.5 }}
"body.serie_ids[*]" = {{ dictionary = "series", probability = 0.5 }}
""")
print(token)
EOF
)"

CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,unsupported_method,allow_header_conformance
REPORTS="$WORK/reports"
run() {
    local name="$1"
    shift
    # From the temporary folder, where schemathesis keeps its `.schemathesis/` cache.
    (cd "$WORK" && "$VENV/bin/schemathesis" --config-file "$WORK/schemathesis.toml" run "$ADDRESS/openapi.json" \
        --header "Authorization: Bearer $TOKEN" \
        --checks "$CHECKS" \
        --seed 1 \
        --request-timeout 30 \
        --suppress-health-check all \
        --report ndjson --report-ndjson-path "$REPORTS/$name.ndjson" \
        "$@")
}

status=0
run main --max-examples "$EXAMPLES" \
    --exclude-path /api/auth/logout \
    --exclude-path /api/config/directory || status=$?
run directory --max-examples "$EXAMPLES" --mode negative \
    --include-path /api/config/directory || status=$?

# schemathesis counts its cases in the event log; the stage must have made enough of them.
CASES="$(python3 - "$REPORTS" <<'EOF'
import json, pathlib, sys
total = 0
for path in pathlib.Path(sys.argv[1]).glob("*.ndjson"):
    for line in path.read_text().splitlines():
        event = json.loads(line)
        if "ScenarioFinished" in event:
            total += len(event["ScenarioFinished"].get("recorder", {}).get("cases", {}))
print(total)
EOF
)"
echo "schemathesis: $CASES generated cases in total"
if [ "$CASES" -lt "$MIN_CASES" ]; then
    echo "fewer than $MIN_CASES cases" >&2
    status=1
fi
# A 500 is logged with its cause (ERROR from the service's own modules); a panic is a bug too.
if grep -qE "ERROR +aniworld|panicked" "$WORK/service.log"; then
    grep -E "ERROR +aniworld|panicked" "$WORK/service.log" | head -n 20 >&2
    status=1
fi
exit "$status"
