package dev.leap4j.exit;

import dev.leap4j.api.Embedding;
import dev.leap4j.api.ExitPolicy;
import dev.leap4j.api.ModelFormatException;
import dev.leap4j.api.UsageException;
import dev.leap4j.model.BertConfig;
import dev.leap4j.model.BertWeights;
import dev.leap4j.tokenize.TextTokenizer;
import dev.leap4j.tokenize.TokenizedText;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A model's depth paths: at a depth with a rung the engine gives bit for bit what the model rebuilt from that rung's
 * layers gives at its full depth (a copy run by the plain forward); at any other depth, its first layers; the file
 * round-trips and a corrupt one is a model-file error naming it.
 */
class DepthPathsTest {
    private static final ExitPolicy NO_EXIT = ExitPolicy.fullDepth();

    @Test
    void aCappedDepthRunsItsRungAndOtherDepthsTheFirstLayers() throws Exception {
        long seed = dev.leap4j.TestSeed.next();
        SplittableRandom rnd = new SplittableRandom(seed);
        BertConfig c = TinyModel.randomConfig(rnd);
        BertWeights w = BertWeights.random(c, rnd.nextLong());
        int L = c.numLayers();
        // a rung of L - 2 layers that skips layer 2 and one other below the last
        List<Integer> keep = new ArrayList<>();
        int skip = 3 + rnd.nextInt(L - 3);
        for (int l = 1; l <= L; l++) if (l != 2 && l != skip) keep.add(l);
        int[] rung = keep.stream().mapToInt(Integer::intValue).toArray();
        DepthPaths paths = DepthPaths.of(List.of(rung), L);
        List<TokenizedText> inputs = TinyModel.randomInputs(rnd, c, 9);
        BertWeights copy = w.relayered(rung);
        String at = " (seed " + seed + ", rung " + java.util.Arrays.toString(rung) + ")";
        try (EarlyExitEncoder dial = new EarlyExitEncoder(c, w, TextTokenizer.load(TinyModel.tokenizerJson(), c.maxLength()), 2, "tiny",
                dev.leap4j.load.Prompts.NONE, ExitCalibration.NONE, paths);
             EarlyExitEncoder rebuilt = TinyModel.encoder(copy.config, copy, 1);
             EarlyExitEncoder plain = TinyModel.encoder(c, w, 1)) {
            List<Embedding> viaRung = dial.embedTokens(inputs, NO_EXIT.with(null, null, null, rung.length));
            List<Embedding> viaCopy = rebuilt.embedTokens(inputs, NO_EXIT);
            List<Embedding> prefix = dial.embedTokens(inputs, NO_EXIT.with(null, null, null, L - 1));
            List<Embedding> plainPrefix = plain.embedTokens(inputs, NO_EXIT.with(null, null, null, L - 1));
            List<Embedding> full = dial.embedTokens(inputs, NO_EXIT), plainFull = plain.embedTokens(inputs, NO_EXIT);
            for (int i = 0; i < inputs.size(); i++) {
                assertArrayEquals(viaCopy.get(i).vector(), viaRung.get(i).vector(), "input " + i + " at depth " + rung.length + at);
                assertEquals(rung.length, viaRung.get(i).exitLayer(), "the exit layer counts the layers run" + at);
                assertArrayEquals(plainPrefix.get(i).vector(), prefix.get(i).vector(), "a depth without a rung runs the first layers" + at);
                assertArrayEquals(plainFull.get(i).vector(), full.get(i).vector(), "full depth is untouched" + at);
            }
        }
        assertArrayEquals(rung, paths.at(rung.length));
        assertNull(paths.at(L - 1));
    }

    @Test
    void theFullStackNeedsNoRungAndDepthsAreUnique() {
        assertEquals(List.of(), DepthPaths.of(List.of(new int[]{1, 2, 3, 4}), 4).paths(), "the full path is not a rung");
        UsageException twice = assertThrows(UsageException.class, () -> DepthPaths.of(List.of(new int[]{1, 3}, new int[]{2, 4}), 4));
        assertTrue(twice.getMessage().contains("two depth paths run 2 layers"), twice.getMessage());
        assertThrows(UsageException.class, () -> DepthPaths.of(List.of(new int[]{3, 1}), 4));
    }

    @Test
    void writesAndReadsBackExactly(@TempDir Path dir) throws Exception {
        DepthPaths d = DepthPaths.of(List.of(new int[]{2, 5, 7, 9, 10, 11, 12}, new int[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, new int[]{2, 3, 5, 6, 7, 9, 10, 11, 12}), 12);
        d.write(dir);
        assertEquals(d, DepthPaths.read(dir, 12));
        assertEquals(2, DepthPaths.read(dir, 12).paths().size());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(dir.resolve(DepthPaths.FILE)), files.toList(), "no temporary file left behind");
        }
        DepthPaths.NONE.write(dir);
        assertSame(DepthPaths.NONE, DepthPaths.read(dir, 12), "writing none removes the file");
    }

    @Test
    void aCorruptFileIsAModelFileErrorNamingIt(@TempDir Path dir) throws Exception {
        Path f = dir.resolve(DepthPaths.FILE);
        for (String bad : List.of("{", "[]", "{\"paths\": 3}", "{\"paths\": [[1, \"2\"]]}", "{\"paths\": [[1, 2.5]]}", "{\"paths\": [[1, 9]]}",
                "{\"paths\": [[2, 1]]}", "{\"paths\": [[1, 2], [3, 4]]}", "{\"paths\": [[1, 2, 3, 4]]}", "{\"paths\": [[1, 2, 3, 4, 5, 6]]}", "{\"paths\": [[]]}")) {
            Files.writeString(f, bad);
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> DepthPaths.read(dir, 4), bad);
            assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        }
    }
}
