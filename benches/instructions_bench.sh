#!/usr/bin/env bash
# Instructions an ingest executes, counted by valgrind's cachegrind, for
# one or more binaries on the same complaints CSV (default 300,000 rows of
# benches/make_complaints_csv.py). Unlike wall time, which varies by a
# third from hour to hour on a shared 2-core machine, the count is the same
# from run to run, so a change of a few per cent can be told apart from
# noise. It is a guide for the per-row code, never a replacement for the
# timed runs (benches/ingest_bench.sh): it ignores cache misses and waits.
# Under valgrind the CPU reports no SHA extensions, so the consumer key's
# SHA-256 runs in software and counts far more than it costs natively.
#
# Usage: benches/instructions_bench.sh BINARY [BINARY ...]   (ROWS=… to resize)
# Needs valgrind (Debian package valgrind) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: $0 BINARY [BINARY ...]" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 2; }
rows="${ROWS:-300000}"
work="${BENCH_DIR:-/tmp/wangjian-bench}/instructions"
mkdir -p "$work/raw/complaints"
csv="$work/raw/complaints/bench-$rows.csv"
[ -s "$csv" ] || python3 benches/make_complaints_csv.py "$csv" "$rows"
export WANGJIAN_PII_KEY=bench-key
i=0
for bin in "$@"; do
  i=$((i + 1))
  rm -rf "$work/lake"
  out="$work/cachegrind.$i.out"
  valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file="$out" \
    "$bin" --lake "$work/lake" ingest "$work/raw" > /dev/null 2> "$work/valgrind.$i.err"
  total=$(awk '/I[[:space:]]+refs:/ {gsub(",", "", $NF); print $NF}' "$work/valgrind.$i.err")
  printf '%s: %s instructions (%.0f a row)\n' "$bin" "$total" "$(echo "$total / $rows" | bc -l)"
  cg_annotate "$out" 2>/dev/null | grep -E '^ *[0-9,]+ \(' | sed -n 2,16p
done
rm -rf "$work/lake"
