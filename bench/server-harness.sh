#!/usr/bin/env bash
# Runs one of the server's benchmark harnesses (server test code: dev.leap4j.serve.LoadHarness, ShedLoadHarness) in
# one JVM with the server, on the classpath the reactor gives the server's tests.
#   bench/server-harness.sh CLASS [harness options ...]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
. "$here/scripts/jdk25.sh"
export JAVA_HOME="$JAVA25"
main="${1:?usage: bench/server-harness.sh CLASS [options]}"
shift
# the reactor resolves the engine and its test helpers to their target folders
./mvnw -q -B -o -pl leap4j-server -am test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt \
  -Dmdep.includeScope=test >&2
exec "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Xmx4g \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "leap4j-server/target/test-classes:leap4j-server/target/classes:$(cat leap4j-server/target/test-classpath.txt)" "$main" "$@"
