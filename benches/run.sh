#!/usr/bin/env bash
# Download benchmarks: our fetcher against curl, parallel curl and yt-dlp (ffmpeg when installed)
# on a local media server, with and without 20 ms latency per response. Prints a TSV of every run
# and the medians. See docs/bench-download.md.
#
# usage: benches/run.sh [runs]
#   FETCH=path/to/examples/fetch (default: $CARGO_TARGET_DIR or target/release/examples/fetch)
#   YTDLP=path/to/yt-dlp (default: yt-dlp on PATH; skipped when missing)
#   OUT_DIR=/tmp/aniworld-bench (scratch space: 1 GiB data + outputs)
set -euo pipefail
RUNS=${1:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
FETCH=${FETCH:-${CARGO_TARGET_DIR:-$HERE/../target}/release/examples/fetch}
YTDLP=${YTDLP:-$(command -v yt-dlp || true)}
OUT_DIR=${OUT_DIR:-/tmp/aniworld-bench}
DATA=$OUT_DIR/data.bin
OUT=$OUT_DIR/out
PORT=${PORT:-18480}
LPORT=$((PORT + 1))
mkdir -p "$OUT"
[ -x "$FETCH" ] || { echo "build first: cargo build --release -p aniworld-queue --example fetch" >&2; exit 1; }
[ -s "$DATA" ] || head -c $((1 << 30)) /dev/urandom > "$DATA"

python3 "$HERE/media_server.py" --data "$DATA" --port "$PORT" & S1=$!
python3 "$HERE/media_server.py" --data "$DATA" --port "$LPORT" --latency-ms 20 & S2=$!
trap 'kill $S1 $S2 2>/dev/null || true' EXIT
for p in "$PORT" "$LPORT"; do
  for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$p/hls/master.m3u8" && break; sleep 0.1; done
done

segment_config() { # $1 = base URL of a variant: a curl config fetching its 600 segments
  for i in $(seq 0 599); do printf 'url = "%s/seg%d.ts"\noutput = "%s/seg%d.ts"\n' "$1" "$i" "$OUT" "$i"; done
}
segment_config "http://127.0.0.1:$PORT/hls/v1080" > "$OUT_DIR/segs.cfg"
segment_config "http://127.0.0.1:$LPORT/hls/v1080" > "$OUT_DIR/segs-lat.cfg"

RESULTS=$OUT_DIR/results.tsv
: > "$RESULTS"
measure() { # name bytes command...
  local name=$1 bytes=$2; shift 2
  for r in $(seq "$RUNS"); do
    rm -rf "$OUT"; mkdir -p "$OUT"; sync
    local t0 t1
    t0=$(date +%s.%N)
    /usr/bin/time -v -o "$OUT_DIR/time.txt" "$@" > "$OUT_DIR/cmd.log" 2>&1 || { echo "$name failed:"; tail -3 "$OUT_DIR/cmd.log"; }
    t1=$(date +%s.%N)
    local rss secs
    rss=$(awk -F: '/Maximum resident/ {gsub(/ /,"",$2); print $2}' "$OUT_DIR/time.txt")
    secs=$(echo "$t1 - $t0" | bc -l)
    printf '%s\t%d\t%.3f\t%.1f\t%.1f\n' "$name" "$r" "$secs" "$(echo "$bytes / 1048576 / $secs" | bc -l)" "$(echo "$rss / 1024" | bc -l)" | tee -a "$RESULTS"
  done
}

GIB=$((1 << 30)); HLS=$((600 << 20))
D="http://127.0.0.1:$PORT"; L="http://127.0.0.1:$LPORT"
echo -e "case\trun\tseconds\tMiB/s\tpeak_RSS_MB"
measure "direct/curl"            $GIB curl -sf -o "$OUT/big.mp4" "$D/big.mp4"
measure "direct/aniworld"        $GIB "$FETCH" --quiet "$D/big.mp4" "$OUT/big.mp4"
[ -n "$YTDLP" ] && measure "direct/yt-dlp" $GIB "$YTDLP" -q --no-progress -o "$OUT/big.mp4" "$D/big.mp4"
measure "hls/curl-parallel8"     $HLS curl -sf -Z --parallel-max 8 -K "$OUT_DIR/segs.cfg"
measure "hls/aniworld-c8"        $HLS "$FETCH" --hls --quiet --concurrency 8 "$D/hls/master.m3u8" "$OUT/hls.mp4"
if [ -n "$YTDLP" ]; then
  measure "hls/yt-dlp"           $HLS "$YTDLP" -q --no-progress -o "$OUT/hls.mp4" "$D/hls/master.m3u8"
  measure "hls/yt-dlp-N8"        $HLS "$YTDLP" -q --no-progress -N 8 -o "$OUT/hls.mp4" "$D/hls/master.m3u8"
fi
command -v ffmpeg >/dev/null && measure "hls/ffmpeg-copy" $HLS ffmpeg -loglevel error -y -i "$D/hls/master.m3u8" -map 0 -c copy -f mpegts "$OUT/hls.ts"
measure "hls20ms/curl-parallel8" $HLS curl -sf -Z --parallel-max 8 -K "$OUT_DIR/segs-lat.cfg"
measure "hls20ms/aniworld-c8"    $HLS "$FETCH" --hls --quiet --concurrency 8 "$L/hls/master.m3u8" "$OUT/hls.mp4"
measure "hls20ms/aniworld-c16"   $HLS "$FETCH" --hls --quiet --concurrency 16 "$L/hls/master.m3u8" "$OUT/hls.mp4"
if [ -n "$YTDLP" ]; then
  measure "hls20ms/yt-dlp"       $HLS "$YTDLP" -q --no-progress -o "$OUT/hls.mp4" "$L/hls/master.m3u8"
  measure "hls20ms/yt-dlp-N8"    $HLS "$YTDLP" -q --no-progress -N 8 -o "$OUT/hls.mp4" "$L/hls/master.m3u8"
fi
command -v ffmpeg >/dev/null && measure "hls20ms/ffmpeg-copy" $HLS ffmpeg -loglevel error -y -i "$L/hls/master.m3u8" -map 0 -c copy -f mpegts "$OUT/hls.ts"

echo; echo -e "case\tmedian_MiB/s\tmedian_peak_RSS_MB"
for c in $(cut -f1 "$RESULTS" | uniq); do
  speed=$(awk -F'\t' -v c="$c" '$1==c {print $4}' "$RESULTS" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  rss=$(awk -F'\t' -v c="$c" '$1==c {print $5}' "$RESULTS" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo -e "$c\t$speed\t$rss"
done
