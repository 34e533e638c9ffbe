# Everyday commands. Each one is plain cargo underneath; `just` is never required.

# run every test (what .ci/run runs)
test:
    cargo test --workspace

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

# server benchmark: idle RSS, time to first /health, /health req/s (needs wrk)
bench:
    cargo build --release -p aniworld-server
    scripts/bench-server.sh
