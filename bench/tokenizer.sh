#!/usr/bin/env bash
# Tokenization speed: the engine's Java tokenizer against the reference (Hugging Face's Rust tokenizers through DJL)
# on the same tokenizer.json and texts, one thread, passes interleaved in one process (dev.leap4j.bench.TokenizerBench),
# on STS-B test sentences and on SciFact documents; each run also reports whether any text got other ids.
# usage: bench/tokenizer.sh [MODEL]   (default e5-small-v2)
#   BENCH_REPEATS (default 9) passes over the texts, BENCH_RAW (default target/bench/tokenizer.txt)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_build
model="${1:-e5-small-v2}"
repeats="${BENCH_REPEATS:-9}"
raw="${BENCH_RAW:-target/bench/tokenizer.txt}"
data=../shared/data
mkdir -p "$(dirname "$raw")" target/bench
# the model's tokenizer.json as leap4j extracts it from the built-in artifact
echo probe | ./leap4j embed --model "$model" --input - --output - > /dev/null
json="${LEAP4J_CACHE:-$HOME/.cache/leap4j/models}/$model/tokenizer.json"
tail -n +2 "$data/stsb/derived/sts-test.tsv" | cut -f6,7 | tr '\t' '\n' > target/bench/sts-test-sentences.txt
python3 -c 'import json,sys
for line in open(sys.argv[1]):
    d = json.loads(line); print((d.get("title", "") + " " + d.get("text", "")).replace("\n", " "))' "$data/beir/scifact/corpus.jsonl" > target/bench/scifact-documents.txt
bench_wait_quiet 1.5 180
{ bench_meta; echo "# command: BENCH_REPEATS=$repeats bench/tokenizer.sh $model"; } > "$raw"
bench_java dev.leap4j.bench.TokenizerBench "$json" target/bench/sts-test-sentences.txt 512 "$repeats" >> "$raw"
bench_java dev.leap4j.bench.TokenizerBench "$json" target/bench/scifact-documents.txt 512 "$repeats" >> "$raw"
bench_load_end >> "$raw"
cat "$raw"
