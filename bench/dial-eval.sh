#!/usr/bin/env bash
# Scores each rung of a depth dial: every path is cut out of MODEL with `leap4j substack` (the full 12 layers are MODEL
# itself) and scored on STS-B dev and test (no prompt, as `eval sts` scores e5) and on BEIR SciFact test with the
# model's query and document prompts, exact search, full depth of the rung.
# usage: bench/dial-eval.sh MODEL OUT [PATH ...]   (default paths: the dial recipe's ladder plus its 10- and 8-layer
#   members of the same greedy family, which the recipe does not train)
#   DIAL_SCIFACT (default "12 7"): the rungs, by depth, that also get the SciFact run (about 4-8 min each on 2 cores)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
model="${1:?usage: bench/dial-eval.sh MODEL OUT [PATH ...]}"
out="${2:?usage: bench/dial-eval.sh MODEL OUT [PATH ...]}"
shift 2
paths=("$@")
[ ${#paths[@]} -gt 0 ] || paths=(1,2,3,4,5,6,7,8,9,10,11,12 2,3,4,5,6,7,9,10,11,12 2,3,5,6,7,9,10,11,12 2,3,5,7,9,10,11,12 2,5,7,9,10,11,12)
scifact=" ${DIAL_SCIFACT:-12 7} "
data="$here/../shared/data"
mkdir -p "$out"
for p in "${paths[@]}"; do
  k=$(tr ',' '\n' <<< "$p" | wc -l)
  rung="$model"
  if [ "$k" -lt 12 ]; then
    rung="$out/.rung-$k"
    rm -rf "$rung"
    "$here/leap4j" substack --model "$model" --layers "$p" --out "$rung" > /dev/null
  fi
  for split in dev test; do
    "$here/leap4j" eval sts --model "$rung" --data "$data/stsb" --split "$split" --thetas 0.99 --speed-sample 0 \
      --out "$out/sts-$split-$k" > /dev/null
  done
  if [[ "$scifact" == *" $k "* ]]; then
    "$here/leap4j" eval retrieval --model "$rung" --data "$data/beir/scifact" --thetas 0.99 --speed-sample 0 --doc-speed-sample 0 \
      --out "$out/scifact-$k" > /dev/null
  fi
  [ "$rung" = "$model" ] || rm -rf "$rung"
  echo "$k layers ($p): $(grep -m1 -o 'Full depth[^*]*' "$out/sts-test-$k/report.md" || true)" >&2
done
