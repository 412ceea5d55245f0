#!/usr/bin/env bash
# Ingest benchmark: rows/s and peak memory of `wangjian ingest` on a
# 5-million-row complaints CSV, beside DuckDB converting the same file to
# Parquet (COPY ... TO ... (FORMAT parquet)) on the same machine.
# Usage: benches/ingest_bench.sh [ROWS]   (needs python3; installs duckdb with pip)
# WANGJIAN_BIN picks the binary, BENCH_NO_BUILD=1 skips the build.
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-5000000}"
work="${BENCH_DIR:-/tmp/wangjian-bench}"
mkdir -p "$work/raw/complaints"
csv="$work/raw/complaints/bench.csv"
[ -s "$csv" ] || python3 benches/make_complaints_csv.py "$csv" "$rows"
ls -l "$csv"
[ -n "${BENCH_NO_BUILD:-}" ] || cargo build --release -q
python3 -c "import duckdb" 2>/dev/null || pip install -q duckdb
export WANGJIAN_PII_KEY=bench-key
bin="${WANGJIAN_BIN:-./target/release/wangjian}"

rm -rf "$work/lake"
/usr/bin/time -v "$bin" --lake "$work/lake" ingest "$work/raw" > "$work/wangjian.out" 2> "$work/wangjian.time" || true
tail -n 3 "$work/wangjian.out"
w_secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/wangjian.time")
w_rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/wangjian.time")

rm -f "$work/duck.parquet"
/usr/bin/time -v python3 - "$csv" "$work/duck.parquet" > "$work/duck.out" 2> "$work/duck.time" <<'PY'
import duckdb, sys
con = duckdb.connect()
con.execute(f"COPY (SELECT * FROM read_csv('{sys.argv[1]}', header=true, all_varchar=true)) TO '{sys.argv[2]}' (FORMAT parquet)")
PY
d_secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/duck.time")
d_rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/duck.time")

to_s() { awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }' <<< "$1"; }
ws=$(to_s "$w_secs"); ds=$(to_s "$d_secs")
printf 'rows: %s\n' "$rows"
printf 'wangjian ingest: %.1f s, %.0f rows/s, peak RSS %.0f MiB\n' "$ws" "$(echo "$rows / $ws" | bc -l)" "$(echo "$w_rss / 1024" | bc -l)"
printf 'duckdb COPY:     %.1f s, %.0f rows/s, peak RSS %.0f MiB\n' "$ds" "$(echo "$rows / $ds" | bc -l)" "$(echo "$d_rss / 1024" | bc -l)"
printf 'time ratio wangjian/duckdb: %.1f\n' "$(echo "$ws / $ds" | bc -l)"
