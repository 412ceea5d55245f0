#!/usr/bin/env bash
# Adding one quarter to an eight-quarter lake against loading that quarter
# into an empty lake (issue 12's target: at most 1.3 times). Needs the
# eight-quarter lake of `benches/indicators_bench.sh 8q` (same BENCH_DIR);
# generates 2026Q1 (with the full registers, as every extract has them),
# then alternates, ROUNDS times: a copy of the eight-quarter lake takes the
# quarter, then an empty lake does. Prints each ingest's wall time and peak.
# Usage: benches/add_quarter_bench.sh [ROUNDS]   (default 2; the copies need
# the eight-quarter lake's size again in free disk). WANGJIAN_BIN picks the
# binary.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${BENCH_DIR:-/tmp/wangjian-bench}"
rounds="${1:-2}"
[ -n "${BENCH_NO_BUILD:-}" ] || cargo build --release -q
export WANGJIAN_PII_KEY=bench-key
bin="${WANGJIAN_BIN:-./target/release/wangjian}"
base="$work/ind-lake-8q"
[ -f "$base/_catalog/current.json" ] || { echo "no $base: run benches/indicators_bench.sh 8q first" >&2; exit 1; }
raw="$work/add-raw-2026q1"
[ -d "$raw" ] || $bin generate --out "$raw" --from 2026Q1 --to 2026Q1 --scale 1 > /dev/null
for r in $(seq 1 "$rounds"); do
  for target in eight empty; do
    lake="$work/add-lake-$target"
    rm -rf "$lake"
    [ "$target" = eight ] && cp -a "$base" "$lake"
    sync
    /usr/bin/time -f "round $r, into the $target lake: %e s, %U s user, peak RSS %M KiB" \
      $bin --lake "$lake" ingest "$raw" > /dev/null
    rm -rf "$lake"
  done
done
