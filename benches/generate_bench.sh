#!/usr/bin/env bash
# Generation benchmark: rows/s for one national-scale quarter (--scale 1).
# Usage: benches/generate_bench.sh [QUARTER] [SCALE]
set -euo pipefail
cd "$(dirname "$0")/.."
q="${1:-2025Q3}"
scale="${2:-1}"
out="${BENCH_DIR:-/tmp/wangjian-bench}/generated-$q-$scale"
[ -n "${BENCH_NO_BUILD:-}" ] || cargo build --release -q
rm -rf "$out"
/usr/bin/time -v ./target/release/wangjian generate --out "$out" --from "$q" --to "$q" --scale "$scale" 2> "$out.time" || { cat "$out.time"; exit 1; }
grep -E "^wrote" "$out.time"
awk -F': ' '/Elapsed \(wall clock\)/ {print "wall clock: " $2} /Maximum resident set size/ {printf "peak RSS: %.0f MiB\n", $2/1024}' "$out.time"
du -sh "$out"
