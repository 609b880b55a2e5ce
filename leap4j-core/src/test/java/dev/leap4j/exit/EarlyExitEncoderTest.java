package dev.leap4j.exit;

import dev.leap4j.api.ExitPolicy;
import dev.leap4j.api.Embedding;
import dev.leap4j.api.WeightFormat;

import dev.leap4j.model.BertConfig;
import dev.leap4j.model.BertWeights;
import dev.leap4j.tokenize.TokenizedText;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static dev.leap4j.exit.TinyModel.bits;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EarlyExitEncoderTest {
    private final long seed = dev.leap4j.TestSeed.next();
    private final SplittableRandom rnd = new SplittableRandom(seed);

    private String at(String what) {
        return what + " (seed " + seed + ")";
    }

    @Test
    void fullDepthInABatchIsBitIdenticalToEachInputAloneOnOneThread() {
        BertConfig c = TinyModel.randomConfig(rnd);
        BertWeights w = BertWeights.random(c, rnd.nextLong());
        List<TokenizedText> inputs = TinyModel.randomInputs(rnd, c, 12);
        try (EarlyExitEncoder enc = TinyModel.encoder(c, w, 1 + rnd.nextInt(3))) {
            List<Embedding> es = enc.embedTokens(inputs, new ExitPolicy(1 + rnd.nextDouble(), 1 + rnd.nextInt(c.numLayers()), 1));
            for (int i = 0; i < inputs.size(); i++) {
                TokenizedText t = inputs.get(i);
                Embedding e = es.get(i);
                assertArrayEquals(bits(TinyModel.embeddingAlone(c, w, t)), bits(e.vector()), at("input " + i + " of length " + t.length()));
                assertEquals(c.numLayers(), e.exitLayer());
                assertEquals(t.length(), e.tokens());
                assertEquals(t.truncated(), e.truncated());
            }
        }
    }

    @Test
    void trainingBuffersGiveTheSameBitsAsAliasedInferenceBuffers() {
        BertConfig c = TinyModel.randomConfig(rnd);
        BertWeights w = BertWeights.random(c, rnd.nextLong());
        for (TokenizedText t : TinyModel.randomInputs(rnd, c, 4)) {
            float[][] a = TinyModel.layersAlone(c, w, t, false), b = TinyModel.layersAlone(c, w, t, true);
            for (int l = 0; l < c.numLayers(); l++) assertArrayEquals(bits(a[l]), bits(b[l]), at("layer " + (l + 1)));
        }
    }

    /** A policy whose thresholds sit exactly on, just above and just below cosines that occur, so exits vary. */
    private ExitPolicy randomPolicy(float[][][] trace, int L) {
        int minLayer = 1 + rnd.nextInt(L);
        int patience = 1 + rnd.nextInt(3);
        double theta;
        switch (rnd.nextInt(5)) {
            case 0 -> theta = 1 + rnd.nextDouble();
            case 1 -> theta = rnd.nextDouble(0.5, 1.0);
            default -> {
                float[][] t = trace[rnd.nextInt(trace.length)];
                int l = 1 + rnd.nextInt(L - 1);
                double cos = EarlyExitEncoder.cosine(t[l], 0, t[l - 1], 0, t[l].length);
                theta = switch (rnd.nextInt(3)) {
                    case 0 -> cos;
                    case 1 -> Math.nextUp(cos);
                    default -> Math.nextDown(cos);
                };
                if (!(theta > 0)) theta = 1e-3;
            }
        }
        return new ExitPolicy(theta, minLayer, patience);
    }

    @Test
    void anInputGivesTheSameBitsAloneInAnyBatchAndWithAnyThreadCount() {
        for (WeightFormat format : WeightFormat.values()) anInputGivesTheSameBitsAloneInAnyBatchAndWithAnyThreadCount(format);
    }

    private void anInputGivesTheSameBitsAloneInAnyBatchAndWithAnyThreadCount(WeightFormat format) {
        BertConfig c = TinyModel.randomConfig(rnd);
        BertWeights w = BertWeights.random(c, rnd.nextLong());
        w.useMatrixFormat(format);
        List<TokenizedText> inputs = TinyModel.randomInputs(rnd, c, 10);
        try (EarlyExitEncoder one = TinyModel.encoder(c, w, 1);
             EarlyExitEncoder two = TinyModel.encoder(c, w, 2);
             EarlyExitEncoder three = TinyModel.encoder(c, w, 3);
             EarlyExitEncoder twoGrouped = TinyModel.encoder(c, w, 2);
             EarlyExitEncoder threeGrouped = TinyModel.encoder(c, w, 3)) {
            // tiny inputs: groups of a few tokens, so that most batches take the path that runs groups of rows side by side
            twoGrouped.splitGroupsFrom(1 + rnd.nextInt(8));
            threeGrouped.splitGroupsFrom(1 + rnd.nextInt(8));
            EarlyExitEncoder[] encs = {one, two, three, twoGrouped, threeGrouped};
            float[][][] trace = one.trace(inputs);
            float[][][] groupedTrace = twoGrouped.trace(inputs);
            for (int i = 0; i < inputs.size(); i++) {
                for (int l = 0; l < c.numLayers(); l++) assertArrayEquals(bits(trace[i][l]), bits(groupedTrace[i][l]), at("trace of input " + i + " at layer " + (l + 1)));
            }
            for (int p = 0; p < 6; p++) {
                ExitPolicy policy = randomPolicy(trace, c.numLayers());
                List<Embedding> alone = new ArrayList<>();
                for (TokenizedText t : inputs) alone.add(one.embedTokens(List.of(t), policy).get(0));
                for (int trial = 0; trial < 5; trial++) {
                    // a random batch: any inputs, any order, repeats allowed
                    int n = 1 + rnd.nextInt(2 * inputs.size());
                    int[] pick = new int[n];
                    List<TokenizedText> batch = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        pick[i] = rnd.nextInt(inputs.size());
                        batch.add(inputs.get(pick[i]));
                    }
                    EarlyExitEncoder enc = encs[rnd.nextInt(encs.length)];
                    List<Embedding> es = enc.embedTokens(batch, policy);
                    assertEquals(n, es.size());
                    for (int i = 0; i < n; i++) {
                        Embedding a = alone.get(pick[i]), b = es.get(i);
                        String what = at(format.label() + " input " + pick[i] + " (length " + inputs.get(pick[i]).length() + ") at batch position " + i + " of "
                                + n + ", " + enc.threads() + " threads, " + policy);
                        assertEquals(a.exitLayer(), b.exitLayer(), what);
                        assertArrayEquals(bits(a.vector()), bits(b.vector()), what);
                        assertEquals(a.tokens(), b.tokens());
                    }
                }
            }
        }
    }

    @Test
    void workspacesNeverHoldMoreThanTheBoundTheServerBudgetsFor() {
        BertConfig c = TinyModel.randomConfig(rnd);
        BertWeights w = BertWeights.random(c, rnd.nextLong());
        List<TokenizedText> inputs = TinyModel.randomInputs(rnd, c, 40);
        int maxLen = 0;
        for (TokenizedText t : inputs) maxLen = Math.max(maxLen, t.length());
        for (int threads = 1; threads <= 3; threads++) {
            try (EarlyExitEncoder enc = TinyModel.encoder(c, w, threads)) {
                if (rnd.nextBoolean()) enc.splitGroupsFrom(1 + rnd.nextInt(8));
                int maxBatchTokens = maxLen + rnd.nextInt(8 * maxLen);
                long bound = enc.workspaceTokens(maxBatchTokens, maxLen);
                for (int trial = 0; trial < 30; trial++) {
                    // a batch as the server's scheduler forms one: rows until the next would pass the token budget
                    List<TokenizedText> batch = new ArrayList<>();
                    int tokens = 0;
                    while (true) {
                        TokenizedText t = inputs.get(rnd.nextInt(inputs.size()));
                        if (tokens + t.length() > maxBatchTokens) break;
                        batch.add(t);
                        tokens += t.length();
                    }
                    enc.embedTokens(batch, ExitPolicy.fullDepth());
                    assertTrue(enc.heldTokens() <= bound, at(threads + " threads, batches of at most " + maxBatchTokens + " tokens: workspaces hold "
                            + enc.heldTokens() + " tokens, bound " + bound));
                }
            }
        }
    }

    /** Layers after {@code k} do nothing: zero weights, identity LayerNorms, so pooled states stop changing. */
    private BertWeights convergingAfter(BertConfig c, int k) {
        BertWeights w = BertWeights.random(c, rnd.nextLong());
        if (k == 0) {
            Arrays.fill(w.embLnWeight, 1f);
            Arrays.fill(w.embLnBias, 0f);
        } else {
            Arrays.fill(w.layers[k - 1].outLnWeight, 1f);
            Arrays.fill(w.layers[k - 1].outLnBias, 0f);
        }
        for (int l = k; l < c.numLayers(); l++) {
            for (BertWeights.Param p : w.parameters()) {
                if (!p.name().startsWith("encoder.layer." + l + ".")) continue;
                Arrays.fill(p.data(), p.name().contains("LayerNorm.weight") ? 1f : 0f);
            }
        }
        return w;
    }

    @Test
    void exitRuleFiresWhereTheModelConvergesAndNotBefore() {
        BertConfig c = TinyModel.randomConfig(rnd);
        int L = c.numLayers();
        double theta = 1 - 1e-5;
        List<TokenizedText> inputs = TinyModel.randomInputs(rnd, c, 6);
        for (int k = 0; k < L; k++) {
            BertWeights w = convergingAfter(c, k);
            try (EarlyExitEncoder enc = TinyModel.encoder(c, w, 1)) {
                for (int trial = 0; trial < 5; trial++) {
                    int minLayer = 1 + rnd.nextInt(L), patience = 1 + rnd.nextInt(3);
                    ExitPolicy policy = new ExitPolicy(theta, minLayer, patience);
                    // layer 1 has no previous pooled state to compare with, so the earliest exit is layer 2
                    int expected = Math.min(L, Math.max(Math.max(minLayer, k + 1), 2) + patience - 1);
                    for (Embedding e : enc.embedTokens(inputs, policy)) {
                        assertEquals(expected, e.exitLayer(), at("converged after layer " + k + ", " + policy));
                    }
                }
                for (Embedding e : enc.embedTokens(inputs, ExitPolicy.fullDepth())) assertEquals(L, e.exitLayer());
            }
        }
        // the same rule on the untouched random model: every layer still moves the state, nobody exits early
        try (EarlyExitEncoder enc = TinyModel.encoder(c, BertWeights.random(c, rnd.nextLong()), 2)) {
            for (Embedding e : enc.embedTokens(inputs, new ExitPolicy(theta, 1, 1))) assertEquals(L, e.exitLayer(), at("random model"));
        }
    }

    @Test
    void anExitedInputsEmbeddingIsItsExitLayersPooledState() {
        BertConfig c = TinyModel.randomConfig(rnd);
        int k = 1 + rnd.nextInt(c.numLayers() - 2);
        BertWeights w = convergingAfter(c, k);
        List<TokenizedText> inputs = TinyModel.randomInputs(rnd, c, 5);
        try (EarlyExitEncoder enc = TinyModel.encoder(c, w, 2)) {
            List<Embedding> es = enc.embedTokens(inputs, new ExitPolicy(1 - 1e-5, 1, 1));
            for (int i = 0; i < inputs.size(); i++) {
                assertEquals(k + 1, es.get(i).exitLayer());
                float[] v = TinyModel.layersAlone(c, w, inputs.get(i), false)[k].clone();
                if (c.normalize()) EarlyExitEncoder.normalize(v);
                assertArrayEquals(bits(v), bits(es.get(i).vector()), at("input " + i));
            }
        }
    }

    @Test
    void policiesAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> new ExitPolicy(0, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new ExitPolicy(-0.5, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new ExitPolicy(Double.NaN, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new ExitPolicy(0.9, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new ExitPolicy(0.9, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new ExitPolicy(0.9, 1, 1, -1));
        assertEquals(new ExitPolicy(ExitPolicy.NO_EXIT, 6, 1), ExitPolicy.uncalibrated(12));
        assertEquals(new ExitPolicy(ExitPolicy.NO_EXIT, 1, 1), ExitPolicy.uncalibrated(1));
        assertFalse(ExitPolicy.uncalibrated(12).monitors(), "a model without a calibration runs at full depth by default");
        BertConfig c = TinyModel.randomConfig(rnd);
        try (EarlyExitEncoder enc = TinyModel.encoder(c, BertWeights.random(c, 1), 1)) {
            List<TokenizedText> in = TinyModel.randomInputs(rnd, c, 2);
            String m = assertThrows(IllegalArgumentException.class,
                    () -> enc.embedTokens(in, new ExitPolicy(0.9, c.numLayers() + 1, 1))).getMessage();
            assertTrue(m.contains(String.valueOf(c.numLayers() + 1)), m);
            assertThrows(IllegalArgumentException.class, () -> ExitReplay.exitLayer(enc.trace(in)[0], new ExitPolicy(0.9, c.numLayers() + 1, 1)));
        }
    }

    @Test
    void badInputsAreRejectedAndLeaveTheEncoderUsable() {
        BertConfig c = TinyModel.randomConfig(rnd);
        BertWeights w = BertWeights.random(c, rnd.nextLong());
        List<TokenizedText> good = TinyModel.randomInputs(rnd, c, 3);
        try (EarlyExitEncoder enc = TinyModel.encoder(c, w, 2)) {
            List<Embedding> before = enc.embedTokens(good, ExitPolicy.uncalibrated(c.numLayers()).withTheta(ExitPolicy.PAPER_THETA));
            int[] tooLong = new int[c.maxPositions() + 1];
            assertThrows(IllegalArgumentException.class, () -> enc.embedTokens(List.of(good.get(0), new TokenizedText(tooLong, tooLong, false)), ExitPolicy.fullDepth()));
            int[] badId = {101, c.vocabSize(), 102};
            assertThrows(IllegalArgumentException.class, () -> enc.embedTokens(List.of(new TokenizedText(badId, new int[3], false)), ExitPolicy.fullDepth()));
            int[] badType = {0, 2};
            assertThrows(IllegalArgumentException.class, () -> enc.embedTokens(List.of(new TokenizedText(new int[]{101, 102}, badType, false)), ExitPolicy.fullDepth()));
            assertEquals(List.of(), enc.embedTokens(List.of(), ExitPolicy.fullDepth()));
            List<Embedding> after = enc.embedTokens(good, ExitPolicy.uncalibrated(c.numLayers()).withTheta(ExitPolicy.PAPER_THETA));
            for (int i = 0; i < good.size(); i++) assertArrayEquals(bits(before.get(i).vector()), bits(after.get(i).vector()));
        }
    }

    @Test
    void textsAreEmbeddedInInputOrderWhateverTheBatchSize() {
        BertConfig c = TinyModel.randomConfig(rnd);
        BertWeights w = BertWeights.random(c, rnd.nextLong());
        List<String> texts = List.of("A man is playing a guitar.", "", "ok", "Der schnelle braune Fuchs springt über den faulen Hund.",
                "東京は日本の首都です。 🚀", "word ".repeat(200), "   ");
        try (EarlyExitEncoder enc = TinyModel.encoder(c, w, 2)) {
            ExitPolicy policy = ExitPolicy.uncalibrated(c.numLayers()).withTheta(ExitPolicy.PAPER_THETA);
            List<Embedding> ref = new ArrayList<>();
            for (String t : texts) ref.add(enc.embedTokens(List.of(enc.tokenize(t)), policy).get(0));
            for (int batch : new int[]{1, 2, 3, texts.size(), 100}) {
                List<Embedding> es = enc.embed(texts, policy, batch);
                assertEquals(texts.size(), es.size());
                for (int i = 0; i < texts.size(); i++) {
                    assertArrayEquals(bits(ref.get(i).vector()), bits(es.get(i).vector()), "text " + i + " batch " + batch);
                    assertEquals(ref.get(i).exitLayer(), es.get(i).exitLayer());
                }
            }
            Embedding longOne = enc.embed(texts, policy, 4).get(5);
            assertTrue(longOne.truncated());
            assertEquals(c.maxLength(), longOne.tokens());
            assertThrows(IllegalArgumentException.class, () -> enc.embed(texts, policy, 0));
        }
    }
}
