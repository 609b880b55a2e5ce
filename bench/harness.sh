#!/usr/bin/env bash
# Runs one of the benchmark harnesses of leap4j-bench (dev.leap4j.bench.*, dev.leap4j.serve.LoadHarness, ...) in its
# own JVM, with the flags the engine is meant to run with. Builds the module first (offline), outside any timing.
#   bench/harness.sh CLASS [arguments ...]
# bench/lib.sh sources this file's build step for scripts that start several harness JVMs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$here/bench/lib.sh"
main="${1:?usage: bench/harness.sh CLASS [arguments]}"
shift
bench_build
bench_java "$main" "$@"
