#!/usr/bin/env python3
"""Local media server for the download benchmarks (python3 standard library only).

Serves, from one data file of at least 1 GiB:
  /big.mp4                         the whole file, with Range support (206 / Content-Range)
  /hls/master.m3u8                 a master playlist with three variants (360p, 720p, 1080p)
  /hls/<v>/index.m3u8              600 segments of 1 MiB each per variant
  /hls/<v>/seg<N>.ts               1 MiB slice N of the data file
Bodies go out with os.sendfile. --latency-ms waits before every response.

usage: media_server.py --data FILE --port PORT [--latency-ms MS]
"""

import argparse
import os
import re
import socketserver
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


def media():
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:4",
             "#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-PLAYLIST-TYPE:VOD"]
    for i in range(SEGMENTS):
        lines.append("#EXTINF:4.000,")
        lines.append(f"seg{i}.ts")
    lines.append("#EXT-X-ENDLIST")
    return ("\n".join(lines) + "\n").encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    data_fd = None
    data_len = 0
    latency = 0.0

    def log_message(self, *args):
        pass

    def small(self, body, ctype):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def file_slice(self, start, length, total, ctype, ranged):
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
        while left > 0:
            sent = os.sendfile(sock.fileno(), self.data_fd, offset, min(left, 8 * MIB))
            if sent == 0:
                break
            offset += sent
            left -= sent

    def do_GET(self):
        if self.latency:
            time.sleep(self.latency)
        path = self.path.split("?", 1)[0]
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
                return self.file_slice(start, end - start + 1, total, "video/mp4", True)
            return self.file_slice(0, total, total, "video/mp4", False)
        if path == "/hls/master.m3u8":
            return self.small(master(), "application/vnd.apple.mpegurl")
        m = re.match(r"/hls/(v\d+)/(index\.m3u8|seg(\d+)\.ts)$", path)
        if m and m.group(2) == "index.m3u8":
            return self.small(media(), "application/vnd.apple.mpegurl")
        if m and m.group(3) is not None:
            n = int(m.group(3))
            if n < SEGMENTS:
                return self.file_slice(n * MIB, MIB, MIB, "video/mp2t", False)
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--latency-ms", type=float, default=0.0)
    a = ap.parse_args()
    Handler.data_fd = os.open(a.data, os.O_RDONLY)
    Handler.data_len = os.fstat(Handler.data_fd).st_size
    Handler.latency = a.latency_ms / 1000.0
    with Server(("127.0.0.1", a.port), Handler) as srv:
        srv.serve_forever()


if __name__ == "__main__":
    main()
