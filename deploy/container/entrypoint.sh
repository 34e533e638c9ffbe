#!/bin/sh
# Entrypoint of the Aniworld image (deploy/Containerfile).
#
# Started as root (the default): makes sure the data folder belongs to PUID:PGID (1000:1000 unless
# given), checks that the anime folder is writable for them, then drops to that user with setpriv
# (no supplementary groups, no capabilities, no_new_privs) and execs the command. Started with
# `--user UID:GID`: runs the command as that user straight away and only warns about folders it
# cannot write.
#
# Only what the service owns is ever chowned: the data folder (small: database, configuration,
# logs) and an *empty* anime folder. A library that already holds files is never touched, since
# media servers and other tools share it; a warning says what to do instead.
set -eu

data="${ANIWORLD_DATA_DIR:-/data}"
anime="${ANIWORLD_ANIME_DIR:-/anime}"

say() { echo "aniworld-entrypoint: $*" >&2; }

is_id() {
    case "$1" in
        '' | *[!0-9]*) return 1 ;;
        *) return 0 ;;
    esac
}

umask "${UMASK:-022}"

if [ "$(id -u)" != 0 ]; then
    # --user UID:GID: no privileges to change anything, so only explain what will fail.
    for dir in "$data" "$anime"; do
        if [ -d "$dir" ] && ! [ -w "$dir" ]; then
            say "$dir is not writable for uid $(id -u) gid $(id -g) (it belongs to $(stat -c %u:%g "$dir"));" \
                "the service will fail with 'Permission denied (os error 13)'. Give the folder to" \
                "that user on the host (chown $(id -u):$(id -g) <host folder>) or start with the owner's ids."
        fi
    done
    exec "$@"
fi

puid="${PUID:-1000}"
pgid="${PGID:-1000}"
if ! is_id "$puid" || ! is_id "$pgid"; then
    say "PUID and PGID must be numeric ids (got PUID=$puid PGID=$pgid)"
    exit 64
fi
if [ "$puid" = 0 ] || [ "$pgid" = 0 ]; then
    say "refusing to run the service as root (PUID=$puid PGID=$pgid); pick the ids of the user" \
        "that owns your library folder (id -u / id -g on the host)"
    exit 64
fi

# The data folder: created when missing and handed to PUID:PGID, only the entries that belong to
# someone else (after a change of PUID, or a copy made as root). The service itself keeps it 0700.
mkdir -p "$data"
if ! find "$data" -xdev \( ! -user "$puid" -o ! -group "$pgid" \) -exec chown -h "$puid:$pgid" {} +; then
    say "could not give $data to $puid:$pgid (a read-only mount, or a network share that maps root" \
        "to nobody?); the service may fail with 'Permission denied (os error 13)'"
fi

# The anime folder: an empty one (a fresh volume, or a bind mount the engine created as root) is
# given to PUID:PGID; one with files in it is left as it is.
as_user() { setpriv --reuid="$puid" --regid="$pgid" --clear-groups "$@"; }
if [ -d "$anime" ] && ! as_user test -w "$anime"; then
    if [ -z "$(find "$anime" -mindepth 1 -maxdepth 1 -print -quit)" ]; then
        chown "$puid:$pgid" "$anime"
    else
        say "$anime is not writable for PUID=$puid PGID=$pgid (it belongs to $(stat -c %u:%g "$anime"));" \
            "downloads will fail with 'Permission denied (os error 13)'. Set PUID/PGID to the owner" \
            "of the library on the host, or give the library to $puid:$pgid there."
    fi
fi

exec setpriv --reuid="$puid" --regid="$pgid" --clear-groups --no-new-privs \
    env HOME="$data" "$@"
