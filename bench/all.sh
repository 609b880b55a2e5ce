#!/usr/bin/env bash
# Reruns the published speed tables of docs/BENCHMARKS.md on this machine, one benchmark (and one engine) at a time,
# and writes each raw output, with its metadata (CPU model and flags, JDK, commit, load before and after, the
# command), to OUT/<name>.txt; OUT/agreement.txt checks the command-line figures against the engine's.
# usage: bench/all.sh [OUT]   (default docs/results/bench/<date>-<cpu family/model>)
#   BENCH_ONLY (default "engine cli train matmul exit"; also "serve shed spark") picks the tables; each script's own
#   variables (BENCH_ROUNDS, BENCH_REPEATS, N_FROM, N_TO, TRAIN_STEPS, ...) pass through.
# Run it on a quiet machine: it refuses to start at a load average of 1.5 or more unless BENCH_FORCE=1.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
family=$(grep -m1 'cpu family' /proc/cpuinfo | cut -d: -f2 | tr -d ' '); cpumodel=$(grep -m1 '^model\s' /proc/cpuinfo | cut -d: -f2 | tr -d ' ')
out="${1:-docs/results/bench/$(date -u +%Y-%m-%d)-family$family-model$cpumodel}"
mkdir -p "$out"
load=$(cut -d' ' -f1 /proc/loadavg)
if [ "${BENCH_FORCE:-0}" != 1 ] && awk -v l="$load" 'BEGIN { exit !(l >= 1.5) }'; then
  echo "load average $load: wait until the machine is quiet (below 1.5), or set BENCH_FORCE=1 and say so beside the figures" >&2
  exit 1
fi
bench_build
# the build itself loads the machine: wait (up to 3 minutes) for the 1-minute load average to settle below 1.5
bench_wait_quiet 1.5 180
for b in ${BENCH_ONLY:-engine cli train matmul exit}; do
  echo "== $b ($(date -u +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  case "$b" in
    engine) BENCH_RAW="$out/engine.txt" bench/engine.sh ;;
    cli) BENCH_RAW="$out/cli-latency.txt" bench/cli-latency.sh ;;
    train) BENCH_RAW="$out/train-throughput.txt" bench/train-throughput.sh ;;
    matmul) { bench_meta; echo "# command: bench/harness.sh dev.leap4j.bench.MatmulBench"; bench_java dev.leap4j.bench.MatmulBench; bench_load_end; } > "$out/matmul.txt" ;;
    serve) { bench_meta; echo "# command: bench/serve-load.sh"; bench/serve-load.sh; bench_load_end; } > "$out/serve-load.txt" 2>&1 ;;
    shed) { bench_meta; echo "# command: bench/serve-shed.sh"; bench/serve-shed.sh; bench_load_end; } > "$out/serve-shed.txt" 2>&1 ;;
    exit) bench/exit-speedup.sh "$out/exit" ;;
    spark) { bench_meta; echo "# command: bench/spark-embed.sh"; bench/spark-embed.sh; bench_load_end; } > "$out/spark-embed.txt" 2>&1 ;;
    *) echo "unknown benchmark $b (engine cli train matmul exit serve shed spark)" >&2; exit 2 ;;
  esac > /dev/null
done
if [ -f "$out/engine.txt" ] && [ -f "$out/cli-latency.txt" ]; then
  { bench_meta; echo "# leap4j's time per input in a whole command ($out/cli-latency.txt) against the engine alone ($out/engine.txt)"
    bench_java dev.leap4j.bench.BenchTables agree "$out/engine.txt" "$out/cli-latency.txt"; } > "$out/agreement.txt"
fi
shopt -s nullglob
for f in "$out"/*.txt "$out"/exit/*.txt; do echo "== $f"; grep -v '^RESULT' "$f"; done
