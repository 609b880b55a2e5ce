#!/usr/bin/env bash
# The ONNX Runtime reference for STS-B full-depth Spearman (see docs/RESULTS.md).
# -Xss64m: ONNX Runtime 1.29 crashes (SIGSEGV, no hs_err) while creating its environment on the default main-thread stack here.
# usage: bench/ort-sts.sh MODEL [STS_FILE] [THREADS]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$(dirname "$0")/../scripts/jdk25.sh"
export JAVA_HOME="$JAVA25"
model="${1:?usage: bench/ort-sts.sh MODEL [STS_FILE] [THREADS]}"
file="${2:-$here/../shared/data/stsb/derived/sts-test.tsv}"
threads="${3:-2}"
cache="${LEAP4J_CACHE:-$HOME/.cache/leap4j/models}"
cd "$here"
./mvnw -q -B -o -pl leap4j-eval -am test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt \
  -Dmdep.includeScope=test >&2
exec "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Xss64m \
  -cp "leap4j-eval/target/test-classes:leap4j-eval/target/classes:$(cat leap4j-eval/target/test-classpath.txt)" dev.leap4j.eval.OrtStsOracle "$model" "$file" "$cache" "$threads"
