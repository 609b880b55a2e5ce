package dev.leap4j.bench;

import dev.leap4j.api.Defaults;
import dev.leap4j.model.BertWeights;
import dev.leap4j.load.ModelFolder;
import dev.leap4j.load.ModelLocator;
import dev.leap4j.model.PackedBatch;
import dev.leap4j.tensor.Parallel;
import dev.leap4j.tokenize.TextTokenizer;
import dev.leap4j.tokenize.TokenizedText;
import dev.leap4j.train.StudentPass;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Training throughput: tokens/s of one forward + backward step (batch 32, max length 64, the first 8 x 32 lines of
 * SENTENCES_TXT, taken in turn) on a model, with THREADS worker threads; 2 untimed steps, then STEPS timed ones.
 * Prints {@code RESULT ... case=train tokens_per_s=MEDIAN forward_share=...} for bench/train-throughput.sh, which
 * runs bench/python/torch_train_throughput.py beside it. A benchmark harness, not a test.
 * Usage: TrainThroughput MODEL SENTENCES_TXT STEPS THREADS
 */
public final class TrainThroughput {
    private TrainThroughput() {
    }

    public static void main(String[] a) throws Exception {
        if (a.length != 4) throw new IllegalArgumentException("usage: TrainThroughput MODEL SENTENCES_TXT STEPS THREADS");
        ModelFolder m = ModelLocator.load(a[0], Defaults.cacheDir());
        int steps = Integer.parseInt(a[2]), threads = Integer.parseInt(a[3]);
        List<String> lines;
        try (var s = Files.lines(Path.of(a[1]))) {
            lines = s.limit(32 * 8).toList();
        }
        List<PackedBatch> batches = new ArrayList<>();
        try (TextTokenizer tok = TextTokenizer.load(m.tokenizerJson(), 64)) {
            List<TokenizedText> t = tok.encodeAll(lines);
            for (int i = 0; i + 32 <= t.size(); i += 32) batches.add(PackedBatch.of(t.subList(i, i + 32)));
        }
        int L = m.config().numLayers(), C = m.config().hidden();
        float[] dpooled = new float[L * 32 * C]; // (L, B, C): a fixed gradient on every layer's pooled state
        Random rnd = new Random(1);
        for (int i = 0; i < dpooled.length; i++) dpooled[i] = (float) (1e-3 * rnd.nextGaussian());
        try (Parallel pool = new Parallel(threads)) {
            StudentPass pass = new StudentPass(m.weights(), new BertWeights(m.config()), pool, 32 * 64, 32, 64, false);
            double[] tps = new double[steps], fwdShare = new double[steps];
            for (int step = -2; step < steps; step++) {
                PackedBatch b = batches.get(Math.floorMod(step, batches.size()));
                long t0 = System.nanoTime();
                pass.forward(b);
                long t1 = System.nanoTime();
                pass.backward(b, dpooled);
                long t2 = System.nanoTime();
                if (step < 0) continue;
                tps[step] = b.tokens() / ((t2 - t0) / 1e9);
                fwdShare[step] = (double) (t1 - t0) / (t2 - t0);
            }
            System.out.printf(Locale.ROOT, "RESULT model=%s threads=%d engine=leap4j case=train tokens_per_s=%.1f forward_share=%.3f steps=%d%n",
                    a[0], threads, PerInputTime.median(tps), PerInputTime.median(fwdShare), steps);
        }
    }
}
