package dev.leap4j.train;

import dev.leap4j.model.PackedBatch;
import dev.leap4j.model.BertConfig;
import dev.leap4j.model.BertWeights;
import dev.leap4j.model.Pooling;

import java.util.Random;

/** A tiny random encoder, a random packed batch and random teacher states, for gradient checks. */
final class TinySetup {
    final BertConfig cfg;
    final BertWeights w;
    final PackedBatch batch;
    final float[] tFinal;          // (B, Ct)
    final float[][] tLayers;       // [teacher layer] (B, Ct)
    final float[] proj;            // (C, Ct) or null
    final LossSettings loss;

    TinySetup(long seed, int teacherWidth) {
        Random rnd = new Random(seed);
        int C = 16, L = 3;
        cfg = new BertConfig(50, C, L, 2, 32, 16, 2, 1e-12f, Pooling.MEAN, true, 12);
        w = BertWeights.random(cfg, rnd.nextLong());
        int B = 4;
        int[] lens = new int[B], offsets = new int[B];
        int n = 0;
        for (int r = 0; r < B; r++) {
            lens[r] = 2 + rnd.nextInt(6);
            offsets[r] = n;
            n += lens[r];
        }
        int[] ids = new int[n], types = new int[n];
        for (int t = 0; t < n; t++) {
            ids[t] = rnd.nextInt(cfg.vocabSize());
            types[t] = rnd.nextInt(2);
        }
        batch = new PackedBatch(ids, types, offsets, lens);
        int Ct = teacherWidth, Lt = 4;
        tLayers = new float[Lt + 1][];
        for (int l = 1; l <= Lt; l++) {
            tLayers[l] = new float[B * Ct];
            for (int i = 0; i < B * Ct; i++) tLayers[l][i] = (float) rnd.nextGaussian();
        }
        tFinal = tLayers[Lt];
        if (Ct != C) {
            proj = new float[C * Ct];
            for (int i = 0; i < proj.length; i++) proj[i] = (float) (rnd.nextGaussian() / Math.sqrt(C));
        } else {
            proj = null;
        }
        double[] lw = new double[L];
        for (int l = 0; l < L; l++) lw[l] = 0.5 + rnd.nextDouble();
        // tau 0.3 keeps the exit margin's sigmoid off its flat tails for random vectors, so its gradient is tested
        loss = new LossSettings(1.0, 0.3, 0.4, 0.3, 0.7, 0.3, 10, 0.5, lw, LossSettings.defaultInterMap(L, Lt));
    }
}
