#!/usr/bin/env bash
# Server load test over loopback: N concurrent clients for a fixed time per theta, mixed lengths (STS-B dev
# sentences, some SciFact abstracts), in one JVM with the server. Stops by itself. Results: docs/BENCHMARKS.md.
#   bench/serve-load.sh [--model e5-small-v2] [--seconds 60] [--warmup 10] [--clients 32] [--thetas 1.01,0.95] [--threads N]
exec "$(dirname "$0")/harness.sh" dev.leap4j.serve.LoadHarness "$@"
