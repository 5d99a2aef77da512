#!/usr/bin/env bash
# Score the same 8x8 matrix with platesyn (release, single thread) and with the Python
# `synergy` package (throwaway venv), print both times per block and the ratio.
# Usage: crates/platesyn-synergy/benches/synergy_vs_python/run.sh   (from the repo root)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
venv="${VENV:-/tmp/venv-syn}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet synergy
fi
"$venv/bin/python" "$here/make_matrix.py" "$work/matrix.csv"
(cd "$root" && cargo build --quiet --release -p platesyn-synergy --example score_matrix)
rs="$("$root/target/release/examples/score_matrix" "$work/matrix.csv" "${REPS_RS:-2000}")"
py="$("$venv/bin/python" "$here/time_python.py" "$work/matrix.csv" "${REPS_PY:-10}")"
# the same matrix with the global (least-squares) fitter, for comparison
rg="$("$root/target/release/examples/score_matrix" "$work/matrix.csv" "${REPS_RS:-2000}" global)"
echo "$rs"
echo "$rg" | grep -E 'fit_mode|per_block'
echo "$py"
t_rs="$(echo "$rs" | awk '/platesyn_seconds_per_block/ {print $2}')"
t_py="$(echo "$py" | awk '/python_seconds_per_block/ {print $2}')"
c_rs="$(echo "$rs" | awk '/platesyn_cpu_seconds_per_block/ {print $2}')"
c_py="$(echo "$py" | awk '/python_cpu_seconds_per_block/ {print $2}')"
echo "load: $(uptime)"
awk -v r="$t_rs" -v p="$t_py" -v cr="${c_rs:-0}" -v cp="${c_py:-0}" 'BEGIN {
  printf "platesyn: %.3f ms wall, %.3f ms thread CPU per 8x8 block (Bliss+HSA+Loewe+ZIP)\n", r * 1000, cr * 1000;
  printf "python synergy: %.3f ms wall, %.3f ms thread CPU per 8x8 block (Bliss+HSA+Loewe+ZIP)\n", p * 1000, cp * 1000;
  printf "ratio python/platesyn: %.1fx wall", p / r;
  if (cr > 0 && cp > 0) printf ", %.1fx CPU", cp / cr;
  printf "\n" }'
