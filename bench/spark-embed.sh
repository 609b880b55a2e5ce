#!/usr/bin/env bash
# Bulk embedding, one machine: `leap4j embed` against the Spark job (leap4j-spark, local[2]) on the same input.
# Usage: bench/spark-embed.sh [N=50000] [THETA=0.95] [MODEL=all-minilm-l6-v2]
# Input: the first N lines of ../shared/data/sentences/wikipedia_en.txt. Both runs use 2 engine threads and batches
# of 32; each is timed from JVM start to exit (Spark's start-up and the job's statistics pass included).
# Prints `uptime` before and after: load from anything else on the machine makes the numbers meaningless.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-50000}
theta=${2:-0.95}
model=${3:-all-minilm-l6-v2}
data=../shared/data/sentences/wikipedia_en.txt
[ -f "$data" ] || { echo "missing $data" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
head -n "$n" "$data" > "$work/input.txt"
inputs=$(wc -l < "$work/input.txt")
# build both before timing anything
./leap4j --version >/dev/null
leap4j-spark/bin/leap4j-spark --help >/dev/null

report() {   # name seconds tokens
  awk -v name="$1" -v s="$2" -v n="$inputs" -v t="$3" \
    'BEGIN { printf "%-14s %8.1f s  %9.1f inputs/s  %10.1f tokens/s  (%d inputs, %d tokens)\n", name, s, n / s, t / s, n, t }'
}

uptime
start=$(date +%s.%N)
./leap4j embed --model "$model" --input "$work/input.txt" --output "$work/cli.jsonl" --batch-size 32 --theta "$theta" --threads 2
end=$(date +%s.%N)
cli_s=$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')
cli_tokens=$(grep -o '"tokens":[0-9]*' "$work/cli.jsonl" | awk -F: '{ s += $2 } END { print s + 0 }')

start=$(date +%s.%N)
leap4j-spark/bin/leap4j-spark --master 'local[2]' --input "$work/input.txt" --format text --output "$work/spark.parquet" \
  --model "$model" --batch-size 32 --theta "$theta" --threads 2 > "$work/spark.out"
end=$(date +%s.%N)
spark_s=$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')
spark_tokens=$(grep -m1 '"tokens"' "$work/spark.parquet/_leap4j_stats.json" | grep -o '[0-9]*')
uptime

cat "$work/spark.out"
echo "model $model, theta $theta, $inputs inputs"
report "leap4j embed" "$cli_s" "$cli_tokens"
report "spark local[2]" "$spark_s" "$spark_tokens"
