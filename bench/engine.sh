#!/usr/bin/env bash
# Engine benchmark against ONNX Runtime (docs/BENCHMARKS.md): every (model, threads, engine) runs in its own JVM,
# so neither engine's worker threads take a core from the other; the engines alternate over BENCH_REPEATS repeats
# (the order flips each repeat) so drift hits both alike. Reports, per configuration, the median over repeats of
# each process's batch-1 median and p99, the batch-32 throughput, and the load average at the start and the end.
# usage: bench/engine.sh [model ...]   (default: all-minilm-l6-v2 bge-small-en-v1.5)
#   BENCH_REPEATS (default 3) processes per engine and configuration; BENCH_ROUNDS (default 1000) batch-1 rounds
#   BENCH_THREADS (default "1 2"); raw lines are kept in target/engine-bench.txt
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/jdk25.sh
export JAVA_HOME="$JAVA25"
./mvnw -q -B -o -DskipTests -pl leap4j-core -am test-compile
./mvnw -q -B -o -pl leap4j-core dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(all-minilm-l6-v2 bge-small-en-v1.5)
repeats="${BENCH_REPEATS:-3}"
raw=target/engine-bench.txt
mkdir -p target
: > "$raw"
echo "$("$JAVA_HOME/bin/java" -version 2>&1 | head -1); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'); $(nproc) cores"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
run() { # model threads engine
  "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Xss16m -Xmx4g \
    -cp "leap4j-core/target/test-classes:leap4j-core/target/classes:$(cat leap4j-core/target/test-classpath.txt)" \
    dev.leap4j.bench.EngineBenchmark "$1" "$2" "$3" 2>/dev/null \
    | grep '^RESULT' | sed "s/\$/ repeat=$4/" >> "$raw"
}
for m in "${models[@]}"; do
  for t in ${BENCH_THREADS:-1 2}; do
    for r in $(seq 1 "$repeats"); do
      if [ $((r % 2)) -eq 1 ]; then run "$m" "$t" leap4j "$r"; run "$m" "$t" ort "$r"
      else run "$m" "$t" ort "$r"; run "$m" "$t" leap4j "$r"; fi
    done
  done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg) (the 1-minute figure includes the benchmark's own threads)"
# median over repeats of each field, then one table row per (model, threads)
awk '
  # the batch-1 token counts measured for cfg, ascending, into out[1..n]; returns n
  function tokenCounts(cfg, out,   n, ck, q, i, j, tmp) {
    n = 0;
    for (ck in cases) { split(ck, q, SUBSEP); if (q[1] == cfg) out[++n] = substr(q[2], 4) + 0 }
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (out[j] < out[i]) { tmp = out[i]; out[i] = out[j]; out[j] = tmp }
    return n;
  }
  function med(key,   n, i, j, a, tmp) {
    n = split(vals[key], a, " ");
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { tmp = a[i]; a[i] = a[j]; a[j] = tmp }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2;
  }
  {
    delete kv;
    for (i = 2; i <= NF; i++) { split($i, p, "="); kv[p[1]] = p[2] }
    cfg = kv["model"] " " kv["threads"];
    if (!(cfg in seen)) { seen[cfg] = 1; order[++nc] = cfg }
    for (k in kv) if (k != "model" && k != "threads" && k != "engine" && k != "case" && k != "repeat") {
      key = cfg SUBSEP kv["engine"] SUBSEP kv["case"] SUBSEP k;
      vals[key] = vals[key] " " kv[k];
      if (kv["case"] ~ /^b1-/) cases[cfg, kv["case"]] = 1;
    }
  }
  END {
    print "| model | threads | case | leap4j p50 (p99) ms | ORT p50 (p99) ms | leap4j / ORT (p50) |";
    print "|---|---|---|---|---|---|";
    for (c = 1; c <= nc; c++) {
      cfg = order[c]; split(cfg, mt, " ");
      nb = tokenCounts(cfg, b1);
      for (i = 1; i <= nb; i++) {
        k = "b1-" b1[i];
        lp = med(cfg SUBSEP "leap4j" SUBSEP k SUBSEP "p50"); op = med(cfg SUBSEP "ort" SUBSEP k SUBSEP "p50");
        printf "| %s | %s | batch 1, %s tokens | %.2f (%.2f) | %.2f (%.2f) | %.2fx |\n", mt[1], mt[2], b1[i],
          lp, med(cfg SUBSEP "leap4j" SUBSEP k SUBSEP "p99"), op, med(cfg SUBSEP "ort" SUBSEP k SUBSEP "p99"), lp / op;
      }
      ls = med(cfg SUBSEP "leap4j" SUBSEP "b32" SUBSEP "sent_per_s"); os = med(cfg SUBSEP "ort" SUBSEP "b32" SUBSEP "sent_per_s");
      printf "| %s | %s | batch 32, sentences/s (leap4j / ORT = throughput ratio) | %.0f | %.0f | %.2fx |\n", mt[1], mt[2], ls, os, ls / os;
    }
    print "";
    for (c = 1; c <= nc; c++) {
      cfg = order[c]; split(cfg, mt, " ");
      nb = tokenCounts(cfg, b1);
      for (i = 1; i <= nb; i++) {
        n = b1[i];
        printf "monitoring on / off, %s, %s thread(s), %s tokens: %.3fx\n", mt[1], mt[2], n, med(cfg SUBSEP "leap4j" SUBSEP "monitor" n SUBSEP "ratio");
      }
    }
  }' "$raw"
