#!/usr/bin/env bash
# Download benchmarks: our fetcher (the `fetch` example, with the service's default settings and
# with a non-binding budget, with ffmpeg on the PATH and without, and with the ffmpeg pipe forced
# instead of the in-process remux) against curl, parallel curl, ffmpeg and yt-dlp on a local
# media server: direct 1 GiB, HLS 600 x ~1 MiB of real MPEG-TS (H.264 and AAC) with
# and without 20 ms latency per response, AES-128 HLS, faults (cut connections, 503s), and memory
# at 100 and 600 segments. Every case runs once per round, rounds repeat (interleaved), and the
# medians are printed. See docs/bench-download.md.
#
# usage: benches/run.sh [rounds]
#   FETCH=path/to/examples/fetch (default: $CARGO_TARGET_DIR or target/release/examples/fetch)
#   YTDLP=path/to/yt-dlp (default: yt-dlp on PATH; its cases are skipped when missing)
#   OUT_DIR=/tmp/aniworld-bench (scratch space: ~2.3 GiB of data + outputs)
#   ONLY=regex (run only the cases whose name matches)
set -euo pipefail
ROUNDS=${1:-5}
HERE=$(cd "$(dirname "$0")" && pwd)
FETCH=${FETCH:-${CARGO_TARGET_DIR:-$HERE/../target}/release/examples/fetch}
YTDLP=${YTDLP:-$(command -v yt-dlp || true)}
OUT_DIR=${OUT_DIR:-/tmp/aniworld-bench}
ONLY=${ONLY:-.}
DATA=$OUT_DIR/data.bin
TSDATA=$OUT_DIR/hls-h264.ts
AESDATA=$OUT_DIR/hls-h264-aes.bin
OUT=$OUT_DIR/out
PORT=${PORT:-18480}
SEG=1048476          # 5577 MPEG-TS packets: segments end on packet boundaries
KEY=000102030405060708090a0b0c0d0e0f
mkdir -p "$OUT"
[ -x "$FETCH" ] || { echo "build first: cargo build --release -p aniworld-queue --example fetch" >&2; exit 1; }
FFMPEG=$(command -v ffmpeg || true)
FFPROBE=$(command -v ffprobe || true)
[ -n "$FFMPEG" ] && [ -n "$FFPROBE" ] || { echo "ffmpeg and ffprobe are needed (real media, remux rows)" >&2; exit 1; }

# --- data -------------------------------------------------------------------------------------
if [ ! -s "$DATA" ] || [ "$(head -c 8 "$DATA" | tail -c 4)" != ftyp ]; then
  # a real MP4 of exactly 1 GiB (ffprobe accepts it): the test clip, then a `free` box of
  # random bytes (the same trick as aniworld_testkit::media::mp4)
  CLIP=$HERE/../crates/testkit/media/clip.mp4
  FREE=$(( (1 << 30) - $(stat -c %s "$CLIP") ))
  { cat "$CLIP"; printf '%08x' "$FREE" | xxd -r -p; printf 'free'; head -c $((FREE - 8)) /dev/urandom; } > "$DATA"
fi
[ "$(stat -c %s "$DATA")" -eq $((1 << 30)) ] || { echo "$DATA is not 1 GiB" >&2; exit 1; }
if [ ! -s "$TSDATA" ]; then
  # ~24 s of noisy 720p H.264 (libx264 ultrafast at a fixed quantiser, so the noise gives it
  # ~200 Mbit/s) and AAC audio: 600 segments of real MPEG-TS, the codecs HLS hosters send
  "$FFMPEG" -hide_banner -loglevel error -y \
    -f lavfi -i "testsrc2=s=1280x720:r=25,noise=alls=60:allf=t+u" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000" -t 30 \
    -c:v libx264 -preset ultrafast -qp 12 -g 25 -pix_fmt yuv420p \
    -c:a aac -b:a 128k -f mpegts "$OUT_DIR/full.ts"
  head -c $((600 * SEG)) "$OUT_DIR/full.ts" > "$TSDATA"
  rm -f "$OUT_DIR/full.ts"
fi
[ "$(stat -c %s "$TSDATA")" -eq $((600 * SEG)) ] || { echo "$TSDATA is short" >&2; exit 1; }
SECONDS_TS=$("$FFPROBE" -v error -show_entries format=duration -of csv=p=0 "$TSDATA")
if [ ! -s "$AESDATA" ]; then
  for i in $(seq 0 599); do
    dd if="$TSDATA" bs=$SEG skip="$i" count=1 status=none |
      openssl enc -aes-128-cbc -K "$KEY" -iv "$(printf '%032x' "$i")"
  done > "$AESDATA"
fi

# --- helper processes: ffmpeg/ffprobe wrapped so their own peak memory is logged ---------------
TOOLS=$OUT_DIR/tools
HELPER_LOG=$OUT_DIR/helpers.log
mkdir -p "$TOOLS"
for t in ffmpeg ffprobe; do
  real=$(command -v "$t")
  printf '#!/bin/sh\nexec /usr/bin/time -a -o "%s" -f "%s %%M" "%s" "$@"\n' "$HELPER_LOG" "$t" "$real" > "$TOOLS/$t"
  chmod +x "$TOOLS/$t"
done
export PATH="$TOOLS:$PATH"

# --- servers ----------------------------------------------------------------------------------
serve() { # port extra-args...
  local p=$1; shift
  python3 "$HERE/media_server.py" --data "$DATA" --port "$p" --hls-data "$TSDATA" \
    --segment-bytes "$SEG" --hls-seconds "$SECONDS_TS" --aes-data "$AESDATA" --aes-key "$KEY" "$@" &
  PIDS="${PIDS:-} $!"
}
D="http://127.0.0.1:$PORT"; L="http://127.0.0.1:$((PORT + 1))"; F="http://127.0.0.1:$((PORT + 2))"
serve "$PORT"
serve $((PORT + 1)) --latency-ms 20
serve $((PORT + 2)) --cut-every $((128 << 20)) --fail-percent 5
trap 'kill $PIDS 2>/dev/null || true' EXIT
for u in "$D" "$L" "$F"; do
  for _ in $(seq 50); do curl -sf -o /dev/null "$u/hls/master.m3u8" && break; sleep 0.1; done
done
segment_config() { # base URL of a variant: a curl config fetching its 600 segments
  for i in $(seq 0 599); do printf 'url = "%s/seg%d.ts"\noutput = "%s/seg%d.ts"\n' "$1" "$i" "$OUT" "$i"; done
}
segment_config "$D/hls/v1080" > "$OUT_DIR/segs.cfg"
segment_config "$L/hls/v1080" > "$OUT_DIR/segs-lat.cfg"

# --- cases: name | bytes | command --------------------------------------------------------------
GIB=$((1 << 30)); HLS=$((600 * SEG)); HLS100=$((100 * SEG))
N="--no-tools"; U="--concurrency 8"   # U: unlimited budget (the example's default without --defaults)
CASES=(
  "direct/curl|$GIB|curl -sf -o $OUT/big.mp4 $D/big.mp4"
  "direct/curl+sync|$GIB|sh -c 'curl -sf -o $OUT/big.mp4 $D/big.mp4 && sync $OUT/big.mp4'"
  "direct/aniworld-default|$GIB|$FETCH --defaults --quiet $D/big.mp4 $OUT/big.mp4"
  "direct/aniworld-default-noffmpeg|$GIB|$FETCH --defaults $N --quiet $D/big.mp4 $OUT/big.mp4"
  "direct/yt-dlp|$GIB|YTDLP -q --no-progress -o $OUT/big.mp4 $D/big.mp4"
  "hls/curl-parallel8|$HLS|curl -sf -Z --parallel-max 8 -K $OUT_DIR/segs.cfg"
  "hls/curl-parallel8+sync|$HLS|sh -c 'curl -sf -Z --parallel-max 8 -K $OUT_DIR/segs.cfg && sync $OUT/*.ts'"
  "hls/ffmpeg-copy-mp4|$HLS|$FFMPEG -loglevel error -y -i $D/hls/v1080/index.m3u8 -map 0 -c copy $OUT/hls.mp4"
  "hls/aniworld-then-ffmpeg-2pass|$HLS|$FETCH $N --hls $U --quiet $D/hls/master.m3u8 $OUT/hls.ts && $FFMPEG -loglevel error -y -i $OUT/hls.ts -map 0 -c copy $OUT/hls.mp4"
  "hls/aniworld-default|$HLS|$FETCH --defaults --hls --quiet $D/hls/master.m3u8 $OUT/hls.mp4"
  "hls/aniworld-default-ffmpegpipe|$HLS|$FETCH --defaults --ffmpeg-pipe --hls --quiet $D/hls/master.m3u8 $OUT/hls.mp4"
  "hls/aniworld-default-noffmpeg|$HLS|$FETCH --defaults $N --hls --quiet $D/hls/master.m3u8 $OUT/hls.mp4"
  "hls/aniworld-nobudget|$HLS|$FETCH --ffmpeg --ffprobe --hls $U --quiet $D/hls/master.m3u8 $OUT/hls.mp4"
  "hls/aniworld-nobudget-noffmpeg|$HLS|$FETCH $N --hls $U --quiet $D/hls/master.m3u8 $OUT/hls.mp4"
  "hls/yt-dlp-N8|$HLS|YTDLP -q --no-progress -N 8 -o $OUT/hls.mp4 $D/hls/master.m3u8"
  "hls20ms/curl-parallel8|$HLS|curl -sf -Z --parallel-max 8 -K $OUT_DIR/segs-lat.cfg"
  "hls20ms/curl-parallel8+sync|$HLS|sh -c 'curl -sf -Z --parallel-max 8 -K $OUT_DIR/segs-lat.cfg && sync $OUT/*.ts'"
  "hls20ms/ffmpeg-copy-mp4|$HLS|$FFMPEG -loglevel error -y -i $L/hls/v1080/index.m3u8 -map 0 -c copy $OUT/hls.mp4"
  "hls20ms/aniworld-then-ffmpeg-2pass|$HLS|$FETCH $N --hls $U --quiet $L/hls/master.m3u8 $OUT/hls.ts && $FFMPEG -loglevel error -y -i $OUT/hls.ts -map 0 -c copy $OUT/hls.mp4"
  "hls20ms/aniworld-default|$HLS|$FETCH --defaults --hls --quiet $L/hls/master.m3u8 $OUT/hls.mp4"
  "hls20ms/aniworld-default-ffmpegpipe|$HLS|$FETCH --defaults --ffmpeg-pipe --hls --quiet $L/hls/master.m3u8 $OUT/hls.mp4"
  "hls20ms/aniworld-default-noffmpeg|$HLS|$FETCH --defaults $N --hls --quiet $L/hls/master.m3u8 $OUT/hls.mp4"
  "hls20ms/aniworld-nobudget|$HLS|$FETCH --ffmpeg --ffprobe --hls $U --quiet $L/hls/master.m3u8 $OUT/hls.mp4"
  "hls20ms/aniworld-nobudget-noffmpeg|$HLS|$FETCH $N --hls $U --quiet $L/hls/master.m3u8 $OUT/hls.mp4"
  "hls20ms/yt-dlp-N8|$HLS|YTDLP -q --no-progress -N 8 -o $OUT/hls.mp4 $L/hls/master.m3u8"
  "aes/ffmpeg-copy-mp4|$HLS|$FFMPEG -loglevel error -y -i $D/aes/v1080/index.m3u8 -map 0 -c copy $OUT/hls.mp4"
  "aes/aniworld-default|$HLS|$FETCH --defaults --hls --quiet $D/aes/master.m3u8 $OUT/hls.mp4"
  "aes/aniworld-default-ffmpegpipe|$HLS|$FETCH --defaults --ffmpeg-pipe --hls --quiet $D/aes/master.m3u8 $OUT/hls.mp4"
  "aes/aniworld-default-noffmpeg|$HLS|$FETCH --defaults $N --hls --quiet $D/aes/master.m3u8 $OUT/hls.mp4"
  "aes/aniworld-nobudget|$HLS|$FETCH --ffmpeg --ffprobe --hls $U --quiet $D/aes/master.m3u8 $OUT/hls.mp4"
  "aes/aniworld-nobudget-noffmpeg|$HLS|$FETCH $N --hls $U --quiet $D/aes/master.m3u8 $OUT/hls.mp4"
  "faults-direct/aniworld-default|$GIB|$FETCH --defaults --quiet $F/big.mp4 $OUT/big.mp4"
  "faults-direct/yt-dlp|$GIB|YTDLP -q --no-progress -o $OUT/big.mp4 $F/big.mp4"
  "faults-hls/aniworld-default|$HLS|$FETCH --defaults --hls --quiet $F/hls/master.m3u8 $OUT/hls.mp4"
  "faults-hls/yt-dlp-N8|$HLS|YTDLP -q --no-progress -N 8 -o $OUT/hls.mp4 $F/hls/master.m3u8"
  "mem100/aniworld-default|$HLS100|$FETCH --defaults --hls --quiet $D/hls/v1080/index.m3u8?segments=100 $OUT/hls.mp4"
  "mem600/aniworld-default|$HLS|$FETCH --defaults --hls --quiet $D/hls/v1080/index.m3u8 $OUT/hls.mp4"
)

# Every case starts from the same page cache: emptied, then the served data and the tools read
# back in. On
# the VM these figures come from, a run after cases that had filled gigabytes of cache was up to
# 50 % slower, the extra time spent in the kernel's copy into the page cache (likely the host
# faulting in guest memory), and more so for a tool that writes more. DROP_CACHES=0 (or not
# being root) leaves the cache alone.
reset_cache() {
  [ "${DROP_CACHES:-1}" = 1 ] && [ -w /proc/sys/vm/drop_caches ] || return 0
  echo 3 > /proc/sys/vm/drop_caches
  cat "$DATA" "$TSDATA" "$AESDATA" > /dev/null
  # the tools as warm as on a media server that runs them all day (ffprobe's libraries are
  # 50 MB: loading them cold cost 0.3 s per check)
  "$FFMPEG" -hide_banner -version > /dev/null
  "$FFPROBE" -hide_banner -version > /dev/null
  "$FETCH" --help > /dev/null 2>&1 || true
  curl --version > /dev/null
  [ -z "$YTDLP" ] || "$YTDLP" --version > /dev/null
}

RESULTS=$OUT_DIR/results.tsv
: > "$RESULTS"
run_case() { # round name bytes command
  local round=$1 name=$2 bytes=$3 cmd=$4
  if [[ $cmd == YTDLP* ]]; then
    [ -n "$YTDLP" ] || return 0
    cmd="$YTDLP${cmd#YTDLP}"
  fi
  rm -rf "$OUT"; mkdir -p "$OUT"; : > "$HELPER_LOG"; curl -sf -o /dev/null "$F/reset"; sync
  reset_cache
  local t0 t1 ok=1
  t0=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$OUT_DIR/time.txt" timeout 300 sh -c "$cmd" > "$OUT_DIR/cmd.log" 2>&1 || ok=0
  t1=$(date +%s.%N)
  if [ $ok = 0 ]; then echo "$name failed: $(tail -3 "$OUT_DIR/cmd.log")" >&2; fi
  local tree own helper remuxed secs
  tree=$(tail -1 "$OUT_DIR/time.txt")
  own=$(sed -n 's/.*peak_rss_kib=\([0-9]*\).*/\1/p' "$OUT_DIR/cmd.log")
  remuxed=$(sed -n 's/.*remuxed=\([a-z]*\).*/\1/p' "$OUT_DIR/cmd.log")
  helper=$(awk '{print $2}' "$HELPER_LOG" | sort -n | tail -1)
  secs=$(echo "$t1 - $t0" | bc -l)
  printf '%s\t%d\t%d\t%.3f\t%.1f\t%.1f\t%s\t%s\t%s\n' "$name" "$round" "$ok" "$secs" \
    "$(echo "$bytes / 1048576 / $secs" | bc -l)" "$(echo "$tree / 1024" | bc -l)" \
    "$(if [ -n "$own" ]; then echo "$own / 1024" | bc -l | xargs printf '%.1f'; else echo -; fi)" \
    "$(if [ -n "$helper" ]; then echo "$helper / 1024" | bc -l | xargs printf '%.1f'; else echo -; fi)" \
    "${remuxed:--}" | tee -a "$RESULTS"
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo -e "case\tround\tok\tseconds\tMiB/s\ttree_peak_MB\town_peak_MB\thelper_peak_MB\tremuxed"
for round in $(seq "$ROUNDS"); do
  for c in "${CASES[@]}"; do
    IFS='|' read -r name bytes cmd <<< "$c"
    [[ $name =~ $ONLY ]] || continue
    run_case "$round" "$name" "$bytes" "$cmd"
  done
  echo "load after round $round: $(cut -d' ' -f1-3 /proc/loadavg)"
done

median() { sort -n | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print "-"}'; }
echo; echo -e "case\tmedian_MiB/s\tmin\tmax\tmedian_tree_MB\tmedian_own_MB\tmedian_helper_MB\tfailed_runs"
for c in $(cut -f1 "$RESULTS" | awk '!seen[$0]++'); do
  col() { awk -F'\t' -v c="$c" -v k="$1" '$1==c && $k!="-" {print $k}' "$RESULTS"; }
  speeds=$(col 5)
  echo -e "$c\t$(echo "$speeds" | median)\t$(echo "$speeds" | sort -n | head -1)\t$(echo "$speeds" | sort -n | tail -1)\t$(col 6 | median)\t$(col 7 | median)\t$(col 8 | median)\t$(awk -F'\t' -v c="$c" '$1==c && $3==0' "$RESULTS" | wc -l)"
done
