#!/usr/bin/env bash
# Overload benchmark of the server's depth controller: measures the request rate full depth sustains, then sends
# STS-B test sentences open loop at 0.5x-3x that rate, with the controller off and on, and prints per step p50/p99,
# 429s, errors, the mean depth served, the share shed and the STS-B Spearman of what was served. Results:
# docs/BENCHMARKS.md. Run on a quiet machine; the load average is printed before and after.
#   bench/serve-shed.sh [--model e5-small-v2] [--floor-depth 10] [--target-ms 200] [--step-seconds 20] [--multipliers 0.5,1,1.5,2,3] [--threads N]
set -euo pipefail
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(grep -o 'avx512[a-z]*\|avx2' /proc/cpuinfo | sort -u | tr '\n' ' ')"
"$(dirname "$0")/harness.sh" dev.leap4j.serve.ShedLoadHarness "$@"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
