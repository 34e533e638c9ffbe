#!/usr/bin/env python3
"""Local media server for the download benchmarks (python3 standard library only).

Serves:
  /big.mp4                   the first GiB of --data (benches/run.sh makes it a real MP4: a clip
                             and a `free` box of random bytes), with Range support
  /hls/master.m3u8           a master playlist with three variants (360p, 720p, 1080p)
  /hls/<v>/index.m3u8        600 segments per variant (?segments=N: the first N)
  /hls/<v>/seg<N>.ts         slice N (--segment-bytes long) of --hls-data
  /aes/master.m3u8 ...       the same, AES-128 encrypted: slices of --aes-data, whose segment N
                             is encrypted with the key at /aes/key.bin and IV = N (RFC 8216)
Bodies go out with os.sendfile.

--hls-data is real MPEG-TS for the runs with ffmpeg (the remux must have media to work on);
--hls-seconds is the playing time of the 600 segments together (the #EXTINF values add up to
it, so a duration check passes). --latency-ms waits before every response. Faults:
--cut-every N closes a /big.mp4 response after N bytes; --fail-percent P answers 503 to the
first request of P % of the segments (the same segments in every run; GET /reset forgets which
were answered).

usage: media_server.py --data FILE --port PORT [--hls-data FILE] [--segment-bytes N]
       [--hls-seconds S] [--aes-data FILE --aes-key HEX] [--latency-ms MS]
       [--cut-every N] [--fail-percent P]
"""

import argparse
import os
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MIB = 1 << 20
SEGMENTS = 600
VARIANTS = [("v360", 640, 360, 800_000), ("v720", 1280, 720, 2_800_000),
            ("v1080", 1920, 1080, 5_000_000)]


def master():
    lines = ["#EXTM3U", "#EXT-X-VERSION:3"]
    for name, w, h, bw in VARIANTS:
        lines.append(f"#EXT-X-STREAM-INF:BANDWIDTH={bw},RESOLUTION={w}x{h}")
        lines.append(f"{name}/index.m3u8")
    return ("\n".join(lines) + "\n").encode()


def media(seconds, key_uri=None, segments=SEGMENTS):
    each = seconds / segments
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{int(each) + 1}",
             "#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-PLAYLIST-TYPE:VOD"]
    if key_uri:
        lines.append(f'#EXT-X-KEY:METHOD=AES-128,URI="{key_uri}"')
    for i in range(segments):
        lines.append(f"#EXTINF:{each:.3f},")
        lines.append(f"seg{i}.ts")
    lines.append("#EXT-X-ENDLIST")
    return ("\n".join(lines) + "\n").encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    data_fd = None
    data_len = 0
    hls_fd = None
    seg_bytes = MIB
    aes_fd = None
    aes_seg_bytes = MIB
    aes_key = b""
    hls_seconds = 2400.0
    latency = 0.0
    cut_every = 0
    fail_percent = 0
    failed = set()
    lock = threading.Lock()

    def log_message(self, *args):
        pass

    def small(self, body, ctype, status=200):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def file_slice(self, fd, start, length, total, ctype, ranged):
        if ranged:
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{start + length - 1}/{total}")
        else:
            self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(length))
        self.end_headers()
        self.wfile.flush()
        sock = self.connection
        offset, left = start, length
        budget = self.cut_every if (self.cut_every and fd == self.data_fd) else None
        while left > 0:
            step = min(left, 8 * MIB)
            if budget is not None:
                if budget <= 0:
                    # a dropped connection: the client must resume with a Range request
                    self.close_connection = True
                    try:
                        sock.shutdown(2)
                    except OSError:
                        pass
                    return
                step = min(step, budget)
            sent = os.sendfile(sock.fileno(), fd, offset, step)
            if sent == 0:
                break
            offset += sent
            left -= sent
            if budget is not None:
                budget -= sent

    def should_fail(self, key):
        if not self.fail_percent:
            return False
        n = int(key.split("/")[-1])
        if (n * 7919) % 100 >= self.fail_percent:
            return False
        with self.lock:
            if key in self.failed:
                return False
            self.failed.add(key)
            return True

    def do_GET(self):
        if self.latency:
            time.sleep(self.latency)
        path = self.path.split("?", 1)[0]
        if path == "/reset":
            # the next run meets the same failures again
            with self.lock:
                self.failed.clear()
            return self.small(b"", "text/plain", 200)
        if path == "/big.mp4":
            total = min(self.data_len, 1 << 30)
            rng = self.headers.get("Range")
            m = re.match(r"bytes=(\d+)-(\d*)$", rng or "")
            if m:
                start = int(m.group(1))
                end = int(m.group(2)) if m.group(2) else total - 1
                end = min(end, total - 1)
                if start > end:
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{total}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                return self.file_slice(self.data_fd, start, end - start + 1, total,
                                       "video/mp4", True)
            return self.file_slice(self.data_fd, 0, total, total, "video/mp4", False)
        m = re.match(r"/(hls|aes)/(master\.m3u8|key\.bin|(v\d+)/(index\.m3u8|seg(\d+)\.ts))$",
                     path)
        if not m or (m.group(1) == "aes" and self.aes_fd is None):
            return self.small(b"", "text/plain", 404)
        kind = m.group(1)
        if m.group(2) == "master.m3u8":
            return self.small(master(), "application/vnd.apple.mpegurl")
        if m.group(2) == "key.bin":
            return self.small(self.aes_key, "application/octet-stream")
        if m.group(4) == "index.m3u8":
            key = "/aes/key.bin" if kind == "aes" else None
            q = re.search(r"[?&]segments=(\d+)", self.path)
            n = min(int(q.group(1)), SEGMENTS) if q else SEGMENTS
            seconds = self.hls_seconds * n / SEGMENTS
            return self.small(media(seconds, key, n), "application/vnd.apple.mpegurl")
        n = int(m.group(5))
        if n >= SEGMENTS:
            return self.small(b"", "text/plain", 404)
        if self.should_fail(f"{kind}/{m.group(3)}/{n}"):
            return self.small(b"busy", "text/plain", 503)
        fd, size = ((self.aes_fd, self.aes_seg_bytes) if kind == "aes"
                    else (self.hls_fd, self.seg_bytes))
        return self.file_slice(fd, n * size, size, size, "video/mp2t", False)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        # clients closing kept-alive connections (curl -Z, cut transfers) are not news
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--hls-data")
    ap.add_argument("--segment-bytes", type=int, default=MIB)
    ap.add_argument("--hls-seconds", type=float, default=2400.0)
    ap.add_argument("--aes-data")
    ap.add_argument("--aes-key", default="")
    ap.add_argument("--latency-ms", type=float, default=0.0)
    ap.add_argument("--cut-every", type=int, default=0)
    ap.add_argument("--fail-percent", type=int, default=0)
    a = ap.parse_args()
    Handler.data_fd = os.open(a.data, os.O_RDONLY)
    Handler.data_len = os.fstat(Handler.data_fd).st_size
    Handler.hls_fd = os.open(a.hls_data, os.O_RDONLY) if a.hls_data else Handler.data_fd
    Handler.seg_bytes = a.segment_bytes
    if a.aes_data:
        Handler.aes_fd = os.open(a.aes_data, os.O_RDONLY)
        # PKCS#7 pads every segment to the next multiple of 16 bytes
        Handler.aes_seg_bytes = (a.segment_bytes // 16 + 1) * 16
        Handler.aes_key = bytes.fromhex(a.aes_key)
    Handler.hls_seconds = a.hls_seconds
    Handler.latency = a.latency_ms / 1000.0
    Handler.cut_every = a.cut_every
    Handler.fail_percent = a.fail_percent
    with Server(("127.0.0.1", a.port), Handler) as srv:
        srv.serve_forever()


if __name__ == "__main__":
    main()
