#!/usr/bin/env bash
# The exit-path recipe, end to end: from a built-in 12-layer encoder (default e5-small-v2) to a tuned model folder
# OUT whose inputs exit at layer 7. Progress on stderr, STS-B dev probes in OUT/train-log.jsonl. Rerun the same
# command to resume after an interruption (the checkpoint and the teacher cache in OUT are reused).
# usage: bench/leap-recipe.sh OUT [MODEL]      (RECIPE_SENTENCES, RECIPE_THREADS override the defaults)
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
sentences="${RECIPE_SENTENCES:-64000}"
threads="${RECIPE_THREADS:-$(nproc)}"
data="$here/../shared/data"
resume=()
[ -f "$out/checkpoint.bin" ] && resume=(--resume)
start=$(date +%s)
"$here/leap4j" train --student "$model" --teacher "$model" --objective leap \
  --data "$data/sentences/wikipedia_en.txt" --max-examples "$sentences" --out "$out" "${resume[@]}" \
  --init-layers 1,4,7,10,11,12,12,12,12,12,12,12 \
  --batch-size 32 --max-length 64 --epochs 1 --lr 5e-5 --warmup 0.05 \
  --w-final 1 --w-inter 0 --w-exit 0.4 --w-contrast 0.3 --layer-weights 0,0,0,0,0,1,1,1,1,1,1,1 \
  --w-align 1 --w-relational 0.5 --exit-from 6 \
  --probe-sts "$data/stsb/derived/sts-dev.tsv" --probe-every 250 --checkpoint-every 100 --threads "$threads"
echo "recipe finished in $(( ($(date +%s) - start) / 60 )) min: $out" >&2
