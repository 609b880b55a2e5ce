package dev.leap4j.exit;

import dev.leap4j.api.ExitPolicy;
import dev.leap4j.api.Embedding;

import dev.leap4j.model.BertConfig;
import dev.leap4j.model.BertWeights;
import dev.leap4j.tokenize.TokenizedText;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static dev.leap4j.exit.TinyModel.bits;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExitReplayTest {
    private final long seed = dev.leap4j.TestSeed.next();
    private final SplittableRandom rnd = new SplittableRandom(seed);

    @Test
    void replayingATraceGivesTheLiveExitsAndEmbeddingsBitForBit() {
        BertConfig c = TinyModel.randomConfig(rnd);
        int L = c.numLayers();
        BertWeights w = BertWeights.random(c, rnd.nextLong());
        List<TokenizedText> inputs = TinyModel.randomInputs(rnd, c, 16);
        try (EarlyExitEncoder enc = TinyModel.encoder(c, w, 1 + rnd.nextInt(3))) {
            float[][][] trace = enc.trace(inputs);
            assertEquals(inputs.size(), trace.length);
            for (int i = 0; i < inputs.size(); i++) {
                float[][] ref = TinyModel.layersAlone(c, w, inputs.get(i), false);
                for (int l = 0; l < L; l++) assertArrayEquals(bits(ref[l]), bits(trace[i][l]), "trace of input " + i + " at layer " + (l + 1) + " (seed " + seed + ")");
            }
            int early = 0;
            for (int p = 0; p < 40; p++) {
                float[][] t = trace[rnd.nextInt(trace.length)];
                int l = 1 + rnd.nextInt(L - 1);
                double cos = EarlyExitEncoder.cosine(t[l], 0, t[l - 1], 0, c.hidden());
                double theta = switch (rnd.nextInt(4)) {
                    case 0 -> cos;
                    case 1 -> Math.nextUp(cos);
                    case 2 -> Math.nextDown(cos);
                    default -> rnd.nextDouble(0.5, 1.5);
                };
                ExitPolicy policy = new ExitPolicy(Math.max(theta, 1e-3), 1 + rnd.nextInt(L), 1 + rnd.nextInt(3));
                List<Embedding> live = enc.embedTokens(inputs, policy);
                for (int i = 0; i < inputs.size(); i++) {
                    int e = ExitReplay.exitLayer(trace[i], policy);
                    String what = "input " + i + ", " + policy + " (seed " + seed + ")";
                    assertEquals(live.get(i).exitLayer(), e, what);
                    assertArrayEquals(bits(live.get(i).vector()), bits(ExitReplay.embedding(trace[i], e, c.normalize())), what);
                    if (e < L) early++;
                }
            }
            assertTrue(early > 0, "some policy made some input exit early (seed " + seed + ")");
        }
    }

    @Test
    void layerDiagnosticsAgreeWithReplay() {
        BertConfig c = TinyModel.randomConfig(rnd);
        int L = c.numLayers();
        try (EarlyExitEncoder enc = TinyModel.encoder(c, BertWeights.random(c, rnd.nextLong()), 2)) {
            float[][][] trace = enc.trace(TinyModel.randomInputs(rnd, c, 9));
            var agreement = LayerDiagnostics.agreement(trace);
            assertEquals(L, agreement.size());
            assertTrue(Double.isNaN(agreement.get(0).meanCosToPrevious()));
            assertEquals(1.0, agreement.get(L - 1).meanCosToFinal(), 1e-6);
            for (var a : agreement) {
                assertTrue(a.meanCosToFinal() <= 1 + 1e-6 && a.meanCosToFinal() >= -1 - 1e-6, a.toString());
                if (a.layer() > 1) assertTrue(Math.abs(a.meanCosToPrevious()) <= 1 + 1e-6, a.toString());
            }
            LayerDiagnostics.ThresholdOutcome full = LayerDiagnostics.outcome(trace, ExitPolicy.fullDepth());
            assertEquals(1.0, full.exitShareByLayer()[L - 1], 1e-12);
            assertEquals(L, full.meanExitLayer(), 1e-12);
            assertEquals(0.0, full.earlyExitRate());
            assertEquals(1.0, full.layerReduction(), 1e-12);

            ExitPolicy policy = new ExitPolicy(rnd.nextDouble(0.3, 1.0), 1 + rnd.nextInt(L), 1);
            LayerDiagnostics.ThresholdOutcome o = LayerDiagnostics.outcome(trace, policy);
            double sum = 0, mean = 0;
            int early = 0;
            for (double s : o.exitShareByLayer()) sum += s;
            for (float[][] t : trace) {
                int e = ExitReplay.exitLayer(t, policy);
                mean += (double) e / trace.length;
                if (e < L) early++;
            }
            assertEquals(1.0, sum, 1e-9);
            assertEquals(mean, o.meanExitLayer(), 1e-9);
            assertEquals((double) early / trace.length, o.earlyExitRate(), 1e-12);
            assertEquals(L / o.meanExitLayer(), o.layerReduction(), 1e-12);
            assertEquals(policy.theta(), o.theta());
        }
    }
}
