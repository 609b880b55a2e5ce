package dev.leap4j.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressBarTest {
    @Test
    void terminalBarRedrawsInPlaceAndEndsWithNewline() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), true);
        bar.update("trace", 0, 4);
        bar.update("trace", 4, 4);
        String s = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(s.startsWith("\rtrace"), s);
        assertTrue(s.contains("100.0% 4/4") && s.contains("#".repeat(30)), s);
        assertTrue(s.endsWith("\n"), s);
    }

    @Test
    void logModePrintsOneLinePerFinishedTask() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), false);
        for (int i = 0; i <= 10; i++) bar.update("time batch 1", i, 10);
        bar.update("search", 3, 3);
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(2, lines.length);
        assertTrue(lines[0].startsWith("time batch 1: 10/10 done in "), lines[0]);
        assertTrue(lines[1].startsWith("search: 3/3 done"), lines[1]);
    }
}
