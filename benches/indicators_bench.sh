#!/usr/bin/env bash
# Indicators benchmark: `wangjian indicators` over one, two and eight
# national-scale quarters, beside DuckDB running the same SQL
# (benches/indicators_duckdb.py) over the same Parquet files. Generates and
# ingests the data first (minutes).
# Usage: benches/indicators_bench.sh [1q|2q|8q]   (all when not given; needs
# python3; installs duckdb with pip). WANGJIAN_BIN picks the binary;
# RUST_LOG=wangjian_queries=debug prints each statement's time, TIMINGS=1
# DuckDB's.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${BENCH_DIR:-/tmp/wangjian-bench}"
[ -n "${BENCH_NO_BUILD:-}" ] || cargo build --release -q
python3 -c "import duckdb" 2>/dev/null || pip install -q duckdb
export WANGJIAN_PII_KEY=bench-key
bin="${WANGJIAN_BIN:-./target/release/wangjian}"
run() { # name, from, to
  local raw="$work/ind-raw-$1" lake="$work/ind-lake-$1"
  if [ ! -f "$lake/_catalog/current.json" ]; then
    rm -rf "$raw" "$lake"
    $bin generate --out "$raw" --from "$2" --to "$3" --scale 1
    /usr/bin/time -f "ingest $1: %e s, peak RSS %M KiB" $bin --lake "$lake" ingest "$raw" > /dev/null
  fi
  $bin --lake "$lake" sql --format csv -e "SELECT count(*) AS complaints FROM complaints"
  /usr/bin/time -f "wangjian indicators $1: %e s, peak RSS %M KiB" $bin --lake "$lake" indicators > /dev/null
  /usr/bin/time -f "duckdb process $1: %e s, peak RSS %M KiB" python3 benches/indicators_duckdb.py "$lake" queries
}
case "${1:-all}" in
  1q) run 1q 2025Q3 2025Q3 ;;
  2q) run 2q 2025Q3 2025Q4 ;;
  8q) run 8q 2024Q1 2025Q4 ;;
  *) run 1q 2025Q3 2025Q3; run 2q 2025Q3 2025Q4; run 8q 2024Q1 2025Q4 ;;
esac
