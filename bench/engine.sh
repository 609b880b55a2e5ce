#!/usr/bin/env bash
# Side-by-side engine benchmark against ONNX Runtime (see docs/BENCHMARKS.md). Usage: bench/engine.sh [model ...]
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
./mvnw -q -B -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
exec "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Xss16m -Xmx4g \
  -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" dev.leap4j.bench.EngineBenchmark "$@"
