#!/usr/bin/env bash
# The depth-dial recipe: tunes a built-in 12-layer encoder (default e5-small-v2) so that one set of weights serves a
# ladder of skip paths, the full stack among them, each distilled to the frozen original's final embedding.
# OUT ends as a normal 12-layer model folder; `leap4j substack --model OUT --layers PATH` cuts each rung out.
# Rerun the same command to resume (the checkpoint and teacher cache in OUT are reused).
# usage: bench/dial-recipe.sh OUT [MODEL]
#   DIAL_EXAMPLES (default 12000): training inputs, one epoch of batch 32; half are single sentences behind
#     "query: ", half are passages of consecutive Wikipedia lines (by default about 60-110 words) behind "passage: ", the
#     prompts e5 is used with, so the paths learn the documents retrieval embeds
#   DIAL_PATHS (default "1,2,3,4,5,6,7,8,9,10,11,12 2,3,5,6,7,9,10,11,12 2,5,7,9,10,11,12"): the ladder; the short
#     rungs are the greedy skip family that STS-B dev chose on the stock model (docs/results/dial/layer-skip-e5-small-v2.txt)
#   DIAL_WEIGHTS (default: 1 each): one loss weight per path, comma-separated in DIAL_PATHS' order (train --path-weights)
#   DIAL_UNPROMPTED (default 0): the share of the sentences given without a prompt, as STS-B is scored (0 to 1;
#     spread evenly through the sentences)
#   DIAL_PASSAGE_WORDS (default 60): a passage ends at the first Wikipedia line that brings it to this many words
#   DIAL_MAX_LENGTH (default 128): tokens per input; longer passages need more
#   DIAL_LR (default 2e-5), DIAL_THREADS (default: all cores)
#
# Each step runs every path and adds their gradients (TrainSettings.paths); each path's loss is
# L_final + 0.3 L_contrast at its last layer against the teacher's final embedding. The full path starts at zero
# loss: its term holds the shared layers near the original while the short paths pull them toward their rung.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:?usage: bench/dial-recipe.sh OUT [MODEL]}"
model="${2:-e5-small-v2}"
examples="${DIAL_EXAMPLES:-12000}"
paths="${DIAL_PATHS:-1,2,3,4,5,6,7,8,9,10,11,12 2,3,5,6,7,9,10,11,12 2,5,7,9,10,11,12}"
lr="${DIAL_LR:-2e-5}"
weights="${DIAL_WEIGHTS:-}"
passage_words="${DIAL_PASSAGE_WORDS:-60}"
unprompted="${DIAL_UNPROMPTED:-0}"
max_length="${DIAL_MAX_LENGTH:-128}"
threads="${DIAL_THREADS:-$(nproc)}"
data="$here/../shared/data"
wiki="$data/sentences/wikipedia_en.txt"
mkdir -p "$out"
train_data="$out/dial-data.txt"
if [ ! -f "$train_data" ]; then
  half=$(( examples / 2 ))
  # sentences from the first 100k Wikipedia lines; passages from lines 100001 on, so no text is in both
  # sentence i goes without a prompt when floor((i + 1) u) > floor(i u): a share u, spread evenly
  awk -v n="$half" -v u="$unprompted" 'NF >= 4 && kept < n {
      print (int((kept + 1) * u) > int(kept * u) ? "" : "query: ") $0; kept++
    }' "$wiki" > "$out/.queries.txt"
  awk -v n="$half" -v w="$passage_words" 'NR > 100000 && kept < n {
      buf = buf (buf == "" ? "" : " ") $0; words += NF
      if (words >= w) { print "passage: " buf; kept++; buf = ""; words = 0 }
    }' "$wiki" > "$out/.passages.txt"
  paste -d '\n' "$out/.queries.txt" "$out/.passages.txt" > "$train_data.tmp"
  mv "$train_data.tmp" "$train_data"
  rm -f "$out/.queries.txt" "$out/.passages.txt"
fi
path_args=()
for p in $paths; do path_args+=(--path "$p"); done
[ -z "$weights" ] || path_args+=(--path-weights "$weights")
resume=()
[ -f "$out/checkpoint.bin" ] && resume=(--resume)
start=$(date +%s)
"$here/leap4j" train --student "$model" --teacher "$model" --objective distill \
  --data "$train_data" --out "$out" "${resume[@]}" --loss-pooling model "${path_args[@]}" \
  --batch-size 32 --max-length "$max_length" --epochs 1 --lr "$lr" --warmup 0.05 \
  --w-final 1 --w-inter 0 --w-exit 0 --w-contrast 0.3 \
  --probe-sts "$data/stsb/derived/sts-dev.tsv" --probe-every 100 --probe-thetas 0.99 --checkpoint-every 25 --threads "$threads"
echo "dial recipe finished in $(( ($(date +%s) - start) / 60 )) min: $out" >&2
