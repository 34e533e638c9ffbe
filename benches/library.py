#!/usr/bin/env python3
"""The library benchmark of issue 20 (docs/bench-library.md): one release-built service per
library size, seeded through the store, against a local fake catalogue at default politeness.

For each size (default 1,000 and 10,000 series) it measures, in one run of one process:
start-up to the first /health 200; changed rescans of the unchanged library
(POST /api/anime/rescan?mode=changed), counting the catalogue requests the fake answered and the
wall time until the scan ended, with the process RSS sampled meanwhile; then `wrk -c64 -d10s` on
/health and on GET /api/anime (page 1 of 20, the default filter and sort) with the RSS sampled
during each. The rescans are:

  A  nothing due (the library was just scanned): the list of new episodes only
  B  30 re-checks due (the default cap), no validators stored yet: each read in full
  C  the same 30 due again, validators stored: each one 304

Usage: benches/library.py [SIZE ...]   (builds nothing; run the cargo commands of
docs/bench-library.md first). Needs wrk (Debian: apt-get install wrk).
"""

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
RELEASE = os.path.join(TARGET, "release")
SERVER = os.path.join(RELEASE, "aniworld")
SEED = os.path.join(RELEASE, "examples", "seed_library")
FAKE = os.path.join(RELEASE, "examples", "bench_catalogue")
PASSWORD = "Bench#Pass1"
DUE = 30  # the default scheduler.max_rechecks_per_run


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load():
    return open("/proc/loadavg").read().split()[0]


def rss_mib(pid):
    m = re.search(r"VmRSS:\s+(\d+) kB", open(f"/proc/{pid}/status").read())
    return int(m.group(1)) / 1024


class Sampler:
    """The highest RSS of `pid` while the `with` block runs (sampled every 20 ms)."""

    def __init__(self, pid):
        self.pid, self.peak, self.stop = pid, 0.0, threading.Event()

    def __enter__(self):
        def run():
            while not self.stop.is_set():
                self.peak = max(self.peak, rss_mib(self.pid))
                time.sleep(0.02)
        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        self.peak = max(self.peak, rss_mib(self.pid))


def request(method, url, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read() or b"null")


def wrk(url, token=None):
    cmd = ["wrk", "-t2", "-c64", "-d10s", "--latency"]
    if token:
        cmd += ["-H", f"Authorization: Bearer {token}"]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+\w+)", out).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, p99, int(errors.group(1)) if errors else 0, out


class Fake:
    def __init__(self, series):
        self.p = subprocess.Popen([FAKE, "--series", str(series)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        self.url = self.p.stdout.readline().split()[1]

    def count(self):
        self.p.stdin.write("count\n")
        self.p.stdin.flush()
        return int(self.p.stdout.readline())

    def close(self):
        self.p.stdin.write("quit\n")
        self.p.stdin.close()
        self.p.wait(timeout=30)


def config(fake_url, anime_dir):
    c = json.load(open(os.path.join(ROOT, "config", "default.json")))
    c["other"]["anime_directory"] = anime_dir
    c["scheduler"]["enabled"] = False
    c["provider"]["base_url"] = fake_url
    c["provider"]["canary_interval_minutes"] = 0
    for site in c["provider"]["sites"]:
        if site["id"] == "aniworld.to":
            site["base_url"] = fake_url
    return c


def rescan(base, token, fake, pid):
    before = fake.count()
    with Sampler(pid) as s:
        t0 = time.perf_counter()
        request("POST", f"{base}/api/anime/rescan?mode=changed", token=token)
        while request("GET", f"{base}/api/anime/status", token=token)["scan_in_progress"]:
            time.sleep(0.02)
        wall = time.perf_counter() - t0
    return fake.count() - before, wall, s.peak


def bench(size):
    row = {"series": size}
    fake = Fake(size)
    with tempfile.TemporaryDirectory() as data, tempfile.TemporaryDirectory() as anime:
        t0 = time.perf_counter()
        out = subprocess.run([SEED, "--data-dir", data, "--series", str(size)],
                             capture_output=True, text=True, check=True).stdout.strip()
        row["seed_s"] = time.perf_counter() - t0
        print(f"  {out}", flush=True)
        json.dump(config(fake.url, anime), open(os.path.join(data, "config.json"), "w"))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = dict(os.environ, ANIWORLD_LOG="warn")
        t0 = time.perf_counter()
        p = subprocess.Popen([SERVER, "--port", str(port), "--data-dir", data], env=env,
                             stderr=subprocess.DEVNULL)
        while True:
            try:
                if urllib.request.urlopen(f"{base}/health", timeout=1).status == 200:
                    break
            except OSError:
                time.sleep(0.001)
            if time.perf_counter() - t0 > 30:
                raise SystemExit("not ready after 30 s")
        row["start_ms"] = (time.perf_counter() - t0) * 1000
        try:
            request("POST", f"{base}/api/auth/setup", {"master_password": PASSWORD})
            token = request("POST", f"{base}/api/auth/login", {"password": PASSWORD})["access_token"]
            time.sleep(1)
            row["idle_rss"] = rss_mib(p.pid)
            row["load"] = load()
            # The rescans first, so their memory is not mixed up with what the load below
            # leaves allocated (connection buffers, worker stacks).
            for name, due in [("A", 0), ("B", DUE), ("C", DUE)]:
                if due:
                    subprocess.run([SEED, "--data-dir", data, "--mark-due", str(due)],
                                   capture_output=True, check=True)
                row[name] = rescan(base, token, fake, p.pid)
            row["load_before_wrk"] = load()
            with Sampler(p.pid) as s:
                row["health_rps"], row["health_p99"], _, _ = wrk(f"{base}/health")
            row["health_rss"] = s.peak
            with Sampler(p.pid) as s:
                rps, p99, errors, out = wrk(f"{base}/api/anime", token)
            if errors:
                print(out)
                raise SystemExit(f"GET /api/anime: {errors} answers that were not 2xx")
            row["anime_rps"], row["anime_p99"], row["anime_rss"] = rps, p99, s.peak
            row["load_end"] = load()
        finally:
            p.terminate()
            p.wait(timeout=30)
            fake.close()
    return row


def main():
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 10000]
    for exe in (SERVER, SEED, FAKE):
        if not os.path.exists(exe):
            raise SystemExit(f"{exe} is missing: build it first (docs/bench-library.md)")
    rows = []
    for size in sizes:
        print(f"{size} series (load {load()})", flush=True)
        rows.append(bench(size))
        print(f"  {rows[-1]}", flush=True)
    print()
    print("| series | start -> /health | /health req/s (p99) | GET /api/anime req/s (p99) | ratio "
          "| RSS idle / wrk peak | changed rescan A: requests, wall, RSS peak | B | C | load |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        rs = lambda k: f"{r[k][0]} req, {r[k][1]:.2f} s, {r[k][2]:.1f} MiB"
        print(f"| {r['series']:,} | {r['start_ms']:.0f} ms | {r['health_rps']:,.0f} ({r['health_p99']}) "
              f"| {r['anime_rps']:,.0f} ({r['anime_p99']}) | {r['anime_rps'] / r['health_rps']:.2f} "
              f"| {r['idle_rss']:.1f} / {max(r['health_rss'], r['anime_rss']):.1f} MiB "
              f"| {rs('A')} | {rs('B')} | {rs('C')} | {r['load']} / {r['load_before_wrk']} / {r['load_end']} |")


if __name__ == "__main__":
    main()
