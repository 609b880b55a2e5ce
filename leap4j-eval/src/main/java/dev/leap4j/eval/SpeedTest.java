package dev.leap4j.eval;

import dev.leap4j.api.UsageException;
import dev.leap4j.exit.EarlyExitEncoder;
import dev.leap4j.api.ExitPolicy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Wall-clock time of {@link EarlyExitEncoder#embed} at full depth and under each policy, on the same texts in the
 * same process. Passes are interleaved (full depth and every policy, in an order that reverses each repeat) so that
 * slow drift of a shared machine hits all configurations alike; two warm-up rounds run first and are discarded; the
 * median and the minimum are reported.
 */
public final class SpeedTest {
    private SpeedTest() {}

    /**
     * @param fullMs     median milliseconds of a full-depth pass over all texts
     * @param policyMs   median milliseconds per policy, in the order given
     * @param fullMinMs  fastest full-depth pass; with policyMinMs, the best-of-repeats view, which other load on a
     *                   shared machine disturbs less than the median
     */
    public record Timing(int batchSize, int texts, int repeats, double fullMs, double[] policyMs, double fullMinMs, double[] policyMinMs) {
        public double speedup(int i) {
            return fullMs / policyMs[i];
        }

        public double speedupOfMinimum(int i) {
            return fullMinMs / policyMinMs[i];
        }
    }

    /** Untimed passes over every configuration before timing: enough for the JIT to compile the layer loop's kernels. */
    static final int WARM_UP_ROUNDS = 2;

    /**
     * Times a full-depth pass and one pass per policy over the same texts, `repeats` times after the warm-up rounds.
     * The order of the configurations reverses every repeat, so drift and the cost of being first hit all alike.
     */
    public static Timing measure(EarlyExitEncoder enc, List<String> texts, List<ExitPolicy> policies, int batchSize, int repeats,
                                 Progress progress, String task) {
        if (repeats < 1) throw new UsageException("repeats must be >= 1, got " + repeats);
        if (texts.isEmpty()) throw new IllegalArgumentException("no texts to time");
        int configs = policies.size() + 1;
        double[][] ms = new double[configs][repeats];
        long total = (long) (repeats + WARM_UP_ROUNDS) * configs, done = 0;
        progress.update(task, 0, total);
        for (int r = -WARM_UP_ROUNDS; r < repeats; r++) {
            for (int i = 0; i < configs; i++) {
                int c = (r & 1) == 0 ? i : configs - 1 - i;
                ExitPolicy p = c == 0 ? ExitPolicy.fullDepth() : policies.get(c - 1);
                long t0 = System.nanoTime();
                enc.embed(texts, p, batchSize);
                long t1 = System.nanoTime();
                if (r >= 0) ms[c][r] = (t1 - t0) / 1e6;
                progress.update(task, ++done, total);
            }
        }
        double[] medians = new double[configs], mins = new double[configs];
        for (int c = 0; c < configs; c++) {
            medians[c] = median(ms[c]);
            mins[c] = Arrays.stream(ms[c]).min().orElseThrow();
        }
        return new Timing(batchSize, texts.size(), repeats, medians[0], Arrays.copyOfRange(medians, 1, configs), mins[0], Arrays.copyOfRange(mins, 1, configs));
    }

    /**
     * Whether a measured speedup is more than timing noise can explain: above the layer reduction (the most the saved
     * layers allow) by more than 10%, or away from 1.00x by more than 10% where nothing exits.
     */
    public static boolean implausible(double speedup, double layerReduction) {
        if (!Double.isFinite(speedup)) return false;
        if (layerReduction < 1.0001) return speedup < 0.9 || speedup > 1.1;
        return speedup > 1.1 * layerReduction;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    /** A fixed, evenly spread sample of n texts (deterministic, so reruns time the same inputs). */
    public static List<String> sample(List<String> texts, int n) {
        if (n >= texts.size()) return texts;
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(texts.get((int) ((long) i * texts.size() / n)));
        return out;
    }
}
