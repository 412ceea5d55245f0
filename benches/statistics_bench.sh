#!/usr/bin/env bash
# What the three tables of statistics.md (risk_rank_intervals, smoothed_rates,
# complaint_cusum) add to `indicators`: the time of each of their statements
# in a full run over the eight national quarters of indicators_bench.sh,
# wangjian (RUST_LOG=wangjian_queries=debug) beside DuckDB on the same SQL
# (TIMINGS=1), and their sum. Builds the lake first when it is missing.
# Usage: benches/statistics_bench.sh [runs]   (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
work="${BENCH_DIR:-/tmp/wangjian-bench}"
lake="$work/ind-lake-8q"
bin="${WANGJIAN_BIN:-./target/release/wangjian}"
export WANGJIAN_PII_KEY=bench-key
[ -f "$lake/_catalog/current.json" ] || benches/indicators_bench.sh 8q
# The statements of the three files: rr_* and the rank intervals, sr_* and
# smoothed_rates, cs_*, _cusum_* and complaint_cusum.
pick='rr_|risk_rank_intervals|sr_|smoothed_rates|cs_|_cusum_|complaint_cusum'
sum() { grep -E "s: +CREATE (TABLE|VIEW) ($pick)" | sed -E 's/^[^0-9]*([0-9]+\.[0-9]+) s: .*/\1/' | awk '{s += $1} END {printf "%.2f", s}'; }
for i in $(seq "${1:-3}"); do
  w=$(RUST_LOG=wangjian_queries=debug "$bin" --lake "$lake" indicators 2>&1 >/dev/null | sed 's/\x1b\[[0-9;]*m//g' | sum)
  d=$(TIMINGS=1 python3 benches/indicators_duckdb.py "$lake" queries | sum)
  echo "run $i: statistics tables wangjian $w s, duckdb $d s"
done
