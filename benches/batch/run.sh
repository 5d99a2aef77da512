#!/usr/bin/env bash
# Batch benchmark (issue "Scale and robustness"): simulates N 96-well plates and times
# `platesyn analyze` with and without figures, recording wall time and peak memory
# (/usr/bin/time -v). Usage: benches/batch/run.sh [N ...]   (default: 1000 10000)
set -euo pipefail
cd "$(dirname "$0")/../.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000)
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
cargo build --release -q -p platesyn-cli
bin=target/release/platesyn
work=${BATCH_WORK:-$(mktemp -d)}
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(date -u +%Y-%m-%dT%H:%MZ)"
printf "%-8s %-10s %10s %12s\n" plates figures wall_s peak_MB
for n in "${sizes[@]}"; do
  sim="$work/sim$n"
  [ -f "$sim/screen.toml" ] || "$bin" simulate --out "$sim" --plates "$n" --seed 7 >/dev/null
  for fig in none png; do
    out="$work/out$n-$fig"
    rm -rf "$out"
    args=(analyze "$sim/screen.toml" --out "$out" --quiet)
    [ "$fig" = none ] && args+=(--no-figures)
    /usr/bin/time -v "$bin" "${args[@]}" >/dev/null 2>"$work/time.log" || true
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/{print $2}' "$work/time.log")
    secs=$(echo "$wall" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
    kb=$(awk -F': ' '/Maximum resident set size/{print $2}' "$work/time.log")
    printf "%-8s %-10s %10.1f %12.0f\n" "$n" "$fig" "$secs" "$((kb / 1024))"
  done
done
