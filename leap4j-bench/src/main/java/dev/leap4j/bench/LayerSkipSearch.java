package dev.leap4j.bench;

import dev.leap4j.api.Embedding;
import dev.leap4j.eval.Metrics;
import dev.leap4j.eval.StsData;
import dev.leap4j.exit.EarlyExitEncoder;
import dev.leap4j.load.ModelFolder;
import dev.leap4j.load.ModelLocator;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Collectors;

/**
 * A depth dial without training: run a stock encoder with some of its layers skipped (the hidden state goes from the
 * layer before a skipped one straight to the layer after it). From all layers, drop the layer whose removal costs the
 * least STS-B dev Spearman on a fixed sample of dev pairs, and repeat down to MIN_LAYERS: one nested family of
 * sub-stacks, each a fixed cost. The sub-stacks of the REPORT sizes are then scored on all of STS-B dev, beside the
 * plain cut after the same number of first layers, and, once, after every choice, on STS-B test. Every score is full
 * depth of the sub-stack, with the model's default prompt, as `eval sts` scores it.
 * <p>
 * Run: bench/harness.sh dev.leap4j.bench.LayerSkipSearch MODEL STSB_DIR THREADS [MIN_LAYERS] [SELECT_PAIRS] [REPORT]
 * (defaults 6, 300, "6,7,8,9,10").
 */
public final class LayerSkipSearch {
    public static void main(String[] a) throws Exception {
        String model = a[0];
        Path stsb = Path.of(a[1]);
        int threads = Integer.parseInt(a[2]);
        int minLayers = a.length > 3 ? Integer.parseInt(a[3]) : 6;
        int selectPairs = a.length > 4 ? Integer.parseInt(a[4]) : 300;
        List<Integer> report = Arrays.stream((a.length > 5 ? a[5] : "6,7,8,9,10").split(",")).map(Integer::parseInt).toList();
        ModelFolder stock = ModelLocator.load(model, dev.leap4j.api.Defaults.cacheDir());
        int L = stock.config().numLayers();
        StsData dev = StsData.read(StsData.locate(stsb, StsData.Split.DEV));
        List<StsData.Pair> sample = new ArrayList<>(dev.pairs());
        Collections.shuffle(sample, new Random(1));
        sample = sample.subList(0, Math.min(selectPairs, sample.size()));
        System.out.printf(Locale.ROOT, "model %s, %d layers; greedy choice on %d STS-B dev pairs (seed 1), %d threads%n", model, L, sample.size(), threads);

        List<Integer> keep = new ArrayList<>();
        for (int l = 1; l <= L; l++) keep.add(l);
        List<List<Integer>> family = new ArrayList<>();
        family.add(List.copyOf(keep));
        while (keep.size() > minLayers) {
            double best = Double.NEGATIVE_INFINITY;
            int drop = -1;
            for (int d : keep) {
                List<Integer> without = new ArrayList<>(keep);
                without.remove(Integer.valueOf(d));
                double s = spearman(stock, without, sample, threads);
                if (s > best) {
                    best = s;
                    drop = d;
                }
            }
            keep.remove(Integer.valueOf(drop));
            family.add(List.copyOf(keep));
            System.out.printf(Locale.ROOT, "drop layer %d: %d layers (%s), dev sample Spearman %.4f%n", drop, keep.size(), names(keep), best);
        }
        System.out.println("| layers run | sub-stack | STS-B dev, sub-stack | STS-B dev, first layers |");
        System.out.println("|---|---|---|---|");
        for (List<Integer> k : family) {
            if (!report.contains(k.size())) continue;
            List<Integer> prefix = new ArrayList<>();
            for (int l = 1; l <= k.size(); l++) prefix.add(l);
            System.out.printf(Locale.ROOT, "| %d | %s | %.4f | %.4f |%n", k.size(), names(k), spearman(stock, k, dev.pairs(), threads),
                    spearman(stock, prefix, dev.pairs(), threads));
        }
        StsData test = StsData.read(StsData.locate(stsb, StsData.Split.TEST));
        System.out.println("| layers run | sub-stack | STS-B test, sub-stack (scored once, after every choice) |");
        System.out.println("|---|---|---|");
        for (List<Integer> k : family) {
            if (report.contains(k.size())) System.out.printf(Locale.ROOT, "| %d | %s | %.4f |%n", k.size(), names(k), spearman(stock, k, test.pairs(), threads));
        }
    }

    /** Spearman of cosine against gold for the model that runs only these layers (1-based, in order). */
    static double spearman(ModelFolder stock, List<Integer> layers, List<StsData.Pair> pairs, int threads) throws Exception {
        int[] src = layers.stream().mapToInt(Integer::intValue).toArray();
        dev.leap4j.model.BertWeights w = stock.weights().relayered(src);
        ModelFolder m = new ModelFolder(stock.dir(), w.config, w, stock.tokenizerJson(), stock.prompts());
        try (EarlyExitEncoder enc = new EarlyExitEncoder(m, threads)) {
            String prompt = enc.prompts().defaultPrompt().text();
            List<String> texts = new ArrayList<>(2 * pairs.size());
            for (StsData.Pair p : pairs) {
                texts.add(prompt + p.sentence1());
                texts.add(prompt + p.sentence2());
            }
            List<Embedding> e = enc.embed(texts, enc.policy(null, null, null, null), 32);
            double[] cos = new double[pairs.size()], gold = new double[pairs.size()];
            for (int i = 0; i < pairs.size(); i++) {
                float[] u = e.get(2 * i).vector(), v = e.get(2 * i + 1).vector();
                cos[i] = EarlyExitEncoder.cosine(u, 0, v, 0, u.length);
                gold[i] = pairs.get(i).gold();
            }
            return Metrics.spearman(cos, gold);
        }
    }

    private static String names(List<Integer> layers) {
        return layers.stream().map(String::valueOf).collect(Collectors.joining(","));
    }
}
