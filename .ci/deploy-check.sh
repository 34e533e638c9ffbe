#!/usr/bin/env bash
# Static checks of the deployment files under deploy/ (docs/deploy.md):
#   - deploy/aniworld.service passes `systemd-analyze verify`. verify also insists that ExecStart's
#     program exists, which /usr/local/bin/aniworld does not on a build machine, so it checks a
#     copy whose ExecStart is the binary built here (release if present, else debug);
#   - deploy/unraid/aniworld.xml is well-formed and has the ports, paths and variables;
#   - the compose files are YAML with the services expected (skipped when python3 has no yaml);
#   - the container scripts pass `sh -n` / `bash -n`.
# A few seconds; builds the debug binary first when none is there.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET="${CARGO_TARGET_DIR:-target}"

command -v systemd-analyze >/dev/null 2>&1 || {
    SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends systemd >/dev/null
}

EXE=""
for candidate in "$TARGET/release/aniworld" "$TARGET/debug/aniworld"; do
    if [ -x "$candidate" ]; then EXE="$candidate"; break; fi
done
if [ -z "$EXE" ]; then
    cargo build -q -p aniworld-server --bin aniworld
    EXE="$TARGET/debug/aniworld"
fi
EXE="$(cd "$(dirname "$EXE")" && pwd)/aniworld"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# The unit, with only ExecStart's program changed (the file name must stay aniworld.service).
sed "s|^ExecStart=/usr/local/bin/aniworld |ExecStart=$EXE |" deploy/aniworld.service >"$WORK/aniworld.service"
grep -q "^ExecStart=$EXE serve\$" "$WORK/aniworld.service" || { echo "deploy/aniworld.service: no ExecStart=/usr/local/bin/aniworld serve" >&2; exit 1; }
# verify prints its findings and exits 0 on warnings about other units of the machine; any line
# naming our unit is a failure.
out="$(systemd-analyze verify "$WORK/aniworld.service" 2>&1)" || { echo "$out" >&2; echo "systemd-analyze verify failed" >&2; exit 1; }
if grep -q 'aniworld' <<<"$out"; then echo "$out" >&2; echo "systemd-analyze verify complained about the unit" >&2; exit 1; fi
for key in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes StateDirectory=aniworld \
    'ReadWritePaths=' 'RestrictAddressFamilies=' 'SystemCallFilter=@system-service' 'User=aniworld'; do
    grep -q "^$key" deploy/aniworld.service || { echo "deploy/aniworld.service lacks $key" >&2; exit 1; }
done
echo "deploy/aniworld.service: systemd-analyze verify passed"

python3 - <<'EOF'
import xml.etree.ElementTree as ET

root = ET.parse("deploy/unraid/aniworld.xml").getroot()
assert root.tag == "Container", root.tag
for tag in ("Name", "Repository", "Network", "WebUI", "Overview"):
    assert (root.findtext(tag) or "").strip(), f"Unraid template: <{tag}> is empty"
configs = {(c.get("Type"), c.get("Target")): c for c in root.iter("Config")}
for want in (("Port", "8000"), ("Path", "/data"), ("Path", "/anime"), ("Variable", "PUID"), ("Variable", "PGID")):
    assert want in configs, f"Unraid template: no {want[0]} Config for {want[1]}"
for c in root.iter("Config"):
    for attr in ("Name", "Target", "Default", "Type", "Display", "Required", "Mask"):
        assert c.get(attr) is not None, f"Unraid template: Config {c.get('Name')} lacks {attr}"
print(f"deploy/unraid/aniworld.xml: well-formed, {len(configs)} Config entries")
EOF

python3 - <<'EOF'
try:
    import yaml
except ImportError:
    print("compose files: python3 has no yaml module, YAML check skipped")
    raise SystemExit(0)

for path, services in (("deploy/compose.yaml", {"aniworld"}), ("deploy/compose.vpn.yaml", {"aniworld", "gluetun"})):
    with open(path) as f:
        doc = yaml.safe_load(f)
    assert set(doc["services"]) == services, (path, sorted(doc["services"]))
    app = doc["services"]["aniworld"]
    assert app["build"]["dockerfile"] == "deploy/Containerfile", path
    targets = {v.split(":")[1] for v in app["volumes"]}
    assert {"/data", "/anime"} <= targets, (path, targets)
    assert {"PUID", "PGID"} <= set(app["environment"]), path
    print(f"{path}: valid YAML, services {sorted(services)}")
vpn = yaml.safe_load(open("deploy/compose.vpn.yaml"))["services"]
assert vpn["aniworld"]["network_mode"] == "service:gluetun"
assert "ports" not in vpn["aniworld"], "with network_mode service:gluetun the port belongs on gluetun"
EOF

sh -n deploy/container/entrypoint.sh
bash -n deploy/container/healthcheck.sh
grep -q '^HEALTHCHECK' deploy/Containerfile
echo "deploy checks passed (unit, Unraid template, compose files, container scripts)"
