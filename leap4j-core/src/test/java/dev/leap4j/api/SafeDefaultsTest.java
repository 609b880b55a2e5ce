package dev.leap4j.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.leap4j.exit.ExitCalibration;
import dev.leap4j.load.BuiltinModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A user who changes nothing gets correct rankings: a stock model (no calibration) runs at full depth by default,
 * and a small title-to-abstract retrieval check ranks each title's own abstract first. The same check with early
 * exit forced on shows what the defaults protect against.
 */
class SafeDefaultsTest {
    static final Path CACHE = Path.of("target/model-cache");

    record Doc(String title, String text) {}

    static List<Doc> scifact() throws Exception {
        List<Doc> out = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(Objects.requireNonNull(
                SafeDefaultsTest.class.getResourceAsStream("/retrieval/scifact-titles.jsonl")), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                JsonNode n = json.readTree(line);
                out.add(new Doc(n.get("title").asText(), n.get("text").asText()));
            }
        }
        return out;
    }

    /** MRR@10 of each title retrieving its own abstract, queries and documents each with their model prompt. */
    static double titleToAbstractMrr(Leap4j model, ExitPolicy rule, List<Doc> docs, List<Integer> layersOut) {
        List<Embedding> d = model.embed(docs.stream().map(x -> model.documentPrompt().apply(x.text())).toList(), rule);
        List<Embedding> q = model.embed(docs.stream().map(x -> model.queryPrompt().apply(x.title())).toList(), rule);
        double mrr = 0;
        for (int i = 0; i < q.size(); i++) {
            double own = dot(q.get(i).vector(), d.get(i).vector());
            int rank = 1;
            for (int j = 0; j < d.size(); j++) if (j != i && dot(q.get(i).vector(), d.get(j).vector()) > own) rank++;
            if (rank <= 10) mrr += 1.0 / rank;
        }
        for (Embedding e : d) layersOut.add(e.exitLayer());
        for (Embedding e : q) layersOut.add(e.exitLayer());
        return mrr / q.size();
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return s;
    }

    @Test
    void stockE5RanksCorrectlyWithTheDefaults() throws Exception {
        List<Doc> docs = scifact();
        try (Leap4j e5 = Leap4j.load("e5-small-v2", CACHE, 2)) {
            assertFalse(e5.earlyExitByDefault(), "stock e5 carries no exit calibration");
            assertFalse(e5.defaultPolicy().monitors(), "so it runs at full depth by default");
            List<Integer> layers = new ArrayList<>();
            double mrr = titleToAbstractMrr(e5, e5.defaultPolicy(), docs, layers);
            assertTrue(layers.stream().allMatch(l -> l == 12), "every input at full depth: " + layers);
            assertTrue(mrr >= 0.9, "title-to-abstract MRR@10 with the defaults: " + mrr);

            // what the defaults protect against: early exit on a model not trained for it mixes layers
            List<Integer> early = new ArrayList<>();
            double forced = titleToAbstractMrr(e5, e5.policy(ExitPolicy.PAPER_THETA, null, null, null), docs, early);
            assertTrue(early.stream().anyMatch(l -> l < 12), "theta 0.95 makes inputs exit early: " + early);
            assertTrue(forced < mrr - 0.2, "early exit on stock e5 loses the ranking: " + forced + " vs " + mrr);
        }
    }

    @Test
    void aPositiveCalibrationTurnsEarlyExitOnByDefaultAndANegativeOneKeepsFullDepth(@TempDir Path dir) throws Exception {
        Path folder = BuiltinModel.ALL_MINILM_L6_V2.folder(CACHE);
        Path copy = dir.resolve("minilm");
        Files.createDirectories(copy);
        try (var files = Files.walk(folder)) {
            for (Path p : files.toList()) {
                Path to = copy.resolve(folder.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(to);
                else Files.createSymbolicLink(to, p.toAbsolutePath());
            }
        }
        ExitPolicy judged = new ExitPolicy(0.9, 3, 1);
        new ExitCalibration(List.of(new ExitCalibration.Entry(ExitCalibration.Task.STS, ExitCalibration.Verdict.RECOMMENDED, judged, "spearman",
                0.82, 0.815, 0.01, 4.5, "test", "2026-12-07"))).write(copy);
        List<String> texts = List.of("A man is playing a guitar.", "Rates went up at the central bank.");
        try (Leap4j m = Leap4j.load(copy.toString(), CACHE, 2)) {
            assertTrue(m.earlyExitByDefault());
            assertEquals(judged, m.defaultPolicy());
            List<Embedding> byDefault = m.embed(texts);
            List<Embedding> explicit = m.embed(texts, judged);
            for (int i = 0; i < texts.size(); i++) assertArrayEquals(explicit.get(i).vector(), byDefault.get(i).vector());
        }
        ExitCalibration.read(copy).with(new ExitCalibration.Entry(ExitCalibration.Task.RETRIEVAL, ExitCalibration.Verdict.NOT_VIABLE,
                ExitPolicy.uncalibrated(6), "ndcg@10", 0.6, Double.NaN, 0.01, Double.NaN, "test", "2026-12-07")).write(copy);
        try (Leap4j m = Leap4j.load(copy.toString(), CACHE, 2)) {
            assertFalse(m.earlyExitByDefault(), "one task judged not viable keeps every default at full depth");
            assertFalse(m.defaultPolicy().monitors());
            assertEquals(2, m.calibration().size());
        }
    }

    @Test
    void depthKGivesTheFirstKLayersBitForBitAndOutOfRangeNamesTheRange() throws Exception {
        List<String> texts = List.of("A man is playing a guitar.", "ok", "Stock markets fell sharply on Tuesday.");
        try (Leap4j m = Leap4j.load("all-minilm-l6-v2", CACHE, 2);
             var enc = new dev.leap4j.exit.EarlyExitEncoder(dev.leap4j.load.ModelLocator.load("all-minilm-l6-v2", CACHE), 1)) {
            // the oracle: every layer's pooled state from one full-depth run, normalised as the model's pipeline does
            float[][][] trace = enc.trace(texts.stream().map(enc::tokenize).toList());
            for (int k = 1; k <= m.numLayers(); k++) {
                List<Embedding> capped = m.embed(texts, m.policy(null, null, null, k));
                for (int i = 0; i < texts.size(); i++) {
                    assertEquals(k, capped.get(i).exitLayer());
                    float[] want = dev.leap4j.exit.ExitReplay.embedding(trace[i], k, enc.config().normalize());
                    assertArrayEquals(want, capped.get(i).vector(), "depth " + k + ": " + texts.get(i));
                }
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.policy(null, null, null, 7));
            assertEquals("depth 7 is out of range: this model has layers 1..6", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> m.policy(null, null, null, 0 - 1));
        }
    }

    @Test
    void emptyBlankAndNullTextsAreRefusedNamingTheirIndex() throws Exception {
        try (Leap4j m = Leap4j.load("all-minilm-l6-v2", CACHE, 2)) {
            assertEquals("text 1 is empty: every input needs text to embed",
                    assertThrows(IllegalArgumentException.class, () -> m.embed(List.of("ok", ""))).getMessage());
            assertEquals("text 0 is blank (only whitespace): every input needs text to embed",
                    assertThrows(IllegalArgumentException.class, () -> m.embed(List.of(" \t"))).getMessage());
            assertTrue(assertThrows(IllegalArgumentException.class, () -> m.embed(java.util.Arrays.asList("a", null))).getMessage()
                    .startsWith("text 1 is null"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> m.embed(List.of("a\uD800b"))).getMessage()
                    .contains("unpaired surrogate"));
        }
    }
}
