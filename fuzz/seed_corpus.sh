#!/usr/bin/env bash
# Seed fuzz/corpus/<target>/ from the real reference files in ../shared/ref/plates
# (corpora are git-ignored: run this before `cargo fuzz run <target>`).
# Usage: fuzz/seed_corpus.sh [path/to/shared/ref/plates]  (CORPUS_DIR overrides fuzz/corpus)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ref="${1:-$here/../../shared/ref/plates}"
out="${CORPUS_DIR:-$here/corpus}"
[ -d "$ref" ] || { echo "no reference plates at $ref" >&2; exit 1; }
seed() { # target, then files
  local t="$1"; shift
  mkdir -p "$out/$t"
  for f in "$@"; do
    [ -f "$f" ] && cp "$f" "$out/$t/$(basename "$f")"
  done
  return 0
}
shopt -s nullglob
seed gen5 "$ref"/gen5_allotropy/*
seed softmax "$ref"/softmax_allotropy/* "$ref"/softermax/*
seed bmg "$ref"/bmg_mars_allotropy/*
seed envision "$ref"/envision_allotropy/*
seed kaleido "$ref"/kaleido_allotropy/*
seed grid "$ref"/plater/* "$ref"/wellmap/*.csv
# long tables: the expected well tables are long tables (plate,well,read,value,flag)
seed long "$ref"/expected/*/*.csv
seed multiskan "$ref"/mtphandler/*.txt
seed xlsx "$ref"/*/*.xlsx
seed layout_toml "$ref"/wellmap/*.toml
seed layout_plater "$ref"/plater/*
# sniffing sees everything (small files only, to keep the corpus lean)
for f in "$ref"/*/* "$ref"/expected/*/*; do
  [ -f "$f" ] && [ "$(stat -c %s "$f")" -le 200000 ] && seed sniff "$f"
done
for d in "$out"/*/; do echo "$(basename "$d"): $(ls "$d" | wc -l) files"; done
