#!/usr/bin/env bash
# Batch benchmark (issue "Scale and robustness"): simulates N 96-well plates and times
# `platesyn analyze` without figures and with PNG heatmaps (`--figures heatmaps`; set
# FIGURES="none heatmaps all" to add every figure), recording wall time and peak memory
# (/usr/bin/time -v) and the per-stage wall times platesyn prints.
# Usage: benches/batch/run.sh [N ...]   (default: 1000 10000; BATCH_WORK=DIR keeps the data)
set -euo pipefail
cd "$(dirname "$0")/../.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000)
read -r -a figsets <<< "${FIGURES:-none heatmaps}"
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
cargo build --release -q -p platesyn-cli
bin=target/release/platesyn
work=${BATCH_WORK:-$(mktemp -d)}
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(date -u +%Y-%m-%dT%H:%MZ); load $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-8s %-10s %10s %10s %9s\n" plates figures wall_s peak_MB figures_n
for n in "${sizes[@]}"; do
  sim="$work/sim$n"
  [ -f "$sim/screen.toml" ] || "$bin" simulate --out "$sim" --plates "$n" --seed 7 >/dev/null
  for fig in "${figsets[@]}"; do
    out="$work/out$n-$fig"
    rm -rf "$out"
    args=(analyze "$sim/screen.toml" --out "$out")
    if [ "$fig" = none ]; then args+=(--no-figures); else args+=(--figures "$fig"); fi
    /usr/bin/time -v "$bin" "${args[@]}" >/dev/null 2>"$work/time.log" || true
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/{print $2}' "$work/time.log")
    secs=$(echo "$wall" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
    kb=$(awk -F': ' '/Maximum resident set size/{print $2}' "$work/time.log")
    nfig=$( (ls "$out/figures" 2>/dev/null || true) | wc -l)
    printf "%-8s %-10s %10.1f %10.0f %9s\n" "$n" "$fig" "$secs" "$((kb / 1024))" "$nfig"
    grep '^stages:' "$work/time.log" | sed 's/^/         /' || true
  done
done
