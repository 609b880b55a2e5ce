#!/usr/bin/env bash
# Two builds side by side: `leap4j embed` time per input (LineClock: the marginal time between two output lines of
# one run) for this checkout's build and another one's, alternating over repeats with the order flipping each repeat,
# each command in its own process, optionally beside one CPU-bound process on the same cores (as noisy-neighbour.sh).
# The other build is any leap4j launcher whose jars are already built, e.g. a worktree of an older commit:
#   git worktree add /tmp/other COMMIT && (cd /tmp/other && ./leap4j --help)
# usage: bench/ab.sh OTHER_LEAP4J [MODEL]   (default all-minilm-l6-v2)
#   BENCH_REPEATS (default 4), BENCH_THREADS (default 2), BENCH_CASES (default "32-57 1-57": batch-tokens),
#   BENCH_HOG (set: beside a python3 busy loop), N_FROM (default 100), N_TO (default 400),
#   BENCH_RAW (default target/bench/ab.txt)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_build
./leap4j --help > /dev/null
other="$1"; model="${2:-all-minilm-l6-v2}"
repeats="${BENCH_REPEATS:-4}"; threads="${BENCH_THREADS:-2}"; from="${N_FROM:-100}"; to="${N_TO:-400}"
raw="${BENCH_RAW:-target/bench/ab.txt}"
mkdir -p "$(dirname "$raw")"
work="$(mktemp -d)"
hog=""
trap '[ -n "$hog" ] && kill "$hog" 2>/dev/null; rm -rf "$work"' EXIT
bench_repeated_texts "$work" "$((to + 64))"
{ bench_meta; echo "# other build: $other ($(git -C "$(dirname "$other")" log -1 --format=%h 2>/dev/null || echo unknown))"
  echo "# command: BENCH_REPEATS=$repeats BENCH_THREADS=$threads BENCH_CASES=\"${BENCH_CASES:-32-57 1-57}\" ${BENCH_HOG:+BENCH_HOG=1 }N_FROM=$from N_TO=$to bench/ab.sh $other $model"; } > "$raw"
if [ -n "${BENCH_HOG:-}" ]; then python3 -c 'while True: pass' & hog=$!; sleep 2; fi
for r in $(seq 1 "$repeats"); do
  if [ $((r % 2)) -eq 1 ]; then order="this other"; else order="other this"; fi
  for e in $order; do
    if [ "$e" = this ]; then bin=./leap4j; else bin="$other"; fi
    for c in ${BENCH_CASES:-32-57 1-57}; do
      b="${c%-*}"; tokens="${c#*-}"
      bench_java dev.leap4j.bench.LineClock "$from" "$to" "$bin" embed --model "$model" --theta 2 --batch-size "$b" --threads "$threads" \
          --input "$work/$tokens.txt" --output - \
        | sed "s/^RESULT /RESULT build=$e case=b$c threads=$threads repeat=$r /" >> "$raw"
    done
  done
done
bench_load_end >> "$raw"
grep '^#' "$raw"
# the median of the repeats per case and build, then the repeats themselves
grep '^RESULT' "$raw" | awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] } v[f["case"] " " f["build"]] = v[f["case"] " " f["build"]] " " f["ms_per_input"] }
  END { for (k in v) print k v[k] }' | sort | while read -r c b rest; do
  printf '%s %s median %s (%s)\n' "$c" "$b" "$(tr ' ' '\n' <<< "$rest" | sort -g | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}')" "$rest"
done | tee -a "$raw"
