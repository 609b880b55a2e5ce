#!/usr/bin/env bash
# Per-input time of `leap4j embed --batch-size 1` at full depth (--theta 2 says so explicitly, though stock models run
# at full depth by default anyway) against ONNX Runtime in its own Python process
# (scripts/ort_embed.py: tokenization, the same ONNX file, pooling, JSON lines out), each a whole command as a user
# runs it. The marginal time per input is (time for N_BIG inputs - time for N_SMALL inputs) / (N_BIG - N_SMALL), so
# start-up and model load cancel out. The engines alternate, each in its own process, over BENCH_REPEATS repeats;
# the table gives the median marginal time. Load average at the start and the end is printed with it.
# usage: bench/cli-latency.sh [model ...]   (default: all-minilm-l6-v2 bge-small-en-v1.5)
#   BENCH_THREADS (default "1 2"), BENCH_INPUTS (default "short long"), BENCH_REPEATS (default 3), N_SMALL (default 300),
#   N_BIG (default 1500)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(all-minilm-l6-v2 bge-small-en-v1.5)
small="${N_SMALL:-300}"; big="${N_BIG:-1500}"; repeats="${BENCH_REPEATS:-3}"
./leap4j --help > /dev/null # builds the jar first if needed, outside any timing
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
short="A man is playing a large flute on the stage." # 13 tokens with [CLS]/[SEP]
long="The committee said on Tuesday that the new rules, which take effect next year, would require all large companies to publish detailed reports on their greenhouse gas emissions, including those of their suppliers, and to explain how they plan to reach their climate targets by the end of the decade."
for n in "$small" "$big"; do
  # awk, not yes | head: under pipefail, yes dying of SIGPIPE would end the script
  awk -v n="$n" -v t="$short" 'BEGIN { for (i = 0; i < n; i++) print t }' > "$work/short-$n.txt"
  awk -v n="$n" -v t="$long" 'BEGIN { for (i = 0; i < n; i++) print t }' > "$work/long-$n.txt"
done
declare -A onnx_entry=([all-minilm-l6-v2]=all-minilm-l6-v2 [bge-small-en-v1.5]=bge-small-en-v1.5 [e5-small-v2]=e5-small-v2)
declare -A pooling=([all-minilm-l6-v2]=mean [bge-small-en-v1.5]=cls [e5-small-v2]=mean)
jar_of() { tr ':' '\n' < leap4j-cli/target/classpath.txt | while read -r j; do unzip -l "$j" 2>/dev/null | grep " $1.onnx\$" > /dev/null && { echo "$j"; break; }; done; }
seconds() { local a b; a=$(date +%s.%N); "$@" > /dev/null 2>&1; b=$(date +%s.%N); echo "$b - $a" | bc -l; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# ms per input beyond the first N_SMALL: one command on the small file and one on the big file ($m, $t, $kind set by the loops)
marginal() { local s b; s=$(seconds "$@" "$work/$kind-$small.txt" "$work/out.jsonl"); b=$(seconds "$@" "$work/$kind-$big.txt" "$work/out.jsonl")
  echo "($b - $s) * 1000 / ($big - $small)" | bc -l; }
leap_embed() { ./leap4j embed --model "$m" --theta 2 --batch-size 1 --threads "$t" --input "$1" --output "$2"; }
l() { leap+=("$(marginal leap_embed)"); }
o() { ort+=("$(marginal python3 scripts/ort_embed.py "$work/$m.onnx" "$work/$m-tokenizer.json" "${pooling[$m]}" "$t")"); }
. scripts/jdk25.sh
echo "$("$JAVA25/bin/java" -version 2>&1 | head -1); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'); $(nproc) cores; python onnxruntime $(python3 -c 'import onnxruntime; print(onnxruntime.__version__)')"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| model | threads | input | leap4j embed ms/input | ONNX Runtime (Python) ms/input | leap4j / ORT |"
echo "|---|---|---|---|---|---|"
for m in "${models[@]}"; do
  e="${onnx_entry[$m]}"
  j="$(jar_of "$e")"
  unzip -p "$j" "$e.onnx" > "$work/$m.onnx"
  unzip -p "$j" "$e-tokenizer.json" > "$work/$m-tokenizer.json"
  for t in ${BENCH_THREADS:-1 2}; do
    for kind in ${BENCH_INPUTS:-short long}; do
      leap=(); ort=()
      for r in $(seq 1 "$repeats"); do
        if [ $((r % 2)) -eq 1 ]; then l; o; else o; l; fi
      done
      lm=$(median "${leap[@]}"); om=$(median "${ort[@]}")
      tokens=$([ "$kind" = short ] && echo 13 || echo 57)
      printf '| %s | %s | %s tokens | %.2f (%s) | %.2f (%s) | %.2fx |\n' "$m" "$t" "$tokens" "$lm" "$(printf '%.2f ' "${leap[@]}" | sed 's/ $//')" \
        "$om" "$(printf '%.2f ' "${ort[@]}" | sed 's/ $//')" "$(echo "$lm / $om" | bc -l)"
    done
  done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
