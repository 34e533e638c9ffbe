#!/usr/bin/env bash
# Container image check (deploy/Containerfile): build the image with podman and start it for real.
#
# No image registry is reachable from CI, so both base images are made here from Debian's packages:
#   - the runtime base: a minimal Debian (debootstrap --variant=minbase) slimmed like Debian's
#     "-slim" images (no docs, man pages, locales or package lists) and imported into podman;
#   - the builder: that base plus gcc and this machine's Rust toolchain (the active rustup
#     toolchain, copied in) and this machine's CA bundle (cargo fetches crates.io inside the build).
# Both are kept (folder under target/container, images in podman's storage) and made again only
# when missing, or with CONTAINER_FRESH=1.
#
# Then it builds the image (Containerfile's BUILDER_IMAGE/RUNTIME_IMAGE set to those two), and starts
# it with temporary data volumes:
#   1. as it is: GET /health answers 200 on the published port and through the image's own
#      HEALTHCHECK command; the service runs as uid/gid 1000, not root; SIGTERM stops it cleanly;
#   2. with PUID=4321 PGID=4321: the service runs as 4321 and its data folder belongs to 4321;
#   3. with --user 4321:4321 on that volume: never root at all, and it serves;
#   4. deploy/aniworld.service under systemd in a container made from the image (below).
# Finally it prints the image size and the time taken. 7 to 8 minutes from nothing (most of it the
# release build), 15 to 30 s when nothing changed (docs/deploy.md, "What CI checks").
#
#   .ci/container.sh                      # reuses the base images and build caches when present
#   CONTAINER_FRESH=1 .ci/container.sh    # debootstrap and make the base images again
#   CONTAINER_KEEP=1 .ci/container.sh     # leave the last container and its volume for a look
#
# podman runs as root with runc: crun refuses the hybrid cgroup layout of some machines (this
# one's included), and the default container limits of root (nofile 1048576) need CAP_SYS_RESOURCE,
# which a sandboxed root may lack, so the limits given are the ones this shell already has.
set -euo pipefail
cd "$(dirname "$0")/.."
START=$SECONDS

SUITE="${CONTAINER_SUITE:-bookworm}"
TARGET="${CARGO_TARGET_DIR:-target}"
WORK="$TARGET/container"
BASE_IMAGE="localhost/aniworld-ci-base:$SUITE"
IMAGE="localhost/aniworld:ci"
mkdir -p "$WORK"
WORK="$(cd "$WORK" && pwd)"
ROOTFS="$WORK/rootfs-$SUITE"

log() { printf '[container %4ds] %s\n' "$((SECONDS - START))" "$*"; }
die() { printf 'container check failed: %s\n' "$*" >&2; exit 1; }

# ---- tools ---------------------------------------------------------------------------------------
[ "$(id -u)" = 0 ] || die "run as root: the check uses rootful podman and debootstrap"
need=()
command -v podman >/dev/null 2>&1 || need+=(podman)
command -v runc >/dev/null 2>&1 || need+=(runc)
command -v netavark >/dev/null 2>&1 || [ -x /usr/lib/podman/netavark ] || need+=(netavark)
command -v iptables >/dev/null 2>&1 || need+=(iptables)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
command -v curl >/dev/null 2>&1 || need+=(curl)
if [ "${#need[@]}" -gt 0 ]; then
    log "installing ${need[*]}"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${need[@]}"; } >"$WORK/apt.log" 2>&1 \
        || { tail -n 30 "$WORK/apt.log" >&2; die "installing ${need[*]} failed"; }
fi

# Limits the container may have: no higher than this shell's hard limits (see the header).
nofile=$(ulimit -Hn); [ "$nofile" = unlimited ] || [ "$nofile" -gt 65536 ] && nofile=65536
nproc=$(ulimit -Hu); [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ] && nproc=32768
PODMAN=(podman --runtime runc)
LIMITS=(--ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc")

# ---- runtime base: debootstrap, slimmed, imported ---------------------------------------------
if [ -n "${CONTAINER_FRESH:-}" ]; then
    rm -rf "$ROOTFS"
    "${PODMAN[@]}" rmi -f "$BASE_IMAGE" >/dev/null 2>&1 || true
fi
if ! "${PODMAN[@]}" image exists "$BASE_IMAGE"; then
    if [ ! -e "$ROOTFS/.complete" ]; then
        rm -rf "$ROOTFS"
        log "debootstrap --variant=minbase $SUITE"
        # DEBIAN_MIRROR overrides debootstrap's own default mirror.
        debootstrap --variant=minbase "$SUITE" "$ROOTFS" ${DEBIAN_MIRROR:+"$DEBIAN_MIRROR"} \
            >"$WORK/debootstrap.log" 2>&1 || { tail -n 30 "$WORK/debootstrap.log" >&2; die "debootstrap failed"; }

        # Updates and security updates from the same mirror debootstrap used.
        mirror=$(awk '$1 == "deb" { print $2; exit }' "$ROOTFS/etc/apt/sources.list")
        {
            echo "deb $mirror $SUITE main"
            echo "deb $mirror $SUITE-updates main"
            case "$mirror" in */debian | */debian/) echo "deb ${mirror%/}-security $SUITE-security main" ;; esac
        } >"$ROOTFS/etc/apt/sources.list"

        # What Debian's slim images leave out, for this install and every later one.
        cat >"$ROOTFS/etc/dpkg/dpkg.cfg.d/slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
EOF
        cat >"$ROOTFS/etc/apt/apt.conf.d/slim" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
EOF
        find "$ROOTFS/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
        find "$ROOTFS/usr/share/doc" -mindepth 1 -type d -empty -delete
        rm -rf "$ROOTFS"/usr/share/{man,groff,info,lintian,linda,locale}/* \
            "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/* "$ROOTFS"/var/log/* \
            "$ROOTFS"/var/cache/debconf/*-old "$ROOTFS"/var/lib/dpkg/*-old
        : >"$ROOTFS/etc/machine-id"
        touch "$ROOTFS/.complete"
    fi
    log "importing the runtime base $BASE_IMAGE"
    tar -C "$ROOTFS" --exclude=./.complete --numeric-owner -cf - . \
        | "${PODMAN[@]}" import -q --change 'CMD ["/bin/bash"]' - "$BASE_IMAGE" >/dev/null
fi

# ---- builder: the runtime base, gcc, this machine's Rust toolchain and CA bundle --------------
SYSROOT="$(rustc --print sysroot)"
[ -x "$SYSROOT/bin/cargo" ] && [ -x "$SYSROOT/bin/rustc" ] \
    || die "the active Rust toolchain ($SYSROOT) has no bin/cargo and bin/rustc (a rustup toolchain is expected)"
RUST_VERSION="$(rustc --version | awk '{ print $2 }')"
BUILDER_IMAGE="localhost/aniworld-ci-builder:$SUITE-rust-$RUST_VERSION"
[ -n "${CONTAINER_FRESH:-}" ] && { "${PODMAN[@]}" rmi -f "$BUILDER_IMAGE" >/dev/null 2>&1 || true; }
if ! "${PODMAN[@]}" image exists "$BUILDER_IMAGE"; then
    log "making the builder $BUILDER_IMAGE"
    ctx="$WORK/builder"
    rm -rf "$ctx" && mkdir -p "$ctx"
    # The trust store of this machine, which may include the CA of a TLS-inspecting proxy.
    cp /etc/ssl/certs/ca-certificates.crt "$ctx/ca-certificates.crt"
    cat >"$ctx/Containerfile" <<EOF
FROM $BASE_IMAGE
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev ca-certificates \\
 && apt-get clean && rm -rf /var/lib/apt/lists/*
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
RUN mkdir -p /opt/rust /usr/local/cargo && cp -a /toolchain/bin /toolchain/lib /opt/rust/ \\
 && /opt/rust/bin/cargo --version && /opt/rust/bin/rustc --version
ENV PATH=/opt/rust/bin:/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    CARGO_HOME=/usr/local/cargo
EOF
    "${PODMAN[@]}" build "${LIMITS[@]}" --network host -v "$SYSROOT:/toolchain:ro" \
        -t "$BUILDER_IMAGE" "$ctx" >"$WORK/builder.log" 2>&1 \
        || { tail -n 30 "$WORK/builder.log" >&2; die "making the builder failed (log: $WORK/builder.log)"; }
fi

# ---- the image ---------------------------------------------------------------------------------
old_id="$("${PODMAN[@]}" image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
log "building $IMAGE from deploy/Containerfile"
build_start=$SECONDS
# The build caches (cargo registry, target folder) are kept under target/container/tmp.
mkdir -p "$WORK/tmp"
TMPDIR="$WORK/tmp" "${PODMAN[@]}" build "${LIMITS[@]}" --network host --format docker \
    --build-arg "BUILDER_IMAGE=$BUILDER_IMAGE" --build-arg "RUNTIME_IMAGE=$BASE_IMAGE" \
    -f deploy/Containerfile -t "$IMAGE" . >"$WORK/build.log" 2>&1 \
    || { tail -n 60 "$WORK/build.log" >&2; die "podman build failed (log: $WORK/build.log)"; }
build_secs=$((SECONDS - build_start))
new_id="$("${PODMAN[@]}" image inspect --format '{{.Id}}' "$IMAGE")"
if [ -n "$old_id" ] && [ "$old_id" != "$new_id" ]; then
    "${PODMAN[@]}" rmi "$old_id" >/dev/null 2>&1 || true
fi
size_bytes="$("${PODMAN[@]}" image inspect --format '{{.Size}}' "$IMAGE")"
log "built in ${build_secs}s"

# ---- run it --------------------------------------------------------------------------------------
NAME="aniworld-ci-$$"
VOLUMES=()
cleanup() {
    if [ -n "${CONTAINER_KEEP:-}" ]; then
        echo "kept container $NAME and volumes ${VOLUMES[*]:-}"
        return
    fi
    "${PODMAN[@]}" rm -f -v -t 0 "$NAME" >/dev/null 2>&1 || true
    for v in "${VOLUMES[@]}"; do "${PODMAN[@]}" volume rm -f "$v" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT

# A fresh named volume holding only a config.json without the scheduler and the catalogue canary:
# the check reaches nothing outside the machine, and nothing holds up a stop.
new_volume() {
    local v="aniworld-ci-data-$$-$1" seed="$WORK/seed"
    rm -rf "$seed" && mkdir -p "$seed"
    printf '%s\n' '{"scheduler": {"enabled": false}, "provider": {"canary_interval_minutes": 0}}' >"$seed/config.json"
    "${PODMAN[@]}" volume create "$v" >/dev/null
    VOLUMES+=("$v")
    tar -C "$seed" -cf - config.json | "${PODMAN[@]}" volume import "$v" -
    rm -rf "$seed"
    VOLUME="$v"
}

# Starts the image with the given options; sets PORT to the host port of the container's 8000.
# --no-healthcheck: podman runs health checks from systemd timers, and CI has no systemd; the
# image's HEALTHCHECK command is run by hand below instead.
start() {
    "${PODMAN[@]}" rm -f -v -t 0 "$NAME" >/dev/null 2>&1 || true
    "${PODMAN[@]}" run -d --name "$NAME" "${LIMITS[@]}" -p 127.0.0.1::8000 --no-healthcheck \
        -e ANIWORLD_LOG=info "$@" "$IMAGE" >/dev/null
    PORT="$("${PODMAN[@]}" port "$NAME" 8000/tcp | head -n 1 | sed 's/.*://')"
    [ -n "$PORT" ] || die "no published port"
}

# Polls GET /health on the published port, at most 60 s; fails early when the container stops.
wait_healthy() {
    local t0=$SECONDS
    until curl -fsS -m 2 -o /dev/null "http://127.0.0.1:$PORT/health" 2>/dev/null; do
        if [ "$("${PODMAN[@]}" inspect --format '{{.State.Running}}' "$NAME")" != true ]; then
            "${PODMAN[@]}" logs "$NAME" >&2 || true
            die "the container stopped before /health answered"
        fi
        if [ $((SECONDS - t0)) -ge 60 ]; then
            "${PODMAN[@]}" logs "$NAME" >&2 || true
            die "/health did not answer 200 within 60 s"
        fi
        sleep 0.2
    done
    log "GET /health: 200 after $((SECONDS - t0))s"
}

# The uid and gid of the service process (the `aniworld serve` child of tini), read on the host.
service_ids() {
    local pid
    pid="$("${PODMAN[@]}" top "$NAME" hpid args | awk '$2 ~ /aniworld$/ && $3 == "serve" { print $1 }')"
    [ -n "$pid" ] || { "${PODMAN[@]}" top "$NAME" >&2; die "no aniworld serve process in the container"; }
    awk '/^Uid:/ { u = $2 } /^Gid:/ { g = $2 } END { print u ":" g }' "/proc/$pid/status"
}

expect_ids() {
    local ids
    ids="$(service_ids)"
    [ "$ids" = "$1" ] || die "the service runs as $ids, expected $1"
    case "$ids" in 0:* | *:0) die "the service runs as root" ;; esac
    log "the service runs as uid:gid $ids (not root)"
}

# 1. as built
new_volume 1
start -v "$VOLUME:/data"
wait_healthy
expect_ids 1000:1000
health="$("${PODMAN[@]}" image inspect --format '{{json .Config.Healthcheck.Test}}' "$IMAGE")"
[ "$health" = '["CMD","/usr/local/bin/aniworld-healthcheck"]' ] || die "the image has no HEALTHCHECK (got $health)"
"${PODMAN[@]}" exec "$NAME" /usr/local/bin/aniworld-healthcheck || die "the image's HEALTHCHECK command failed"
log "HEALTHCHECK command (inside the container): healthy"
"${PODMAN[@]}" exec "$NAME" ffprobe -version >/dev/null || die "ffprobe is missing in the image"
stop_start=$SECONDS
"${PODMAN[@]}" stop -t 20 "$NAME" >/dev/null
code="$("${PODMAN[@]}" inspect --format '{{.State.ExitCode}}' "$NAME")"
log "stopped in $((SECONDS - stop_start))s, exit code $code"
[ "$((SECONDS - stop_start))" -lt 20 ] || die "SIGTERM did not stop the service (it was killed)"
case "$code" in 0 | 143) ;; *) "${PODMAN[@]}" logs "$NAME" >&2; die "the service exited with $code on SIGTERM" ;; esac

# 2. PUID/PGID
new_volume 2
start -v "$VOLUME:/data" -e PUID=4321 -e PGID=4321
wait_healthy
expect_ids 4321:4321
owner="$("${PODMAN[@]}" exec "$NAME" stat -c %u:%g /data /data/aniworld.db | sort -u)"
[ "$owner" = "4321:4321" ] || die "the data folder belongs to $owner, expected 4321:4321"
log "the data folder belongs to 4321:4321"
"${PODMAN[@]}" stop -t 20 "$NAME" >/dev/null

# 3. --user on the same (now 4321-owned) volume
start -v "$VOLUME:/data" --user 4321:4321
wait_healthy
expect_ids 4321:4321
"${PODMAN[@]}" stop -t 20 "$NAME" >/dev/null

# 4. deploy/aniworld.service for real: systemd as PID 1 in a container made from the image
#    (privileged, so that systemd can set up the unit's namespaces and filters). The unit must
#    start as its own user under all of its hardening and serve /health, a library folder outside
#    its ReadWritePaths must be refused, and ffmpeg must remux under the same hardening (a copy of
#    the unit running the two remuxes the queue runs, on the test clips). CONTAINER_SYSTEMD=0
#    skips this part.
if [ "${CONTAINER_SYSTEMD:-1}" != 0 ]; then
    ctx="$WORK/systemd"
    rm -rf "$ctx" && mkdir -p "$ctx"
    cp deploy/aniworld.service crates/testkit/media/clip.ts crates/testkit/media/clip-video.ts \
        crates/testkit/media/clip-audio.ts "$ctx/"
    remux1='/usr/bin/ffmpeg -nostdin -loglevel error -y -i /opt/media/clip.ts -map 0 -dn -ignore_unknown -c copy -f mp4 /srv/anime/one.mp4'
    remux2='/usr/bin/ffmpeg -nostdin -loglevel error -y -i pipe:0 -i /opt/media/clip-audio.ts -map 0:v -map 1:a:0 -dn -ignore_unknown -c copy -f mp4 /srv/anime/two.mp4'
    {
        sed -e 's/^Type=exec/Type=oneshot/' -e '/^Restart/d' -e '/^ExecStart=/d' -e '/^\[Install\]/,$d' \
            deploy/aniworld.service
        echo "ExecStart=$remux1"
        echo "ExecStart=$remux2"
        echo "ExecStart=/usr/bin/ffprobe -v error -show_entries format=duration -of csv=p=0 /srv/anime/two.mp4"
        echo "StandardInput=file:/opt/media/clip-video.ts"
    } >"$ctx/remux-check.service"
    printf '%s\n' '{"scheduler": {"enabled": false}, "provider": {"canary_interval_minutes": 0}}' >"$ctx/config.json"
    {
        echo "FROM $IMAGE"
        echo 'RUN apt-get update && apt-get install -y --no-install-recommends systemd systemd-sysv && rm -rf /var/lib/apt/lists/*'
        echo 'COPY aniworld.service remux-check.service /etc/systemd/system/'
        echo 'COPY clip.ts clip-video.ts clip-audio.ts /opt/media/'
        echo 'COPY config.json /var/lib/aniworld/config.json'
        echo 'RUN chmod 0644 /opt/media/* && chown -R aniworld:aniworld /var/lib/aniworld && chmod 0700 /var/lib/aniworld && install -d -o aniworld -g aniworld /srv/anime'
        echo 'ENTRYPOINT ["/sbin/init"]'
        echo 'CMD []'
    } >"$ctx/Containerfile"
    SD_IMAGE="localhost/aniworld-ci-systemd:latest"
    "${PODMAN[@]}" build "${LIMITS[@]}" --network host -t "$SD_IMAGE" "$ctx" >"$WORK/systemd.log" 2>&1 \
        || { tail -n 30 "$WORK/systemd.log" >&2; die "building the systemd test image failed"; }
    "${PODMAN[@]}" rm -f -v -t 0 "$NAME" >/dev/null 2>&1 || true
    "${PODMAN[@]}" run -d --name "$NAME" "${LIMITS[@]}" --privileged --systemd=always "$SD_IMAGE" >/dev/null
    in_sd() { "${PODMAN[@]}" exec "$NAME" "$@"; }
    t0=$SECONDS
    until state="$(in_sd systemctl is-system-running 2>/dev/null)"; [ "$state" = running ] || [ "$state" = degraded ]; do
        [ $((SECONDS - t0)) -lt 60 ] || die "systemd did not finish booting in the container (${state:-no answer})"
        sleep 0.2
    done
    in_sd systemctl start aniworld.service \
        || { in_sd journalctl -u aniworld --no-pager >&2; die "aniworld.service did not start"; }
    t0=$SECONDS
    until in_sd /usr/local/bin/aniworld-healthcheck 2>/dev/null; do
        if [ $((SECONDS - t0)) -ge 60 ] || ! in_sd systemctl is-active -q aniworld.service; then
            in_sd journalctl -u aniworld --no-pager >&2
            die "aniworld.service did not answer GET /health"
        fi
        sleep 0.2
    done
    main_pid="$(in_sd systemctl show -p MainPID --value aniworld.service)"
    ids="$(in_sd awk '/^Uid:/ { u = $2 } /^Gid:/ { g = $2 } END { print u ":" g }' "/proc/$main_pid/status")"
    [ "$ids" = 1000:1000 ] || die "aniworld.service runs as $ids, expected the aniworld user (1000:1000)"
    log "systemd: aniworld.service serves /health as uid:gid $ids under its hardening"
    # Setup naming a library outside ReadWritePaths: the service refuses it (read-only file system).
    answer="$(in_sd bash -c '
        body="{\"master_password\":\"Ci#Passw0rd\",\"anime_directory\":\"/opt/library\"}"
        exec 3<>/dev/tcp/127.0.0.1/8000
        printf "POST /api/auth/setup HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nContent-Type: application/json\r\nContent-Length: %s\r\nConnection: close\r\n\r\n%s" "${#body}" "$body" >&3
        cat <&3')"
    case "$answer" in
        "HTTP/1.1 422 "*"Read-only file system"*) ;;
        *) die "setup with a library outside ReadWritePaths answered: $answer" ;;
    esac
    in_sd systemctl start remux-check.service \
        || { in_sd journalctl -u remux-check --no-pager >&2; die "ffmpeg failed under the unit's hardening"; }
    log "systemd: a library outside ReadWritePaths is refused (422); ffmpeg remuxes under the hardening"
    t0=$SECONDS
    in_sd systemctl stop aniworld.service
    log "systemd: stopped in $((SECONDS - t0))s"
    "${PODMAN[@]}" rm -f -v -t 0 "$NAME" >/dev/null
    "${PODMAN[@]}" rmi "$SD_IMAGE" >/dev/null 2>&1 || true
fi

size_mb="$(awk -v b="$size_bytes" 'BEGIN { printf "%.1f", b / 1000000 }')"
log "image $IMAGE: $size_mb MB ($size_bytes bytes); build ${build_secs}s; whole check $((SECONDS - START))s"
