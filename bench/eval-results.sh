#!/usr/bin/env bash
# Reproduces the evaluation runs in docs/RESULTS.md: STS-B test for the three built-in models, the ONNX Runtime
# reference Spearman, and BEIR SciFact for all-MiniLM-L6-v2. CPU-heavy (about an hour on 2 busy cores).
# usage: bench/eval-results.sh [OUT_DIR] [THREADS]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$here/target/runs}"
threads="${2:-2}"
data="$here/../shared/data"
mkdir -p "$out"
for m in bge-small-en-v1.5 e5-small-v2 all-minilm-l6-v2; do
  "$here/leap4j" eval sts --model "$m" --data "$data/stsb" --split test --threads "$threads" --out "$out/sts-$m"
done
for m in all-minilm-l6-v2 bge-small-en-v1.5 e5-small-v2; do
  "$here/bench/ort-sts.sh" "$m" "$data/stsb/derived/sts-test.tsv" "$threads" > "$out/ort-$m.json"
done
"$here/leap4j" eval retrieval --model all-minilm-l6-v2 --data "$data/beir/scifact" --search both --threads "$threads" \
  --doc-speed-sample 2 --out "$out/scifact-all-minilm-l6-v2"
