#!/usr/bin/env bash
# SQL service load: 16 tokio-postgres clients running a mix of indicator
# queries for 60 s against `wangjian serve` (release build) on the lake of
# eight national quarters that benches/indicators_bench.sh and
# benches/release_bench.sh make; prints queries/s, p50/p95 latency and the
# server's peak RSS (figures for docs/benchmarks.md, never asserted).
# Usage: benches/service_bench.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
work="${BENCH_DIR:-/tmp/wangjian-bench}"
lake="$work/ind-lake-8q"
[ -f "$lake/_catalog/current.json" ] || { echo "run benches/release_bench.sh first (it makes $lake)"; exit 1; }
export WANGJIAN_PII_KEY=bench-key
WANGJIAN_LOAD_LAKE="$lake" WANGJIAN_LOAD_SECS="${1:-60}" \
  cargo test --release --test service sixteen_clients -- --nocapture 2>&1 | grep -E "^load:|test result"
