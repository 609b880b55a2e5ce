package dev.leap4j.examples;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every Java block in the README is code that the build compiles and runs: each must appear, line for line, in one
 * of the example projects under src/it (which invoker builds against the installed artifacts and tests).
 */
class ReadmeExamplesTest {
    static final Path README = Path.of("../README.md");
    static final Path EXAMPLES = Path.of("src/it");

    /** The fenced ```java blocks of a Markdown text, in order. */
    static List<String> javaBlocks(String markdown) {
        List<String> blocks = new ArrayList<>();
        StringBuilder cur = null;
        for (String line : markdown.split("\n", -1)) {
            if (cur == null && line.strip().equals("```java")) cur = new StringBuilder();
            else if (cur != null && line.strip().equals("```")) {
                blocks.add(cur.toString());
                cur = null;
            } else if (cur != null) cur.append(line).append('\n');
        }
        return blocks;
    }

    /** Lines without surrounding blanks, blank lines dropped: indentation and spacing may differ, the code may not. */
    static String normalise(String code) {
        StringBuilder b = new StringBuilder();
        for (String line : code.split("\n")) if (!line.isBlank()) b.append(line.strip()).append('\n');
        return b.toString();
    }

    static Map<Path, String> exampleSources() throws IOException {
        Map<Path, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(EXAMPLES)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".java") && f.toString().contains("/src/main/java/")).toList()) {
                out.put(p, normalise(Files.readString(p)));
            }
        }
        return out;
    }

    @Test
    void everyJavaBlockInTheReadmeIsAnExampleTheBuildRuns() throws IOException {
        List<String> blocks = javaBlocks(Files.readString(README));
        assertFalse(blocks.isEmpty(), "the README shows Java code");
        Map<Path, String> sources = exampleSources();
        for (String block : blocks) {
            String want = normalise(block);
            assertTrue(sources.values().stream().anyMatch(s -> s.contains(want)),
                    "this README block is in no example under " + EXAMPLES + " (so no build compiles or runs it):\n" + block);
        }
    }

    @Test
    void theBlockFinderSeesFencesOnly() {
        assertTrue(javaBlocks("text\n```java\nint a;\n```\n```bash\nls\n```\n").equals(List.of("int a;\n")));
        assertTrue(normalise("  a;\n\n    b;  \n").equals("a;\nb;\n"));
    }
}
