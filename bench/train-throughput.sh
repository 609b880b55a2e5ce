#!/usr/bin/env bash
# Training throughput, leap4j against PyTorch with its default attention (SDPA) and with eager attention: tokens/s of
# a forward + backward step on the same batches (dev.leap4j.bench.TrainThroughput, bench/python/torch_train_throughput.py),
# each (engine, threads) in its own process, the engines rotating over BENCH_REPEATS repeats. The table gives the
# median over repeats, every repeat, and their spread ((max - min) / median).
# usage: bench/train-throughput.sh [MODEL]   (default e5-small-v2)
#   TRAIN_STEPS (default 10) timed steps per process, BENCH_REPEATS (default 3), BENCH_THREADS (default "1 2"),
#   SENTENCES (default ../shared/data/sentences/wikipedia_en.txt), BENCH_RAW (default target/bench/train-throughput.txt)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_build
model="${1:-e5-small-v2}"
steps="${TRAIN_STEPS:-10}"; repeats="${BENCH_REPEATS:-3}"
sentences="${SENTENCES:-../shared/data/sentences/wikipedia_en.txt}"
raw="${BENCH_RAW:-target/bench/train-throughput.txt}"
mkdir -p "$(dirname "$raw")"
# the model folder PyTorch reads: the one leap4j extracts its built-in model to (config.json, model.safetensors, tokenizer.json)
bench_java dev.leap4j.bench.TrainThroughput "$model" "$sentences" 1 1 > /dev/null
folder="${LEAP4J_CACHE:-$HOME/.cache/leap4j/models}/$model"
{ bench_meta; echo "# pytorch: $(python3 -c 'import torch; print(torch.__version__)'), transformers $(python3 -c 'import transformers; print(transformers.__version__)')"
  echo "# command: TRAIN_STEPS=$steps BENCH_REPEATS=$repeats BENCH_THREADS=\"${BENCH_THREADS:-1 2}\" bench/train-throughput.sh $model"; } > "$raw"
one() { # engine threads repeat
  case "$1" in
    leap4j) bench_java dev.leap4j.bench.TrainThroughput "$model" "$sentences" "$steps" "$2" ;;
    torch-*) python3 bench/python/torch_train_throughput.py "$folder" "$sentences" "${1#torch-}" "$steps" "$2" 2>/dev/null ;;
  esac | grep '^RESULT' | sed "s/\$/ repeat=$3/" >> "$raw"
}
engines=(leap4j torch-sdpa torch-eager)
for t in ${BENCH_THREADS:-1 2}; do
  for r in $(seq 1 "$repeats"); do
    for i in 0 1 2; do one "${engines[$(((i + r) % 3))]}" "$t" "$r"; done
  done
done
bench_load_end >> "$raw"
grep '^#' "$raw"
bench_java dev.leap4j.bench.BenchTables train "$raw" | tee -a "$raw"
