#!/usr/bin/env bash
# Build every cargo-fuzz target (fuzz/, its own workspace) and, with FUZZ_REPLAY=1, replay the
# seed corpus through each once, so the targets keep compiling against the parser APIs and no seed
# panics. Cheap flavour: debug profile, no sanitizer (`--dev -s none`); the fuzzing runs
# themselves (release + AddressSanitizer) are described in docs/robustness.md.
# cargo-fuzz needs nightly features; this stable toolchain gets them via RUSTC_BOOTSTRAP=1.
set -euo pipefail
cd "$(dirname "$0")/../.."
export RUSTC_BOOTSTRAP=1 CARGO_TERM_COLOR=never
start=$(date +%s)

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz"
  cargo install cargo-fuzz --locked --version 0.13.2
fi
cargo fuzz --version

flags=(--dev -s none)
cargo fuzz build "${flags[@]}"

targets=$(cargo fuzz list)
ref=../shared/ref/plates
if [ "${FUZZ_REPLAY:-0}" != 1 ]; then
  # CI builds the targets only (the issue's requirement); every seed file is already parsed
  # through the same public API by crates/platesyn-plate/tests/conformance_all.rs.
  echo "seed replay skipped (set FUZZ_REPLAY=1 to replay the reference files through each target)"
elif [ -d "$ref" ]; then
  seeds=fuzz/target/ci-seeds   # not fuzz/corpus: leave a developer's grown corpora alone
  rm -rf "$seeds"
  CORPUS_DIR="$seeds" bash fuzz/seed_corpus.sh "$ref" >/dev/null
  for t in $targets; do
    echo "replay seeds: $t ($(ls "$seeds/$t" | wc -l) files)"
    cargo fuzz run "${flags[@]}" "$t" "$seeds/$t" -- -runs=0 >/tmp/fuzz_replay_"$t".log 2>&1 || {
      tail -n 40 /tmp/fuzz_replay_"$t".log
      echo "0 passed, 1 failed"
      exit 1
    }
  done
elif [ "${CI:-}" = "true" ]; then
  echo "CI=true but $ref is missing" >&2
  exit 1
else
  echo "skipped: no ../shared (seed replay)"
fi

echo "fuzz targets built: $(echo $targets | wc -w) in $(( $(date +%s) - start )) s"
echo "1 passed, 0 failed"
