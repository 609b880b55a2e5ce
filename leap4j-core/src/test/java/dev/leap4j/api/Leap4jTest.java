package dev.leap4j.api;

import dev.leap4j.api.Embedding;
import dev.leap4j.api.ExitPolicy;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The library API on a real built-in model: concurrent callers get the same bits as one caller alone. */
class Leap4jTest {
    static final String[] WORDS = "the a river city bank rate early exit layer model cells divide quickly protein market over under".split(" ");

    static List<String> texts(Random rnd, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder sb = new StringBuilder();
            for (int w = 0, len = 1 + rnd.nextInt(12); w < len; w++) sb.append(w == 0 ? "" : " ").append(WORDS[rnd.nextInt(WORDS.length)]);
            out.add(sb.toString());
        }
        return out;
    }

    @Test
    void concurrentCallersGetExactlyWhatOneCallerGetsAlone() throws Exception {
        long seed = dev.leap4j.TestSeed.next();
        Random rnd = new Random(seed);
        try (Leap4j model = Leap4j.load("all-minilm-l6-v2", Path.of("target/model-cache"), 2)) {
            assertEquals(384, model.dimension());
            assertEquals(6, model.numLayers());
            ExitPolicy rule = model.defaultPolicy().withTheta(0.9);
            List<List<String>> work = new ArrayList<>();
            for (int t = 0; t < 8; t++) work.add(texts(rnd, 1 + rnd.nextInt(40)));
            List<List<Embedding>> alone = new ArrayList<>();
            for (List<String> w : work) {
                List<Embedding> one = new ArrayList<>();
                for (String text : w) one.add(model.embed(List.of(text), rule).getFirst()); // each text alone
                alone.add(one);
            }
            try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
                List<Future<List<Embedding>>> together = new ArrayList<>();
                for (List<String> w : work) together.add(pool.submit(() -> model.embed(w, rule)));
                for (int t = 0; t < work.size(); t++) {
                    List<Embedding> got = together.get(t).get();
                    assertEquals(work.get(t).size(), got.size());
                    for (int i = 0; i < got.size(); i++) {
                        assertArrayEquals(alone.get(t).get(i).vector(), got.get(i).vector(), "seed " + seed + ": " + work.get(t).get(i));
                        assertEquals(alone.get(t).get(i).exitLayer(), got.get(i).exitLayer());
                    }
                }
            }
            float[] v = model.embed("a river bank");
            double norm = 0;
            for (float f : v) norm += f * f;
            assertEquals(1.0, norm, 1e-5, "all-MiniLM's pipeline normalises");
            List<Embedding> full = model.embed(List.of("a river bank"), ExitPolicy.fullDepth());
            assertEquals(6, full.getFirst().exitLayer());
            assertThrows(IllegalArgumentException.class, () -> model.embed(java.util.Arrays.asList("ok", null), rule));
            assertTrue(model.maxTokens() > 0);
        }
        assertThrows(IllegalArgumentException.class, () -> Leap4j.load("no-such-model", Path.of("target/model-cache"), 1));
    }
}
