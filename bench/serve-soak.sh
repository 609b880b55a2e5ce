#!/usr/bin/env bash
# Soak of `leap4j serve` (docs/BENCHMARKS.md, "Soak"): starts the server as a user would (./leap4j serve, the
# launcher's default heap), then dev.leap4j.serve.SoakHarness in another JVM sends well-behaved requests at half the
# rate the server sustains, with hostile clients beside them, and reports per minute the answers, errors, p50/p99 and
# the server's RSS. The server is stopped at the end.
# usage: bench/serve-soak.sh [--model e5-small-v2] [harness options: --minutes 30 --warmup-minutes 5 --hostile 16]
#   SOAK_PORT (default 18080)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_build
./leap4j --help > /dev/null
model=e5-small-v2
if [ "${1:-}" = --model ]; then model="$2"; shift 2; fi
port="${SOAK_PORT:-18080}"
bench_meta
echo "# command: bench/serve-soak.sh --model $model $*"
./leap4j serve --model "$model" --port "$port" > target/soak-server.log 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for i in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/health" > /dev/null && break; sleep 1; done
# the launcher execs java, so $server is the JVM's pid
bench_java dev.leap4j.serve.SoakHarness --url "http://127.0.0.1:$port" --pid "$server" "$@"
grep -iE 'memory|heap' target/soak-server.log | head -5 || true
bench_load_end
