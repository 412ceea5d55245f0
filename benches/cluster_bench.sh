#!/usr/bin/env bash
# Cluster benchmark (docs/cluster.md): `indicators` in this process against
# the same SQL on a cluster of one scheduler and two executors on this
# machine (`--concurrency 1` each: the 2 cores), alternating; then the shape
# of the distributed work of the cluster run: jobs, stages, tasks and the
# shuffle bytes written (the executors' shuffle folders right after the run,
# before the scheduler has them removed).
# Usage: benches/cluster_bench.sh [1q|2q|8q|40q]...   (default: 1q 8q)
#   1q, 2q, 8q: the national-scale lakes of benches/indicators_bench.sh (made
#   when absent); 40q: 2016Q1–2025Q4 at scale 0.05 (the stage and task
#   counts follow the number of quarters, the bytes the rows).
# WANGJIAN_BIN picks the binary; ROUNDS (default 2) the alternations.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${BENCH_DIR:-/tmp/wangjian-bench}"
[ -n "${BENCH_NO_BUILD:-}" ] || cargo build --release -q
export WANGJIAN_PII_KEY=bench-key
bin="$(realpath "${WANGJIAN_BIN:-./target/release/wangjian}")"
rounds="${ROUNDS:-2}"
port=50350
cl="$work/cluster"
pids=()
stop() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; pids=(); }
trap stop EXIT
start() {
  stop
  rm -rf "$cl" && mkdir -p "$cl/e1" "$cl/e2"
  RUST_LOG=info "$bin" scheduler --bind 127.0.0.1:$port > "$cl/scheduler.log" 2>&1 & pids+=($!)
  sleep 1
  for i in 1 2; do
    RUST_LOG=info "$bin" executor --scheduler 127.0.0.1:$port --concurrency 1 --work-dir "$cl/e$i" \
      --flight-port $((port + 10 * i)) --grpc-port $((port + 10 * i + 1)) > "$cl/e$i.log" 2>&1 & pids+=($!)
  done
  sleep 2
}
lake_of() { # name, from, to, scale
  local raw="$work/ind-raw-$1" lake="$work/ind-lake-$1"
  if [ ! -f "$lake/_catalog/current.json" ]; then
    rm -rf "$raw" "$lake"
    "$bin" generate --out "$raw" --from "$2" --to "$3" --scale "$4" > /dev/null
    "$bin" --lake "$lake" ingest "$raw" > /dev/null
  fi
  echo "$lake"
}
shape() { # after a cluster run: what it did
  local jobs stages tasks bytes files
  jobs=$(grep -c "Job finished successfully" "$cl/scheduler.log" || true)
  stages=$(grep -c "ShuffleWriterExec" "$cl/scheduler.log" || true)
  tasks=$(cat "$cl"/e?.log | grep -c "Execute task" || true)
  bytes=$(du -scb "$cl"/e?/wangjian-shuffle-* | tail -1 | cut -f1)
  files=$(find "$cl"/e?/wangjian-shuffle-* -type f -name '*.arrow' -o -type f -name '*.data' | wc -l)
  echo "shape: $jobs jobs, $stages stages, $tasks tasks, $files shuffle files, $bytes shuffle bytes"
}
bench() { # name, from, to, scale
  local lake
  lake=$(lake_of "$@")
  "$bin" --lake "$lake" sql --format csv -e "SELECT count(*) AS complaints FROM complaints"
  for r in $(seq "$rounds"); do
    /usr/bin/time -f "local $1 round $r: %e s, %U s user, peak RSS %M KiB" \
      "$bin" --lake "$lake" indicators > /dev/null
    start
    /usr/bin/time -f "cluster $1 round $r: %e s, client peak RSS %M KiB" \
      "$bin" --lake "$lake" indicators --cluster df://127.0.0.1:$port > /dev/null
    for i in 1 2; do
      echo "  executor $i peak RSS: $(grep VmHWM /proc/"${pids[$i]}"/status | tr -s ' ' | cut -d' ' -f2-)"
    done
    shape
    stop
  done
}
[ $# -gt 0 ] || set -- 1q 8q
for what in "$@"; do
  case "$what" in
    1q) bench 1q 2025Q3 2025Q3 1 ;;
    2q) bench 2q 2025Q3 2025Q4 1 ;;
    8q) bench 8q 2024Q1 2025Q4 1 ;;
    40q) bench 40q 2016Q1 2025Q4 0.05 ;;
    *) echo "unknown: $what" >&2; exit 2 ;;
  esac
done
