#!/bin/bash
# HEALTHCHECK of the Aniworld image: GET /health on the container's own port must answer 200.
# Plain bash (/dev/tcp), so the image needs no curl or wget.
set -eu
port="${ANIWORLD_PORT:-8000}"
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /health HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$port" >&3
IFS= read -r -t 4 status <&3
case "$status" in
    "HTTP/1."[01]" 200 "*) exit 0 ;;
    *) echo "GET /health answered: ${status:-nothing}" >&2; exit 1 ;;
esac
