package dev.leap4j.bench;

// STS-B quality and early-exit behaviour of one model folder, from a single full-depth trace (exits replayed
// exactly), plus a batch-1 timing of early exit vs full depth. A benchmark harness, not a test.
// Run: bench/harness.sh dev.leap4j.bench.StsbExitEval MODEL STS_TSV THREADS [THETA MIN_LAYER TIMING_SAMPLE [timing-only]]
import dev.leap4j.eval.Progress;
import dev.leap4j.eval.SpeedTest;
import dev.leap4j.exit.EarlyExitEncoder;
import dev.leap4j.api.Embedding;
import dev.leap4j.api.ExitPolicy;
import dev.leap4j.exit.ExitReplay;
import dev.leap4j.load.ModelLocator;
import dev.leap4j.tokenize.TokenizedText;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;

public class StsbExitEval {
    public static void main(String[] a) throws Exception {
        String model = a[0];
        Path tsv = Path.of(a[1]);
        int threads = Integer.parseInt(a[2]);
        double theta = a.length > 3 ? Double.parseDouble(a[3]) : 0.95;
        int minLayer = a.length > 4 ? Integer.parseInt(a[4]) : 6;
        int timing = a.length > 5 ? Integer.parseInt(a[5]) : 200;
        Path cache = dev.leap4j.api.Defaults.cacheDir();
        List<String> s1 = new ArrayList<>(), s2 = new ArrayList<>();
        List<Double> gold = new ArrayList<>();
        List<String> lines = Files.readAllLines(tsv);
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split("\t", -1);
            gold.add(Double.parseDouble(f[4]));
            s1.add(f[5]);
            s2.add(f[6]);
        }
        List<String> uniq = new ArrayList<>(new LinkedHashSet<>(concat(s1, s2)));
        Map<String, Integer> idx = new HashMap<>();
        for (int i = 0; i < uniq.size(); i++) idx.put(uniq.get(i), i);
        try (EarlyExitEncoder enc = new EarlyExitEncoder(ModelLocator.load(model, cache), threads)) {
            int L = enc.numLayers();
            ExitPolicy policy = new ExitPolicy(theta, minLayer, 1);
            boolean quality = !(a.length > 6 && a[6].equals("timing-only"));
            if (quality) {
            List<TokenizedText> tok = enc.tokenizer().encodeAll(uniq);
            float[][][] tr = new float[uniq.size()][][];
            for (int i = 0; i < tok.size(); i += 32) {
                float[][][] t = enc.trace(tok.subList(i, Math.min(tok.size(), i + 32)));
                System.arraycopy(t, 0, tr, i, t.length);
            }
            int[] exit = new int[tr.length];
            float[][] full = new float[tr.length][], early = new float[tr.length][];
            double[] share = new double[L + 1];
            double[] cosToFinal = new double[L + 1], cosToPrev = new double[L + 1];
            for (int i = 0; i < tr.length; i++) {
                exit[i] = ExitReplay.exitLayer(tr[i], policy);
                share[exit[i]] += 1.0 / tr.length;
                full[i] = ExitReplay.embedding(tr[i], L, true);
                early[i] = ExitReplay.embedding(tr[i], exit[i], true);
                int C = tr[i][0].length;
                for (int l = 1; l <= L; l++) {
                    cosToFinal[l] += EarlyExitEncoder.cosine(tr[i][l - 1], 0, tr[i][L - 1], 0, C) / tr.length;
                    if (l > 1) cosToPrev[l] += EarlyExitEncoder.cosine(tr[i][l - 1], 0, tr[i][l - 2], 0, C) / tr.length;
                }
            }
            double byL7 = 0, mean = 0;
            for (int l = 1; l <= L; l++) {
                if (l <= 7) byL7 += share[l];
                mean += l * share[l];
            }
            System.out.printf(Locale.ROOT, "model %s: %d pairs, %d unique sentences, theta %.2f, min layer %d%n", model, gold.size(), uniq.size(), theta, minLayer);
            System.out.printf(Locale.ROOT, "spearman full depth %.4f, early exit %.4f%n", spearman(gold, full, s1, s2, idx), spearman(gold, early, s1, s2, idx));
            System.out.printf(Locale.ROOT, "exited by layer 7: %.1f%%, early (before layer %d): %.1f%%, mean exit layer %.2f%n", 100 * byL7, L, 100 * Math.max(0, 1 - share[L]), mean);
            StringBuilder sb = new StringBuilder("exit share:");
            for (int l = 1; l <= L; l++) if (share[l] > 0) sb.append(String.format(Locale.ROOT, " L%d %.1f%%", l, 100 * share[l]));
            System.out.println(sb);
            sb = new StringBuilder("cos to final / to previous:");
            for (int l = 1; l <= L; l++) sb.append(String.format(Locale.ROOT, " L%d %.3f/%s", l, cosToFinal[l], l == 1 ? "-" : String.format(Locale.ROOT, "%.3f", cosToPrev[l])));
            System.out.println(sb);
            }
            if (timing > 0) {
                // timed as `leap4j eval` times its speed columns: interleaved, order alternating, warm-up, median of 5
                List<String> sample = uniq.subList(0, Math.min(timing, uniq.size()));
                SpeedTest.Timing t = SpeedTest.measure(enc, sample, List.of(policy), 1, 5, Progress.NONE, "timing");
                double meanExit = enc.embed(sample, policy, 1).stream().mapToInt(Embedding::exitLayer).average().orElse(L);
                double ceiling = L / meanExit, speedup = t.speedup(0);
                System.out.printf(Locale.ROOT, "batch-1 time over %d sentences (median of 5 interleaved passes, %d threads): full depth %.0f ms, early exit %.0f ms, speedup %.2fx (layer reduction %.2fx)%s%n",
                        sample.size(), threads, t.fullMs(), t.policyMs()[0], speedup, ceiling,
                        SpeedTest.implausible(speedup, ceiling) ? ": noise, the saved layers cannot explain it (machine busy?)" : "");
            }
        }
    }

    static List<String> concat(List<String> a, List<String> b) {
        List<String> r = new ArrayList<>(a);
        r.addAll(b);
        return r;
    }

    static double spearman(List<Double> gold, float[][] emb, List<String> s1, List<String> s2, Map<String, Integer> idx) {
        int n = gold.size();
        double[] x = new double[n], y = new double[n];
        for (int i = 0; i < n; i++) {
            float[] u = emb[idx.get(s1.get(i))], v = emb[idx.get(s2.get(i))];
            x[i] = EarlyExitEncoder.cosine(u, 0, v, 0, u.length);
            y[i] = gold.get(i);
        }
        return pearson(rank(x), rank(y));
    }

    static double[] rank(double[] v) {
        Integer[] o = new Integer[v.length];
        for (int i = 0; i < o.length; i++) o[i] = i;
        Arrays.sort(o, Comparator.comparingDouble(i -> v[i]));
        double[] r = new double[v.length];
        for (int i = 0; i < o.length; ) {
            int j = i;
            while (j + 1 < o.length && v[o[j + 1]] == v[o[i]]) j++;
            for (int k = i; k <= j; k++) r[o[k]] = (i + j) / 2.0 + 1;
            i = j + 1;
        }
        return r;
    }

    static double pearson(double[] a, double[] b) {
        double ma = Arrays.stream(a).average().orElse(0), mb = Arrays.stream(b).average().orElse(0), sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.length; i++) {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }
        return sab / Math.sqrt(saa * sbb);
    }
}
