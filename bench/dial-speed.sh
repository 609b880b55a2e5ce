#!/usr/bin/env bash
# The speed of a depth dial's rungs on this machine: `eval sts` on STS-B test times full depth and every depth path
# of MODEL (what `--depth k` runs on it) in the same process, interleaved, at batch 1 and 32 (median of
# BENCH_REPEATS passes over fixed samples), at 1 and 2 threads. Writes OUT/dial-speed.txt (CPU, JDK, load before and
# after each run, each report's "Depth paths" table) and one report per thread count.
# Run it alone on a quiet machine: the script waits up to 5 minutes for the 1-minute load average to fall below 1.0.
# usage: bench/dial-speed.sh MODEL OUT
#   BENCH_REPEATS (default 9)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
model="${1:?usage: bench/dial-speed.sh MODEL OUT}"
out="${2:?usage: bench/dial-speed.sh MODEL OUT}"
repeats="${BENCH_REPEATS:-9}"
mkdir -p "$out"
./leap4j --help > /dev/null # builds the CLI first if needed, outside any timing
bench_wait_quiet 1.0 300
{
  bench_meta
  for t in 1 2; do
    cmd=(./leap4j eval sts --model "$model" --data ../shared/data/stsb --split test --thetas 0.99 --repeats "$repeats" --threads "$t"
      --out "$out/sts-test-$t-thread")
    echo "# command: ${cmd[*]}"
    echo "## $t thread(s), load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    "${cmd[@]}" > /dev/null 2>&1
    echo "## $t thread(s), load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
    rm -f "$out/sts-test-$t-thread/"*.png   # the charts are not part of the raw output
    grep -E 'Full depth took' "$out/sts-test-$t-thread/report.md" | grep -o 'Full depth took.*'
    sed -n '/^## Depth paths/,/^## Early exit/p' "$out/sts-test-$t-thread/report.md" | grep '^|'
  done
  bench_load_end
} | tee "$out/dial-speed.txt"
