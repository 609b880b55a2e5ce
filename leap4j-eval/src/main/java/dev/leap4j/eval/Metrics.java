package dev.leap4j.eval;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Correlation and ranking metrics, computed as the reference tools do: Spearman is Pearson on average ranks
 * (scipy.stats.spearmanr), nDCG uses linear gains and a log2(rank + 1) discount with the ideal ranking built
 * from all judged-relevant documents (pytrec_eval / BEIR), Recall@k divides by every relevant document, MRR@k is
 * the reciprocal rank of the first relevant document within k (0 when none).
 */
public final class Metrics {
    private Metrics() {}

    public static double pearson(double[] x, double[] y) {
        checkPaired(x, y);
        int n = x.length;
        double mx = 0, my = 0;
        for (int i = 0; i < n; i++) {
            mx += x[i];
            my += y[i];
        }
        mx /= n;
        my /= n;
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < n; i++) {
            double dx = x[i] - mx, dy = y[i] - my;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        if (sxx == 0 || syy == 0) return Double.NaN;
        return sxy / Math.sqrt(sxx * syy);
    }

    public static double spearman(double[] x, double[] y) {
        checkPaired(x, y);
        return pearson(averageRanks(x), averageRanks(y));
    }

    /** 1-based ranks, ties sharing the mean of the ranks they span. */
    public static double[] averageRanks(double[] v) {
        int n = v.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(v[a], v[b]));
        double[] ranks = new double[n];
        for (int i = 0; i < n; ) {
            int j = i;
            while (j + 1 < n && v[order[j + 1]] == v[order[i]]) j++;
            double r = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) ranks[order[k]] = r;
            i = j + 1;
        }
        return ranks;
    }

    /**
     * nDCG@k of one ranking. relevance maps document id to graded relevance; documents absent from it count 0.
     * Returns 0 when no judged document has positive relevance (callers skip such queries).
     */
    public static double ndcgAt(int k, List<String> ranking, Map<String, Integer> relevance) {
        checkK(k);
        double dcg = 0;
        for (int i = 0; i < Math.min(k, ranking.size()); i++) {
            int rel = relevance.getOrDefault(ranking.get(i), 0);
            if (rel > 0) dcg += rel / log2(i + 2);
        }
        int[] ideal = relevance.values().stream().mapToInt(Integer::intValue).filter(r -> r > 0).sorted().toArray();
        double idcg = 0;
        for (int i = 0; i < Math.min(k, ideal.length); i++) idcg += ideal[ideal.length - 1 - i] / log2(i + 2);
        return idcg == 0 ? 0 : dcg / idcg;
    }

    /** Share of the relevant documents (relevance > 0) found in the top k. */
    public static double recallAt(int k, List<String> ranking, Map<String, Integer> relevance) {
        checkK(k);
        long relevant = relevance.values().stream().filter(r -> r > 0).count();
        if (relevant == 0) return 0;
        int hit = 0;
        for (int i = 0; i < Math.min(k, ranking.size()); i++) if (relevance.getOrDefault(ranking.get(i), 0) > 0) hit++;
        return (double) hit / relevant;
    }

    /** 1 / rank of the first relevant document within the top k, else 0. */
    public static double mrrAt(int k, List<String> ranking, Map<String, Integer> relevance) {
        checkK(k);
        for (int i = 0; i < Math.min(k, ranking.size()); i++) if (relevance.getOrDefault(ranking.get(i), 0) > 0) return 1.0 / (i + 1);
        return 0;
    }

    /** Share of the reference top-k found by an approximate top-k (the usual ANN recall). */
    public static double overlapAt(int k, int[] reference, int[] approximate) {
        checkK(k);
        int n = Math.min(k, reference.length);
        if (n == 0) return 1;
        java.util.Set<Integer> ref = new java.util.HashSet<>();
        for (int i = 0; i < n; i++) ref.add(reference[i]);
        int hit = 0;
        for (int i = 0; i < Math.min(k, approximate.length); i++) if (ref.contains(approximate[i])) hit++;
        return (double) hit / n;
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }

    private static void checkK(int k) {
        if (k < 1) throw new IllegalArgumentException("cutoff k must be >= 1, got " + k);
    }

    private static void checkPaired(double[] x, double[] y) {
        if (x.length != y.length) throw new IllegalArgumentException("paired samples differ in length: " + x.length + " vs " + y.length);
        if (x.length < 2) throw new IllegalArgumentException("a correlation needs at least 2 pairs, got " + x.length);
    }
}
