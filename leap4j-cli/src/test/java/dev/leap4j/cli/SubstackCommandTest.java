package dev.leap4j.cli;

import dev.leap4j.load.ModelFolder;
import dev.leap4j.model.BertWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SubstackCommandTest {
    @TempDir
    Path tmp;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    private List<String> embedded(String... options) throws IOException {
        return CliRun.embedded(tmp, List.of("A man is playing a guitar.", "ok", "Stock markets fell sharply on Tuesday."), options);
    }

    @Test
    void theFirstLayersAsASubstackEmbedExactlyAsADepthCap() throws IOException {
        Path folder = tmp.resolve("first3");
        CliRun r = run("substack", "--model", "all-minilm-l6-v2", "--layers", "1,2,3", "--out", folder.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("layers 1,2,3 of all-minilm-l6-v2 (3 of 6)"), r.out());
        assertEquals(embedded("--model", "all-minilm-l6-v2", "--depth", "3"), embedded("--model", folder.toString()),
                "the written folder runs the model's first three layers, bit for bit");
    }

    @Test
    void aSpreadSubstackHoldsTheChosenLayersInOrder() throws IOException {
        Path folder = tmp.resolve("spread");
        assertEquals(0, run("substack", "--model", "all-minilm-l6-v2", "--layers", "1,4,6", "--out", folder.toString()).code());
        ModelFolder stock = dev.leap4j.load.ModelLocator.load("all-minilm-l6-v2", Main.cacheDir()), sub = ModelFolder.load(folder);
        assertEquals(3, sub.config().numLayers());
        assertEquals(stock.config().withLayers(3), sub.config());
        int[] from = {1, 4, 6};
        List<BertWeights.Param> s = stock.weights().parameters(), t = sub.weights().parameters();
        for (BertWeights.Param p : t) {
            String name = p.name();
            String source = name;
            for (int i = 0; i < from.length; i++) {
                if (name.startsWith("encoder.layer." + i + ".")) source = "encoder.layer." + (from[i] - 1) + "." + name.substring(("encoder.layer." + i + ".").length());
            }
            String wanted = source;
            float[] expected = s.stream().filter(q -> q.name().equals(wanted)).findFirst().orElseThrow().data();
            assertArrayEquals(expected, p.data(), name + " is " + wanted + " of the model");
        }
        assertFalse(Files.exists(folder.resolve("leap4j_exit.json")), "no exit calibration: the folder runs all its layers by default");
    }

    @Test
    void badLayersAreTheCallersMistakeInOneLine() throws IOException {
        String out = tmp.resolve("x").toString();
        CliRun r = run("substack", "--model", "all-minilm-l6-v2", "--layers", "1,7", "--out", out);
        assertEquals(2, r.code());
        assertEquals("leap4j: --layers names layer 7: all-minilm-l6-v2 has layers 1..6", r.err().strip());
        r = run("substack", "--model", "all-minilm-l6-v2", "--layers", "3,2", "--out", out);
        assertEquals(2, r.code());
        assertEquals("leap4j: --layers must be ascending without repeats, got 3,2", r.err().strip());
        Path file = Files.writeString(tmp.resolve("file"), "not a folder");
        r = run("substack", "--model", "all-minilm-l6-v2", "--layers", "1", "--out", file.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().strip().endsWith("exists and is not a folder"), r.err());
        assertFalse(Files.exists(tmp.resolve("x")), "nothing written on a mistake");
    }
}
