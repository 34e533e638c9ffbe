# Everyday commands. Each one is plain cargo underneath; `just` is never required.

# run every test (what .ci/run runs)
test:
    cargo test --workspace

# API fuzzing against a freshly started service (what .ci/run runs after the tests)
fuzz:
    .ci/fuzz-api.sh

# formatting and lints, as CI expects them
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# format the code
fmt:
    cargo fmt --all

# run the service (release build) with any extra flags: just run --port 0
run *ARGS:
    cargo run --release -- {{ARGS}}

# server benchmark (docs/bench-server.md): idle RSS, start -> first /health, /health req/s with wrk
bench:
    cargo build --release -p aniworld-server
    just bench-server

# the measurements of `bench`, on an already built release binary
bench-server:
    #!/usr/bin/env python3
    import os, re, subprocess, tempfile, time, urllib.request
    target = os.environ.get("CARGO_TARGET_DIR", "target")
    exe = os.path.join(target, "release", "aniworld")
    port = "18731"
    url = f"http://127.0.0.1:{port}/health"
    with tempfile.TemporaryDirectory() as data:
        env = dict(os.environ, ANIWORLD_LOG="warn")
        t0 = time.perf_counter()
        p = subprocess.Popen([exe, "--port", port, "--data-dir", data], env=env, stderr=subprocess.DEVNULL)
        while True:
            try:
                if urllib.request.urlopen(url, timeout=1).status == 200:
                    break
            except OSError:
                time.sleep(0.001)
            if time.perf_counter() - t0 > 10:
                raise SystemExit("not ready after 10 s")
        ready_ms = (time.perf_counter() - t0) * 1000
        time.sleep(2)
        rss = re.search(r"VmRSS:\s+(\d+) kB", open(f"/proc/{p.pid}/status").read()).group(1)
        print(f"start -> first /health: {ready_ms:.1f} ms")
        print(f"idle RSS after start:   {int(rss) / 1024:.1f} MiB")
        out = subprocess.run(["wrk", "-t2", "-c64", "-d10s", url], capture_output=True, text=True).stdout
        print(out)
        rss = re.search(r"VmRSS:\s+(\d+) kB", open(f"/proc/{p.pid}/status").read()).group(1)
        print(f"RSS after the load:     {int(rss) / 1024:.1f} MiB")
        p.terminate()
        p.wait(timeout=30)
