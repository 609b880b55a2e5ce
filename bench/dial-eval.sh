#!/usr/bin/env bash
# Scores a depth dial. `eval sts` (STS-B dev, then test) and `eval retrieval` (BEIR SciFact test, the model's query and
# document prompts, exact search) run on MODEL itself: each report has a "Depth paths" section that embeds every input
# through each of the model's paths (what `--depth k` runs on it), beside its first k layers, timed at batch 1 and 32
# in the same interleaved runs as full depth. STS is scored without a prompt, as `eval sts` scores e5.
# Every extra PATH (one the model does not name, e.g. an untrained member of the same family) is cut out with
# `leap4j substack` and scored on STS-B dev and test at its full depth.
# usage: bench/dial-eval.sh MODEL OUT [PATH ...]
#   DIAL_SCIFACT (default 1): 0 skips SciFact (about 22 min for the full stack plus the paths' share on 2 cores)
#   BENCH_REPEATS (default 5): timed passes per configuration on STS-B test
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
model="${1:?usage: bench/dial-eval.sh MODEL OUT [PATH ...]}"
out="${2:?usage: bench/dial-eval.sh MODEL OUT [PATH ...]}"
shift 2
repeats="${BENCH_REPEATS:-5}"
data="$here/../shared/data"
mkdir -p "$out"
{
  echo "# date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "# cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), flags: $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -xE 'avx2|fma|avx512f|avx512_vnni' | tr '\n' ' ')"
  echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$out/meta.txt"
"$here/leap4j" eval sts --model "$model" --data "$data/stsb" --split dev --thetas 0.99 --speed-sample 0 --out "$out/sts-dev" > "$out/sts-dev.txt"
"$here/leap4j" eval sts --model "$model" --data "$data/stsb" --split test --thetas 0.99 --repeats "$repeats" --out "$out/sts-test" > "$out/sts-test.txt"
echo "# load average after STS-B test: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/meta.txt"
cat "$out/sts-test.txt" >&2
if [ "${DIAL_SCIFACT:-1}" != 0 ]; then
  "$here/leap4j" eval retrieval --model "$model" --data "$data/beir/scifact" --thetas 0.99 --speed-sample 32 --doc-speed-sample 8 \
    --out "$out/scifact" > "$out/scifact.txt"
  echo "# load average after SciFact: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/meta.txt"
  cat "$out/scifact.txt" >&2
fi
for p in "$@"; do
  k=$(tr ',' '\n' <<< "$p" | wc -l)
  rung="$out/.path-$k"
  rm -rf "$rung"
  "$here/leap4j" substack --model "$model" --layers "$p" --out "$rung" > /dev/null
  for split in dev test; do
    "$here/leap4j" eval sts --model "$rung" --data "$data/stsb" --split "$split" --thetas 0.99 --speed-sample 0 \
      --out "$out/sts-$split-path-$k" > /dev/null
  done
  rm -rf "$rung"
  echo "extra path of $k layers ($p): $(grep -m1 -o 'Full depth[^*]*' "$out/sts-test-path-$k/report.md" || true)" >&2
done
