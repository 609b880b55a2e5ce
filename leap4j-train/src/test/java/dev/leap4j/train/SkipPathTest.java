package dev.leap4j.train;

import dev.leap4j.api.UsageException;
import dev.leap4j.load.ModelFolder;
import dev.leap4j.model.BertConfig;
import dev.leap4j.model.BertWeights;
import dev.leap4j.model.PackedBatch;
import dev.leap4j.model.Pooling;
import dev.leap4j.tensor.Parallel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Skip paths: a path view runs exactly the model rebuilt from the path's layers (a copy, the gradient-checked
 * route), and a ladder step's gradient is exactly the sum of its paths' gradients, each path trained alone on such
 * a copy and mapped back to the layers it came from. Random tiny models, seeds replayable through TestSeed.
 */
class SkipPathTest {
    @TempDir
    Path tmp;

    /** A random path of 1..L layers, ascending. */
    private static int[] randomPath(Random rnd, int L) {
        List<Integer> ls = new ArrayList<>();
        for (int l = 1; l <= L; l++) if (rnd.nextBoolean()) ls.add(l);
        if (ls.isEmpty()) ls.add(1 + rnd.nextInt(L));
        return ls.stream().mapToInt(Integer::intValue).toArray();
    }

    /** A 6-layer version of TinySetup's encoder (same batch and teacher states, equal widths). */
    private static TinySetup setup(long seed) {
        return new TinySetup(seed, 16);
    }

    @Test
    void aPathViewRunsExactlyTheModelRebuiltFromItsLayers() {
        long seed = dev.leap4j.TestSeed.next();
        Random rnd = new Random(seed);
        TinySetup s = setup(seed);
        BertConfig c6 = s.cfg.withLayers(6);
        BertWeights w = BertWeights.random(c6, rnd.nextLong());
        int[] path = randomPath(rnd, 6);
        BertWeights copy = w.relayered(path), gView = new BertWeights(c6), gCopy = new BertWeights(copy.config);
        int B = s.batch.rows(), C = c6.hidden(), k = path.length;
        float[] ds = new float[k * B * C];
        for (int i = 0; i < ds.length; i++) ds[i] = (float) rnd.nextGaussian();
        float[] viaView, viaCopy;
        try (Parallel pool = new Parallel(2)) {
            StudentPass view = new StudentPass(w.path(path), gView.path(path), pool, 64, 8, 12, false);
            viaView = view.forward(s.batch).clone();
            view.backward(s.batch, ds);
            StudentPass rebuilt = new StudentPass(copy, gCopy, pool, 64, 8, 12, false);
            viaCopy = rebuilt.forward(s.batch).clone();
            rebuilt.backward(s.batch, ds);
        }
        String at = " (seed " + seed + ", path " + java.util.Arrays.toString(path) + ")";
        assertArrayEquals(java.util.Arrays.copyOf(viaCopy, k * B * C), java.util.Arrays.copyOf(viaView, k * B * C), "pooled states" + at);
        assertArrayEquals(gCopy.positionEmbeddings, gView.positionEmbeddings, "position embeddings" + at);
        assertArrayEquals(gCopy.embLnWeight, gView.embLnWeight, "embedding LayerNorm" + at);
        for (int i = 0; i < k; i++) {
            assertArrayEquals(gCopy.layers[i].qkvWeight, gView.layers[path[i] - 1].qkvWeight, "layer " + path[i] + " qkv" + at);
            assertArrayEquals(gCopy.layers[i].outLnBias, gView.layers[path[i] - 1].outLnBias, "layer " + path[i] + " output LayerNorm" + at);
        }
    }

    @Test
    void aLadderStepsGradientIsTheSumOfItsPathsTrainedAlone() {
        long seed = dev.leap4j.TestSeed.next();
        Random rnd = new Random(seed);
        TinySetup s = setup(seed);
        BertConfig c = s.cfg.withLayers(5), tc = s.cfg.withLayers(4);
        BertWeights w = BertWeights.random(c, rnd.nextLong());
        int B = s.batch.rows(), C = c.hidden();
        List<int[]> paths = new ArrayList<>(List.of(new int[]{1, 2, 3, 4, 5}));
        while (paths.size() < 3) {
            int[] p = randomPath(rnd, 5);
            if (paths.stream().noneMatch(q -> q.length == p.length)) paths.add(p);
        }
        LossSettings ls = new LossSettings(1.0, 0, 0, 0.3, 0.7, 0.98, 10, 0.5, new double[5], new int[5]);
        // weights 1 (the default) or drawn: a path's weight scales its loss and so its gradient
        List<Double> weights = rnd.nextBoolean() ? List.of() : paths.stream().map(p -> new double[]{0.5, 1, 2, 3}[rnd.nextInt(4)]).toList();
        TrainSettings ts = new TrainSettings(Objective.DISTILL, ls, B, 12, 1, 1, 1e-3, 0, 0, 1, 7, 1, false, Pooling.MEAN, paths, weights);
        TeacherCache.States teach = new TeacherCache.States(new int[]{4}, C, new float[][]{s.tFinal});
        int[] idx = java.util.stream.IntStream.range(0, B).toArray();
        float[][] tRows = new float[5][];
        tRows[4] = s.tFinal;

        BertWeights g = new BertWeights(c), expected = new BertWeights(c);
        LeapLoss.Terms ladder, sum = null;
        try (Parallel pool = new Parallel(2)) {
            ladder = new Trainer.StepRunner(ts, w, g, tc, teach, pool, B, 12).lossAndGradients(s.batch, idx, 1, tmp.resolve("none"));
            for (int pi = 0; pi < paths.size(); pi++) {
                int[] p = paths.get(pi);
                BertWeights copy = w.relayered(p), gCopy = new BertWeights(copy.config);
                StudentPass pass = new StudentPass(copy, gCopy, pool, 64, 8, 12, false);
                float[] ds = new float[p.length * B * C];
                LeapLoss.Terms t = new LeapLoss(ls.finalTermsFor(p.length, weights.isEmpty() ? 1 : weights.get(pi)), B, C, C).compute(pass.forward(s.batch), tRows, s.tFinal, null, ds, null);
                pass.backward(s.batch, ds);
                sum = sum == null ? t : sum.plus(t);
                add(expected.positionEmbeddings, gCopy.positionEmbeddings);
                add(expected.tokenTypeEmbeddings, gCopy.tokenTypeEmbeddings);
                add(expected.embLnWeight, gCopy.embLnWeight);
                add(expected.embLnBias, gCopy.embLnBias);
                for (int i = 0; i < p.length; i++) {
                    List<BertWeights.Param> to = layerParams(expected, p[i] - 1), from = layerParams(gCopy, i);
                    for (int j = 0; j < to.size(); j++) add(to.get(j).data(), from.get(j).data());
                }
            }
        }
        String at = " (seed " + seed + ", paths " + paths.stream().map(java.util.Arrays::toString).toList() + ", weights " + weights + ")";
        assertEquals(sum, ladder, "loss terms" + at);
        List<BertWeights.Param> got = g.parameters(), want = expected.parameters();
        for (int i = 0; i < got.size(); i++) assertArrayEquals(want.get(i).data(), got.get(i).data(), got.get(i).name() + at);
        assertTrue(!java.util.Arrays.equals(g.layers[0].qkvWeight, new float[g.layers[0].qkvWeight.length]), "the full path reaches layer 1" + at);
    }

    private static List<BertWeights.Param> layerParams(BertWeights w, int layer0) {
        String prefix = "encoder.layer." + layer0 + ".";
        return w.parameters().stream().filter(p -> p.name().startsWith(prefix)).toList();
    }

    private static void add(float[] to, float[] from) {
        for (int k = 0; k < to.length; k++) to[k] += from[k];
    }

    /** Student and teacher of one width (a ladder has no projection), a real tokenizer, random weights. */
    private Path models(long seed) throws IOException {
        BertConfig sc = TinyRun.config(16, 3), tc = TinyRun.config(16, 4);
        ModelFolder.write(tmp.resolve("student"), sc, BertWeights.random(sc, seed), TinyRun.tokenizer());
        ModelFolder.write(tmp.resolve("teacher"), tc, BertWeights.random(tc, seed + 1), TinyRun.tokenizer());
        TinyRun.writeData(tmp, 24, seed);
        return tmp;
    }

    private static TrainSettings ladder(long steps, List<int[]> paths) {
        LossSettings ls = new LossSettings(1.0, 0, 0, 0.3, 0.7, 0.98, 10, 0.05, new double[3], new int[3]);
        return new TrainSettings(Objective.DISTILL, ls, 4, 16, 1, steps, 1e-3, 0.2, 0.01, 1.0, 7, 2, false, Pooling.MEAN, paths);
    }

    @Test
    void aLadderRunResumesBitForBitAndTrainsOnlyItsPathsLayers() throws IOException {
        long seed = dev.leap4j.TestSeed.next();
        Path root = models(seed);
        TrainSettings s = ladder(7, List.of(new int[]{1, 2, 3}, new int[]{1, 3}));
        Path full = root.resolve("full"), cut = root.resolve("cut");
        TinyRun.train(root, full, s, false, 2, TrainListener.NONE);
        int stopAt = 2 + new Random(seed).nextInt(4);
        assertThrows(IllegalStateException.class, () -> TinyRun.train(root, cut, s, false, 1, new TrainListener() {
            @Override
            public void step(StepReport r, long n) {
                if (r.step() == stopAt) throw new IllegalStateException("simulated crash");
            }
        }));
        TinyRun.train(root, cut, s, true, 1, TrainListener.NONE);
        assertArrayEquals(Files.readAllBytes(full.resolve("model.safetensors")), Files.readAllBytes(cut.resolve("model.safetensors")),
                "resumed at step " + stopAt + " (seed " + seed + ")");
        assertEquals(dev.leap4j.exit.DepthPaths.of(List.of(new int[]{1, 3}), 3), dev.leap4j.exit.DepthPaths.read(full, 3),
                "the ladder's short path is the model's depth-2 path");

        // layer 2 is on the full path only: a ladder without it gives layer 2 no gradient, and with weight decay off it stays as it was
        Path skipOnly = root.resolve("skip-only");
        LossSettings ls = new LossSettings(1.0, 0, 0, 0.3, 0.7, 0.98, 10, 0.05, new double[3], new int[3]);
        TinyRun.train(root, skipOnly, new TrainSettings(Objective.DISTILL, ls, 4, 16, 1, 3, 1e-3, 0.2, 0, 1.0, 7, 2, false, Pooling.MEAN,
                List.of(new int[]{1, 3})), false, 2, TrainListener.NONE);
        BertWeights before = ModelFolder.load(root.resolve("student")).weights(), after = ModelFolder.load(skipOnly).weights();
        assertArrayEquals(before.layers[1].interWeight, after.layers[1].interWeight, "layer 2 is on no path (seed " + seed + ")");
        assertTrue(!java.util.Arrays.equals(before.layers[2].interWeight, after.layers[2].interWeight), "layer 3 is trained (seed " + seed + ")");
    }

    @Test
    void badLaddersAreTheCallersMistake() throws IOException {
        Path root = models(dev.leap4j.TestSeed.next());
        record Case(List<int[]> paths, String says) {}
        for (Case k : List.of(
                new Case(List.of(new int[]{1, 3, 2}), "ascending"),
                new Case(List.of(new int[]{1, 4}), "layer 4 does not exist"),
                new Case(List.of(new int[]{1, 2}, new int[]{2, 3}), "two skip paths run 2 layers"))) {
            Path out = root.resolve("bad" + k.says().length());
            UsageException e = assertThrows(UsageException.class, () -> TinyRun.train(root, out, ladder(2, k.paths()), false, 1, TrainListener.NONE));
            assertTrue(e.getMessage().contains(k.says()), e.getMessage());
            assertTrue(!Files.exists(out.resolve(Checkpoint.file(out).getFileName())), "nothing written for " + k.says());
        }
        UsageException exitTerms = assertThrows(UsageException.class, () -> new TrainSettings(Objective.LEAP, LossSettings.paper(3, 4), 4, 16, 1, 2,
                1e-3, 0.2, 0.01, 1.0, 7, 2, false, Pooling.MEAN, List.<int[]>of(new int[]{1, 3})));
        assertTrue(exitTerms.getMessage().contains("set the inter, exit, align and relational weights to 0"), exitTerms.getMessage());
        LossSettings fin = new LossSettings(1.0, 0, 0, 0.3, 0.7, 0.98, 10, 0.5, new double[3], new int[3]);
        List<int[]> two = List.of(new int[]{1, 2, 3}, new int[]{1, 3});
        for (List<Double> bad : List.of(List.of(1.0), List.of(1.0, 0.0), List.of(1.0, Double.NaN), List.of(-2.0, 1.0))) {
            assertThrows(UsageException.class, () -> new TrainSettings(Objective.DISTILL, fin, 4, 16, 1, 2, 1e-3, 0.2, 0.01, 1.0, 7, 2, false, Pooling.MEAN, two, bad),
                    "weights " + bad);
        }
        TrainSettings plain = new TrainSettings(Objective.DISTILL, fin, 4, 16, 1, 2, 1e-3, 0.2, 0.01, 1.0, 7, 2, false, Pooling.MEAN, two);
        assertEquals(plain.fingerprint(), new TrainSettings(Objective.DISTILL, fin, 4, 16, 1, 2, 1e-3, 0.2, 0.01, 1.0, 7, 2, false, Pooling.MEAN, two,
                List.of(1.0, 1.0)).fingerprint(), "weights of 1 are the default");
        assertTrue(!plain.fingerprint().equals(new TrainSettings(Objective.DISTILL, fin, 4, 16, 1, 2, 1e-3, 0.2, 0.01, 1.0, 7, 2, false, Pooling.MEAN, two,
                List.of(1.0, 2.0)).fingerprint()), "a resume must not change a path's weight");
    }
}
