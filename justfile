# platesyn tasks. `just` is optional: every recipe is a plain command you can paste.

# build everything (debug)
build:
    cargo build --workspace

# README's test command
test:
    cargo test --workspace

# formatting and lints as CI runs them
lint:
    cargo fmt --all --check
    cargo clippy --workspace --all-targets --locked -- -D warnings

# criterion benchmarks (release)
bench:
    cargo bench --workspace

# README's main command: analyze the demo screen shipped in fixtures/
demo:
    cargo run -p platesyn-cli -- analyze fixtures/demo/screen.toml --out target/demo-report --force

# what .ci/run runs
ci:
    bash .ci/run
