#!/usr/bin/env bash
# The exit-path recipe, end to end: from a built-in 12-layer encoder (default e5-small-v2) to a tuned model folder
# OUT whose inputs exit at layer 7. Progress on stderr, STS-B dev probes in OUT/train-log.jsonl. Rerun the same
# command to resume after an interruption (the checkpoint and the teacher cache in OUT are reused).
# usage: bench/leap-recipe.sh OUT [MODEL]
#   RECIPE_SENTENCES (default 80000): training sentences, one epoch of batch 32
#   RECIPE_BROWN (default 40000): how many of them come from the Brown corpus (news, fiction, reviews, ... genres
#     that Wikipedia lacks), interleaved line by line with Wikipedia; 0 = Wikipedia only
#   RECIPE_POOLING (default model): the loss pooling (model = the student's own: CLS for bge, mean for e5)
#   RECIPE_THREADS (default: all cores)
#
# The recipe (docs/RESULTS.md, "Post-hoc LEAP recipes"):
# 1. Rebuild the student from its own layers 1,4,7,10,11,12 (a spread exit path), then layer 12 six times more.
# 2. Train against the frozen original: L_final + 0.3 L_contrast (paper), the paper's exit margin on layers 6..12,
#    plus L_align (1 - cos to the teacher's final embedding) and 0.5 L_relational on layers 6..11; no L_inter
#    (the relayered student has no layer-to-layer correspondence with the teacher).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:?usage: bench/leap-recipe.sh OUT [MODEL]}"
model="${2:-e5-small-v2}"
sentences="${RECIPE_SENTENCES:-80000}"
brown="${RECIPE_BROWN:-40000}"
pooling="${RECIPE_POOLING:-model}"
threads="${RECIPE_THREADS:-$(nproc)}"
data="$here/../shared/data"
mkdir -p "$out"
train_data="$data/sentences/wikipedia_en.txt"
if [ "$brown" -gt 0 ]; then
  # Brown's sentences come tokenized (`` '' quotes, spaces before punctuation): joined back to plain text,
  # fragments under 4 words dropped, then interleaved with Wikipedia so any prefix of the file is mixed
  train_data="$out/recipe-data.txt"
  if [ ! -f "$train_data" ]; then
    tail -n +2 "$data/sentences/brown.tsv" | cut -f3 \
      | sed -E 's/`` ?/"/g; s/ ?'\'''\''/"/g; s/ ([,.;:?!%)])/\1/g; s/\( /(/g; s/ (n'\''t|'\''s|'\''re|'\''ve|'\''ll|'\''d|'\''m)\b/\1/g' \
      | awk -v n="$brown" 'NF >= 4 && kept < n { print; kept++ }' > "$out/.brown.txt"
    got=$(wc -l < "$out/.brown.txt")
    if [ "$got" -lt "$brown" ]; then
      echo "Brown has $got usable sentences, fewer than RECIPE_BROWN=$brown: using $got (the rest from Wikipedia)" >&2
      brown=$got
    fi
    # awk reads to the end (no early-closing head under pipefail); paste alternates Wikipedia and Brown lines
    awk -v n="$brown" 'NR <= n' "$data/sentences/wikipedia_en.txt" | paste -d '\n' - "$out/.brown.txt" > "$out/.mix.txt"
    awk -v from="$brown" -v n="$(( sentences > 2 * brown ? sentences - 2 * brown : 0 ))" 'NR > from && NR <= from + n' \
      "$data/sentences/wikipedia_en.txt" | cat "$out/.mix.txt" - > "$train_data.tmp"
    mv "$train_data.tmp" "$train_data"
    rm -f "$out/.brown.txt" "$out/.mix.txt"
  fi
fi
resume=()
[ -f "$out/checkpoint.bin" ] && resume=(--resume)
start=$(date +%s)
"$here/leap4j" train --student "$model" --teacher "$model" --objective leap \
  --data "$train_data" --max-examples "$sentences" --out "$out" "${resume[@]}" --loss-pooling "$pooling" \
  --init-layers 1,4,7,10,11,12,12,12,12,12,12,12 \
  --batch-size 32 --max-length 64 --epochs 1 --lr 5e-5 --warmup 0.05 \
  --w-final 1 --w-inter 0 --w-exit 0.4 --w-contrast 0.3 --layer-weights 0,0,0,0,0,1,1,1,1,1,1,1 \
  --w-align 1 --w-relational 0.5 --exit-from 6 \
  --probe-sts "$data/stsb/derived/sts-dev.tsv" --probe-every 250 --checkpoint-every 100 --threads "$threads"
# the model's default exit rule: judged on STS-B dev (never test) and written into its leap4j_exit.json, so every
# entry point exits early on it by default only if dev says the exit keeps quality
"$here/leap4j" eval sts --model "$out" --data "$data/stsb" --split dev --speed-sample 0 --calibrate \
  --out "$out/calibration-sts-dev" --threads "$threads"
echo "recipe finished in $(( ($(date +%s) - start) / 60 )) min: $out" >&2
