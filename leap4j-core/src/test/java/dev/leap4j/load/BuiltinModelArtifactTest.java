package dev.leap4j.load;

import dev.leap4j.api.Leap4j;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each built-in model is its own artifact: without it on the class path, loading the name says which to add. */
class BuiltinModelArtifactTest {
    /** Run in a child JVM whose class path lacks the model jars. */
    public static void main(String[] args) throws Exception {
        try (Leap4j m = Leap4j.load("e5-small-v2", Path.of(args[0]), 1)) {
            System.out.println("loaded " + m.name());
        } catch (IllegalArgumentException e) {
            System.out.println("refused: " + e.getMessage());
        }
    }

    @Test
    void aMissingModelArtifactIsNamedInOneLine(@TempDir Path emptyCache) throws Exception {
        String cp = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !e.contains("langchain4j-embeddings") && !e.contains("leap4j-model-") && !e.contains("leap4j-models"))
                .collect(Collectors.joining(File.pathSeparator));
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-cp", cp, BuiltinModelArtifactTest.class.getName(), emptyCache.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("refused: the built-in model e5-small-v2 is not on the classpath: add the dependency "
                + "dev.leap4j:leap4j-model-e5-small-v2 (or give a model folder)"), out);
    }
}
