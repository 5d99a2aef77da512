#!/usr/bin/env bash
# Kill test (issue "Scale and robustness"): starts `platesyn analyze` on a simulated batch,
# kills it with SIGKILL mid-run, and checks that
#  1. every file under a final name in DIR is complete (byte-identical to an unkilled run's);
#  2. only hidden temporary files (.NAME.tmp-PID-N) can be partial;
#  3. a rerun with --force completes with the same bytes as the unkilled run (manifest.json,
#     which carries a timestamp, excepted) and removes the stale temporary files.
# Usage: scripts/kill_test.sh [PLATES]   (default 120)
set -euo pipefail
cd "$(dirname "$0")/.."
plates=${1:-120}
cargo build -q -p platesyn-cli
bin=target/debug/platesyn
work=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
"$bin" simulate --out "$work/sim" --plates "$plates" --seed 11 >/dev/null
"$bin" analyze "$work/sim/screen.toml" --out "$work/ref" --quiet >/dev/null || [ $? -eq 1 ]

"$bin" analyze "$work/sim/screen.toml" --out "$work/killed" --quiet >/dev/null 2>&1 &
pid=$!
# wait until it is writing figures, then kill it hard
for _ in $(seq 1 400); do
  n=$( (find "$work/killed/figures" -type f 2>/dev/null || true) | wc -l)
  [ "$n" -ge 20 ] && break
  sleep 0.05
done
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
n_final=0; n_tmp=0
while IFS= read -r -d '' f; do
  rel=${f#"$work/killed/"}
  base=$(basename "$rel")
  if [[ "$base" == .*.tmp-* ]]; then n_tmp=$((n_tmp + 1)); continue; fi
  n_final=$((n_final + 1))
  [ "$base" = manifest.json ] && continue
  cmp -s "$f" "$work/ref/$rel" || { echo "FAIL: $rel is not the complete file after SIGKILL"; exit 1; }
done < <(find "$work/killed" -type f -print0)
echo "after SIGKILL: $n_final complete files, $n_tmp temporary files, none half-written under a final name"
[ ! -f "$work/killed/manifest.json" ] || echo "note: the run had finished before the kill"

"$bin" analyze "$work/sim/screen.toml" --out "$work/killed" --quiet --force >/dev/null || [ $? -eq 1 ]
left=$(find "$work/killed" -name '.*.tmp-*' | wc -l)
[ "$left" -eq 0 ] || { echo "FAIL: $left stale temporary files after the rerun"; exit 1; }
diff -rq -x manifest.json "$work/ref" "$work/killed" || { echo "FAIL: rerun differs from the unkilled run"; exit 1; }
echo "rerun: identical to the unkilled run"
echo "1 passed, 0 failed"
