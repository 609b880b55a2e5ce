# Sourced by bench/*.sh: the JDK, the harness build and launch, and the metadata every published figure carries.
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$here/scripts/jdk25.sh"
export JAVA_HOME="$JAVA25"

# Builds leap4j-bench and the modules it needs (offline, no tests); its runtime classpath goes to target/classpath.txt.
bench_build() {
  (cd "$here" && ./mvnw -q -B -o -DskipTests -pl leap4j-bench -am package >&2)
}

# Runs CLASS from leap4j-bench in a fresh JVM with the engine's flags; LEAP4J_BENCH_HEAP (default 4g) sets -Xmx.
bench_java() {
  local main="$1"; shift
  "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Xss16m \
    -Xmx"${LEAP4J_BENCH_HEAP:-4g}" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -cp "$here/leap4j-bench/target/leap4j-bench-0.1.0-SNAPSHOT.jar:$(cat "$here/leap4j-bench/target/classpath.txt")" "$main" "$@"
}

# One line per fact, "# key: value", for the head of a raw output: when, which commit, which CPU (model, family,
# the SIMD flags that decide the kernels), cores, JDK, and the load average now.
bench_meta() {
  local flags
  flags=$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -xE 'avx2|fma|avx512f|avx512_vnni|avx512_bf16|avx_vnni|amx_int8' | tr '\n' ' ' | sed 's/ $//')
  echo "# date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "# commit: $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$here" diff --quiet HEAD 2>/dev/null || echo ' (with local changes)')"
  echo "# cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), family $(grep -m1 'cpu family' /proc/cpuinfo | cut -d: -f2 | tr -d ' ') model $(grep -m1 '^model\s' /proc/cpuinfo | cut -d: -f2 | tr -d ' '), flags: ${flags:-none of avx2/fma/avx512f/avx512_vnni}"
  echo "# cores: $(nproc)"
  echo "# jdk: $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
  echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# Waits up to SECONDS (default 300) for the 1-minute load average to fall below LIMIT (default 1.5): a build or an
# earlier run leaves it high for a minute or two after it ends.
bench_wait_quiet() {
  local limit="${1:-1.5}" seconds="${2:-300}"
  for _ in $(seq 1 $(( seconds / 5 ))); do
    awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v m="$limit" 'BEGIN { exit !(l >= m) }' || return 0
    sleep 5
  done
}

bench_load_end() {
  echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg) (the 1-minute figure includes the benchmark's own threads)"
}

# Writes DIR/13.txt and DIR/57.txt: N copies of a 13-token and a 57-token sentence (counting [CLS] and [SEP] in BERT
# vocabularies), the latency scripts' two cases; awk, not yes | head (SIGPIPE under pipefail).
bench_repeated_texts() {
  local dir="$1" n="$2"
  local short="A man is playing a large flute on the stage."
  local long="The committee said on Tuesday that the new rules, which take effect next year, would require all large companies to publish detailed reports on their greenhouse gas emissions, including those of their suppliers, and to explain how they plan to reach their climate targets by the end of the decade."
  awk -v n="$n" -v t="$short" 'BEGIN { for (i = 0; i < n; i++) print t }' > "$dir/13.txt"
  awk -v n="$n" -v t="$long" 'BEGIN { for (i = 0; i < n; i++) print t }' > "$dir/57.txt"
}
