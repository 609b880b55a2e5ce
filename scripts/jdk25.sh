# Sourced by ./leap4j and bench/*.sh: sets JAVA25 to a JDK 25 or later (JAVA_HOME when it is one, else the first
# one installed under /usr/lib/jvm, ~/.sdkman or ~/.jdks). Maven finds its own through the toolchains plugin.
java25_ok() { [ -x "$1/bin/java" ] && "$1/bin/java" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])'; }
JAVA25=""
for j in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/* "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*; do
  if [ -n "$j" ] && java25_ok "$j"; then JAVA25="$j"; break; fi
done
if [ -z "$JAVA25" ]; then
  echo "leap4j needs JDK 25 or later: none found in JAVA_HOME or /usr/lib/jvm; install one (e.g. Temurin 25 from https://adoptium.net) and set JAVA_HOME to it" >&2
  exit 1
fi
