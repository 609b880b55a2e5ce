#!/usr/bin/env bash
# Server load test over loopback: N concurrent clients for a fixed time per theta, mixed lengths (STS-B dev
# sentences, some SciFact abstracts), in one JVM with the server. Stops by itself. Results: docs/BENCHMARKS.md.
#   bench/serve-load.sh [--model e5-small-v2] [--seconds 60] [--warmup 10] [--clients 32] [--thetas 1.01,0.95] [--threads N]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
. "$(dirname "$0")/../scripts/jdk25.sh"
export JAVA_HOME="$JAVA25"
# the harness is server test code; the reactor resolves the engine and its test helpers to their target folders
./mvnw -q -B -o -pl leap4j-server -am test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt \
  -Dmdep.includeScope=test >&2
exec "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Xmx4g \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "leap4j-server/target/test-classes:leap4j-server/target/classes:$(cat leap4j-server/target/test-classpath.txt)" dev.leap4j.serve.LoadHarness "$@"
