#!/usr/bin/env bash
# Release benchmark: `wangjian release` of the last of eight national-scale
# quarters (2024Q1–2025Q4, --scale 1), from a lake with indicators: the
# first edition (tables, disclosure control, CSV, XLSX, charts, bulletin,
# manifest), the second run on the same figures (nothing written), and
# `--verify` (checksums and the figures recomputed). Generates, ingests and
# computes indicators first when the lake is not there yet (shared with
# benches/indicators_bench.sh; tens of minutes).
# Usage: benches/release_bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work="${BENCH_DIR:-/tmp/wangjian-bench}"
[ -n "${BENCH_NO_BUILD:-}" ] || cargo build --release -q
export WANGJIAN_PII_KEY=bench-key
bin="${WANGJIAN_BIN:-./target/release/wangjian}"
raw="$work/ind-raw-8q" lake="$work/ind-lake-8q" out="$work/release-8q"
if [ ! -f "$lake/_catalog/current.json" ]; then
  rm -rf "$raw" "$lake"
  $bin generate --out "$raw" --from 2024Q1 --to 2025Q4 --scale 1
  /usr/bin/time -f "ingest 8q: %e s, peak RSS %M KiB" $bin --lake "$lake" ingest "$raw" > /dev/null
fi
if ! $bin --lake "$lake" sql --format csv -e "SELECT count(*) FROM release_trend" > /dev/null 2>&1; then
  /usr/bin/time -f "indicators 8q: %e s, peak RSS %M KiB" $bin --lake "$lake" indicators > /dev/null
fi
$bin --lake "$lake" sql --format csv -e "SELECT count(*) AS complaints FROM complaints"
rm -rf "$out"
/usr/bin/time -f "release 2025Q4 (first edition): %e s, peak RSS %M KiB" $bin --lake "$lake" release --quarter 2025Q4 --out "$out"
/usr/bin/time -f "release 2025Q4 again (same figures): %e s, peak RSS %M KiB" $bin --lake "$lake" release --quarter 2025Q4 --out "$out"
/usr/bin/time -f "release --verify: %e s, peak RSS %M KiB" $bin --lake "$lake" release --verify "$out/2025Q4/edition-1"
du -sh "$out/2025Q4/edition-1"
