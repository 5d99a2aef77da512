#!/usr/bin/env bash
# Fit the same 10,000 synthetic LL.4 curves (9 doses x 3 replicates, 5 % noise, seeded) with
# platesyn (release, single thread) and with scipy's curve_fit (LM, in a throwaway venv);
# print both timings and the ratio.  Usage: crates/platesyn-dose/benches/fit_vs_scipy/run.sh [N]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
n="${1:-10000}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install --quiet numpy scipy
"$tmp/venv/bin/python" "$here/curves.py" gen "$tmp/curves.csv" "$n"
(cd "$root" && cargo build --quiet --release -p platesyn-dose --example fit_csv)
rust_out="$("$root/target/release/examples/fit_csv" "$tmp/curves.csv" "$tmp/fits.csv")"
py_out="$("$tmp/venv/bin/python" "$here/curves.py" fit "$tmp/curves.csv")"
echo "$rust_out"
echo "$py_out"
rs="$(echo "$rust_out" | sed -n 's/.*median \([0-9.]*\) us.*/\1/p' | head -1)"
py="$(echo "$py_out" | sed -n 's/.*median \([0-9.]*\) us.*/\1/p' | head -1)"
echo "median per-curve ratio scipy/platesyn: $(python3 -c "print(round($py / $rs, 1))")x"
