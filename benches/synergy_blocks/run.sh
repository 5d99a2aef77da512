#!/usr/bin/env bash
# 100,000-block reanalysis benchmark (issue "Scale and robustness"): writes one long table of
# N 8x8 combination blocks (doses 0 + 7 per drug, SynergyFinder-style columns, viability %,
# Hill monotherapies with a Bliss-like combination plus 3 % noise; seeded) and times
# `platesyn synergy` on it (per-cell rows, then --summary), recording wall time and peak
# memory (/usr/bin/time -v). Usage: benches/synergy_blocks/run.sh [N]   (default 100000)
set -euo pipefail
cd "$(dirname "$0")/../.."
n="${1:-100000}"
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
cargo build --release -q -p platesyn-cli
bin=target/release/platesyn
work=${SYNERGY_WORK:-$(mktemp -d)}
data="$work/blocks$n.csv"
if [ ! -f "$data" ]; then
  python3 - "$n" "$data" <<'PY'
import math, random, sys
n, path = int(sys.argv[1]), sys.argv[2]
rng = random.Random(7)
doses = [0.0] + [0.01 * 3.0 ** k for k in range(7)]
with open(path, "w") as f:
    f.write("block_id,drug1,drug2,conc1,conc2,response,conc_unit\n")
    for b in range(n):
        ea, eb = 10 ** rng.uniform(-1.5, 0.5), 10 ** rng.uniform(-1.5, 0.5)
        ha, hb = rng.uniform(0.7, 2.5), rng.uniform(0.7, 2.5)
        s = rng.uniform(-0.15, 0.25)  # synergy strength on the inhibition scale
        lines = []
        for a in doses:
            va = 1.0 / (1.0 + (a / ea) ** ha) if a > 0 else 1.0
            for c in doses:
                vb = 1.0 / (1.0 + (c / eb) ** hb) if c > 0 else 1.0
                v = va * vb
                if a > 0 and c > 0:
                    v *= 1.0 - s * (1.0 - v)
                v = 100.0 * v + rng.gauss(0.0, 3.0)
                lines.append(f"{b},d{b % 97},p{b % 89},{a:.6g},{c:.6g},{v:.4f},uM\n")
        f.writelines(lines)
PY
fi
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(date -u +%Y-%m-%dT%H:%MZ)"
echo "input: $n blocks, $(wc -l < "$data") lines, $(du -m "$data" | cut -f1) MB"
printf "%-10s %10s %12s %12s\n" output wall_s peak_MB out_rows
for mode in cells summary; do
  out="$work/out-$mode.csv"
  args=(synergy "$data" --response viability --scale percent --out "$out")
  [ "$mode" = summary ] && args+=(--summary)
  /usr/bin/time -v "$bin" "${args[@]}" 2>"$work/time.log" >/dev/null || { cat "$work/time.log"; exit 1; }
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/{print $2}' "$work/time.log")
  secs=$(echo "$wall" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  kb=$(awk -F': ' '/Maximum resident set size/{print $2}' "$work/time.log")
  printf "%-10s %10.1f %12.0f %12s\n" "$mode" "$secs" "$((kb / 1024))" "$(($(wc -l < "$out") - 1))"
done
