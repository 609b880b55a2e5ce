#!/usr/bin/env bash
# The Hugging Face round trip (docs/RESULTS.md): a model folder means the same thing to leap4j and to
# sentence-transformers, whichever of them wrote it.
#   leap4j -> ST: `leap4j embed --theta 2` (full depth) on a folder leap4j wrote, against SentenceTransformer(folder)
#   ST -> leap4j: SentenceTransformer(folder).save(tmp) (safetensors), then `leap4j embed --theta 2` on tmp
# Both on bench/parity-texts.txt; every text must reach cosine >= 0.9999, with equal dimension, normalisation and
# token counts. Covers MODEL_DIR (a `leap4j train` output; default runs/r2 if present, else the built-in
# e5-small-v2 folder) and the built-in e5-small-v2, bge-small-en-v1.5 (CLS pooling) and all-minilm-l6-v2.
# Needs python3 with torch and sentence-transformers (PYTHON=... picks another); nothing is downloaded.
# usage: bench/hf-roundtrip.sh [MODEL_DIR]      exit 1 if any check fails
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
cache="${LEAP4J_CACHE:-$HOME/.cache/leap4j/models}"
py="${PYTHON:-python3}"
texts=bench/parity-texts.txt
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
invocation="bench/hf-roundtrip.sh${1:+ $1}"

work="$(mktemp -d "${TMPDIR:-/tmp}/hf-roundtrip.XXXXXX")"
trap 'rm -rf "$work"' EXIT
results="$work/results.tsv"
: >"$results"
status=0

# The built-in model's folder in the cache; the first call imports it.
builtin_dir() {
  if [ ! -f "$cache/$1/model.safetensors" ]; then
    printf 'x\n' | ./leap4j embed --model "$1" --input - --output /dev/null >/dev/null
  fi
  echo "$cache/$1"
}

# A check that could not even run (a tool refused the folder) still gets its row, so the table shows it.
fail_row() { # NAME DIRECTION WHY
  printf '%s\t%s\t-\t-\t-\tFAIL (%s)\n' "$1" "$2" "$3" >>"$results"
  status=1
}

embed() { # MODEL_DIR OUT
  local cmd=(./leap4j embed --model "$1" --theta 2 --threads 2 --input "$texts" --output "$2")
  echo "  \$ ${cmd[*]}"
  "${cmd[@]}"
}

compare() { # NAME DIRECTION MODEL_DIR JSONL
  local before after
  before=$(wc -l <"$results")
  if ! "$py" bench/python/st_roundtrip.py compare --model "$3" --texts "$texts" --leap4j "$4" \
      --name "$1" --direction "$2" --results "$results"; then
    status=1
    after=$(wc -l <"$results")
    [ "$after" -gt "$before" ] || fail_row "$1" "$2" "sentence-transformers error"
  fi
}

forward() { # NAME DIR
  local d="leap4j -> ST" out="$work/$(echo "$1" | tr -c 'A-Za-z0-9.-' _).fwd.jsonl"
  echo "== $1, $d: $2"
  embed "$2" "$out" || { fail_row "$1" "$d" "leap4j embed exit $?"; return; }
  compare "$1" "$d" "$2" "$out"
}

backward() { # NAME DIR
  local d="ST -> leap4j" saved="$work/$(echo "$1" | tr -c 'A-Za-z0-9.-' _).st"
  echo "== $1, $d: SentenceTransformer($2).save($saved)"
  if ! "$py" bench/python/st_roundtrip.py save "$2" "$saved"; then fail_row "$1" "$d" "sentence-transformers save failed"; return; fi
  embed "$saved" "$saved.jsonl" || { fail_row "$1" "$d" "leap4j embed exit $?"; return; }
  compare "$1" "$d" "$saved" "$saved.jsonl"
}

e5="$(builtin_dir e5-small-v2)"
if [ $# -ge 1 ]; then model="$1"; elif [ -d runs/r2 ]; then model=runs/r2; else model="$e5"; fi
[ -f "$model/config.json" ] || { echo "$model is not a model folder (no config.json)" >&2; exit 2; }

echo "$invocation  ($(date -u +%Y-%m-%dT%H:%MZ), $(git rev-parse --short HEAD 2>/dev/null || echo 'no git')), $(grep -c '' "$texts") texts"
if [ "$(cd "$model" && pwd -P)" != "$(cd "$e5" && pwd -P)" ]; then
  forward "$model" "$model"
  backward "$model" "$model"
fi
for m in e5-small-v2 bge-small-en-v1.5 all-minilm-l6-v2; do
  dir="$(builtin_dir "$m")"
  forward "$m" "$dir"
  backward "$m" "$dir"
done

echo
"$py" bench/python/st_roundtrip.py table "$results"
echo
echo "command: $invocation"
[ "$status" -eq 0 ] && echo "all round trips pass" || echo "ROUND TRIP FAILED"
exit "$status"
