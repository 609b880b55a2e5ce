#!/usr/bin/env bash
# Side-by-side engine benchmark against ONNX Runtime (see docs/BENCHMARKS.md).
# Usage: bench/engine.sh [model ...]   (default: all-minilm-l6-v2 bge-small-en-v1.5; BENCH_ROUNDS=2000 batch-1 rounds)
# Each (model, threads) configuration runs in its own JVM.
set -euo pipefail
cd "$(dirname "$0")/.."
. "$(dirname "$0")/../scripts/jdk25.sh"
export JAVA_HOME="$JAVA25"
./mvnw -q -B -DskipTests -pl leap4j-core -am test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(all-minilm-l6-v2 bge-small-en-v1.5)
for m in "${models[@]}"; do
  for t in 1 2; do
    "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Xss16m -Xmx4g \
      -cp "leap4j-core/target/test-classes:leap4j-core/target/classes:$(cat leap4j-core/target/test-classpath.txt)" dev.leap4j.bench.EngineBenchmark "$m" "$t" 2>&1 \
      | grep -vE '^WARNING|onnxruntime|INFO'
  done
done
