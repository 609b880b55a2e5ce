#!/usr/bin/env bash
# The early-exit speedup on this machine where every input leaves at one layer K: full depth against the exit at
# layer K, timed interleaved in one process by `eval sts` (its "speedup b1" and "speedup b32" columns; median of
# BENCH_REPEATS passes over a fixed sample), at 1 and 2 threads. An exit's time depends on the layers run and the
# rule's checks, not on the weights' values, so a stock model made to leave at layer K (min layer K and theta 0.5:
# every input's layer K agrees with layer K-1 by more than that) times exactly what a tuned model that exits at
# layer K runs. The quality columns of these reports are that stock model's, stopped at layer K: they say nothing
# about a tuned model. Writes OUT/exit-speedup.txt (with the CPU, JDK and load) and one report per thread count.
# usage: bench/exit-speedup.sh OUT [MODEL] [K]   (default e5-small-v2, layer 7: the recipe's exit)
#   BENCH_REPEATS (default 9)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
out="${1:?usage: bench/exit-speedup.sh OUT [MODEL] [K]}"
model="${2:-e5-small-v2}"
k="${3:-7}"
repeats="${BENCH_REPEATS:-9}"
mkdir -p "$out"
{
  bench_meta
  for t in 1 2; do
    cmd=(./leap4j eval sts --model "$model" --data ../shared/data/stsb --split test --min-layer "$k" --thetas 0.5
      --repeats "$repeats" --threads "$t" --out "$out/exit-at-$k-$t-thread")
    echo "# command: ${cmd[*]}"
    "${cmd[@]}" > /dev/null 2>&1
    echo "## $t thread(s), load average now $(cut -d' ' -f1-3 /proc/loadavg)"
    rm -f "$out/exit-at-$k-$t-thread/"*.png   # the charts are not part of the raw output
    grep -E '^\| (full|0\.50) |^\| theta|Full depth took' "$out/exit-at-$k-$t-thread/report.md"
  done
  bench_load_end
} | tee "$out/exit-speedup.txt"
