#!/usr/bin/env bash
# Cluster benchmark (docs/cluster.md): `indicators` in this process against
# the same SQL on a cluster of one scheduler and two executors on this
# machine (`--concurrency 1` each: the 2 cores), alternating; then the shape
# of the distributed work of the cluster run: jobs, stages, tasks and the
# shuffle bytes written (summed from the executors' line for each task).
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
bin="$(realpath "${WANGJIAN_BIN:-${CARGO_TARGET_DIR:-./target}/release/wangjian}")"
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
shape() { # after a cluster run: what it did, from the executors' log lines
  # of each task (cluster/src/engine.rs: "shuffle written: job= stage= task=
  # partitions= rows= bytes="; Ballista removes a job's shuffle files as
  # soon as it succeeds, so the folders cannot be measured afterwards)
  cat "$cl"/e?.log | grep -o 'shuffle written: .*' | awk '
    { for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      jobs[v["job"]] = 1; stages[v["job"] "/" v["stage"]] = 1; tasks++
      parts += v["partitions"]; rows += v["rows"]; bytes += v["bytes"] }
    END { nj = 0; for (j in jobs) nj++; ns = 0; for (s in stages) ns++
      printf "shape: %d jobs, %d stages, %d tasks, %d shuffle partitions written, %.0f rows, %.0f bytes (%.1f MiB)\n",
        nj, ns, tasks, parts, rows, bytes, bytes / 1048576 }'
  echo "  jobs finished (scheduler): $(grep -c "Job finished successfully" "$cl/scheduler.log" || true)"
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
