#!/usr/bin/env bash
# Renders the demo's report.html in headless Chromium (Debian's `chromium`, installed when
# missing) and asserts that every figure loaded and the key sections are present.
#
# report.html carries a small script that, once the page has loaded, writes
# `data-figures-loaded="LOADED/TOTAL"` on <body>; Chromium's --dump-dom shows the DOM after it ran.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  echo "installing chromium (Debian package)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo run -q -p platesyn-cli -- analyze fixtures/demo/screen.toml --out "$work/report" --quiet || {
  rc=$?
  # exit 1 means "something was itemized" (the demo has flagged wells); anything else is fatal
  [ "$rc" -eq 1 ] || exit "$rc"
}
report="$work/report/report.html"
[ -s "$report" ] || { echo "FAIL: no report.html"; exit 1; }

chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$work/profile" --virtual-time-budget=10000 \
  --dump-dom "file://$report" > "$work/dom.html" 2>"$work/chromium.log" || {
  echo "FAIL: chromium could not render the report"; cat "$work/chromium.log"; exit 1; }

loaded=$(grep -o 'data-figures-loaded="[0-9]*/[0-9]*"' "$work/dom.html" | head -n1 | grep -o '[0-9]*/[0-9]*' || true)
[ -n "$loaded" ] || { echo "FAIL: the page's load check did not run"; exit 1; }
ok=${loaded%/*}; total=${loaded#*/}
[ "$total" -gt 0 ] || { echo "FAIL: the report has no figures"; exit 1; }
[ "$ok" -eq "$total" ] || { echo "FAIL: only $ok of $total figures loaded"; exit 1; }

for id in summary qc-warnings blocks fits sensitization plates options; do
  grep -q "id=\"$id\"" "$work/dom.html" || { echo "FAIL: section #$id missing"; exit 1; }
done
echo "report.html: $ok/$total figures loaded; sections present"
echo "1 passed, 0 failed"
