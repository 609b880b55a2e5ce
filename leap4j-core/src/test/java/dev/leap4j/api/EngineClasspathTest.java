package dev.leap4j.api;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What an application that depends on dev.leap4j:leap4j carries: the engine's runtime classpath as Maven resolves it
 * for a user (written by the build to target/runtime-classpath.txt). The enforcer bans frameworks by name; this
 * checks the totals.
 */
class EngineClasspathTest {
    /** 4 today: Jackson's three jars and protobuf (ONNX import); the tokenizer is the engine's own Java. */
    static final int MAX_JARS = 6;
    /** 4.0 MiB today; bounded well under the 20 MB the engine promises, so that a new heavy dependency shows. */
    static final long MAX_BYTES = 8L << 20;

    @Test
    void theEngineBringsFewSmallJarsAndNoModel() throws Exception {
        String cp = Files.readString(Path.of("target/runtime-classpath.txt")).strip();
        List<Path> jars = Arrays.stream(cp.split(File.pathSeparator)).filter(s -> !s.isBlank()).map(Path::of).toList();
        long bytes = 0;
        for (Path j : jars) bytes += Files.size(j);
        String listing = String.join("\n", jars.stream().map(j -> j.getFileName().toString()).toList());
        assertTrue(jars.size() <= MAX_JARS, jars.size() + " jars:\n" + listing);
        assertTrue(bytes <= MAX_BYTES, String.format(Locale.ROOT, "%.1f MB:%n%s", bytes / 1048576.0, listing));
        assertTrue(jars.stream().noneMatch(j -> j.toString().contains("langchain4j")), "no built-in model comes with the engine:\n" + listing);
        assertTrue(jars.stream().noneMatch(j -> j.toString().contains("djl")), "no native tokenizer comes with the engine:\n" + listing);
    }
}
