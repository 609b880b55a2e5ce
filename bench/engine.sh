#!/usr/bin/env bash
# Engine benchmark against ONNX Runtime (docs/BENCHMARKS.md): every (model, threads, engine) runs in its own JVM
# (dev.leap4j.bench.EngineBenchmark), so neither engine's worker threads take a core from the other; the engines
# alternate over BENCH_REPEATS repeats, the order flipping each repeat, so drift hits every engine alike. Per configuration:
# batch-1 time per input (PerInputTime's marginal time over one block of consecutive calls) with the median and p99
# of the same calls, and batch-32 throughput; the table gives the median over repeats and each repeat.
# usage: bench/engine.sh [model ...]   (default: all-minilm-l6-v2 bge-small-en-v1.5)
#   BENCH_REPEATS (default 3) processes per engine and configuration; BENCH_ROUNDS (default 1000) batch-1 rounds;
#   BENCH_THREADS (default "1 2"); BENCH_RAW (default target/bench/engine.txt): the raw output, metadata first;
#   BENCH_ENGINES (default "leap4j ort"): any of leap4j, leap4j-int8, ort, ort-int8 (LangChain4j's quantized
#   all-MiniLM-L6-v2 file); with leap4j-int8 the int8 table follows the engine table.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_build
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(all-minilm-l6-v2 bge-small-en-v1.5)
repeats="${BENCH_REPEATS:-3}"
raw="${BENCH_RAW:-target/bench/engine.txt}"
mkdir -p "$(dirname "$raw")"
engines=(${BENCH_ENGINES:-leap4j ort})
{ bench_meta; echo "# command: BENCH_ROUNDS=${BENCH_ROUNDS:-1000} BENCH_REPEATS=$repeats BENCH_THREADS=\"${BENCH_THREADS:-1 2}\" BENCH_ENGINES=\"${engines[*]}\" bench/engine.sh ${models[*]}"; } > "$raw"
run() { # model threads engine repeat
  bench_java dev.leap4j.bench.EngineBenchmark "$1" "$2" "$3" 2>/dev/null | grep '^RESULT' | sed "s/\$/ repeat=$4/" >> "$raw"
}
for m in "${models[@]}"; do
  for t in ${BENCH_THREADS:-1 2}; do
    for r in $(seq 1 "$repeats"); do
      order=("${engines[@]}")
      if [ $((r % 2)) -eq 0 ]; then order=(); for ((i=${#engines[@]}-1; i>=0; i--)); do order+=("${engines[$i]}"); done; fi
      for e in "${order[@]}"; do run "$m" "$t" "$e" "$r"; done
    done
  done
done
bench_load_end >> "$raw"
grep '^#' "$raw"
bench_java dev.leap4j.bench.BenchTables engine "$raw" | tee -a "$raw"
case " ${engines[*]} " in *" leap4j-int8 "*) bench_java dev.leap4j.bench.BenchTables int8 "$raw" | tee -a "$raw" ;; esac
