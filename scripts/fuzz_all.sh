#!/usr/bin/env bash
# Run every cargo-fuzz target in fuzz/ for SECS seconds each (default 600), one after the
# other, and print one summary line per target (executions, coverage, crashes).
# Usage: scripts/fuzz_all.sh [SECS] [target ...]      logs: fuzz/logs/<target>.log
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`); stable toolchain + RUSTC_BOOTSTRAP=1.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
secs="${1:-600}"; shift || true
cd "$root/fuzz"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(ls fuzz_targets | sed 's/\.rs$//')
./seed_corpus.sh >/dev/null
export RUSTC_BOOTSTRAP=1
cargo fuzz build -O >/dev/null
bin="$root/fuzz/target/x86_64-unknown-linux-gnu/release"
mkdir -p logs artifacts
printf '%-14s %8s %10s %8s %12s %8s %8s\n' target ran_s execs exec/s cov_start-end ft crashes
for t in "${targets[@]}"; do
  mkdir -p "artifacts/$t"
  set +e
  "$bin/$t" "corpus/$t" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=30 \
    -artifact_prefix="artifacts/$t/" -print_final_stats=1 >"logs/$t.log" 2>&1
  rc=$?
  set -e
  start=$(grep -m1 -o 'INITED cov: [0-9]*' "logs/$t.log" | grep -o '[0-9]*$' || echo '?')
  last=$(grep -E '#[0-9]+' "logs/$t.log" | grep -E 'cov: ' | tail -1)
  cov=$(echo "$last" | grep -o 'cov: [0-9]*' | grep -o '[0-9]*' || echo '?')
  ft=$(echo "$last" | grep -o 'ft: [0-9]*' | grep -o '[0-9]*' || echo '?')
  execs=$(awk '/stat::number_of_executed_units:/{print $2}' "logs/$t.log")
  eps=$(awk '/stat::average_exec_per_sec:/{print $2}' "logs/$t.log")
  ran=$(awk '/^Done [0-9]+ runs in/{print $5}' "logs/$t.log")
  crashes=$(find "artifacts/$t" -type f \( -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' -o -name 'leak-*' \) | wc -l)
  printf '%-14s %8s %10s %8s %12s %8s %8s  (exit %s)\n' "$t" "${ran:-?}" "${execs:-?}" "${eps:-?}" "$start->$cov" "$ft" "$crashes" "$rc"
done
