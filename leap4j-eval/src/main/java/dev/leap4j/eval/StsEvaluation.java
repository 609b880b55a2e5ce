package dev.leap4j.eval;

import dev.leap4j.exit.EarlyExitEncoder;
import dev.leap4j.api.ExitPolicy;
import dev.leap4j.exit.LayerDiagnostics.LayerAgreement;
import dev.leap4j.exit.LayerDiagnostics.ThresholdOutcome;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * STS-B evaluation: Spearman and Pearson of the cosine similarity of each pair's embeddings against the gold
 * scores, at full depth and under each threshold. Quality comes from one trace run replayed per theta (exact);
 * speed from timing real early-exit runs against full-depth runs on the same sentences.
 */
public final class StsEvaluation {
    private StsEvaluation() {}

    /** Quality if every sentence stopped at one fixed layer: shows where the model's representation settles. */
    public record LayerRow(int layer, double meanCosToPrevious, double meanCosToFinal, double spearman) {}

    /**
     * @param bestCut the best fixed cut that runs no more layers than this theta's mean exit layer (null when none
     *                does): the simple alternative the theta must beat
     */
    public record ThetaRow(double theta, double spearman, double pearson, ThresholdOutcome outcome, double speedupBatch1,
                           double speedupBatch32, double msBatch1, double msBatch32, FixedCuts.Best bestCut) {
        /** Whether the exit scores at least as well as every fixed cut that runs no more layers. */
        public boolean beatsFixedCuts() {
            return bestCut == null || spearman >= bestCut.quality();
        }
    }

    /**
     * Every sentence embedded through one of the model's depth paths ({@link dev.leap4j.exit.DepthPaths}): what
     * {@code --depth k} runs on it, in place of its first k layers.
     *
     * @param embeddings the sentences' embeddings in {@link StsData#sentences()} order, L2-normalised
     */
    public record Rung(int[] path, float[][] embeddings) {}

    /**
     * @param firstLayersSpearman the same depth as the model's first k layers (the trace's cut): what the path replaces
     */
    public record RungRow(int[] path, double spearman, double pearson, double firstLayersSpearman, double speedupBatch1, double speedupBatch32,
                          double msBatch1, double msBatch32) {
        public int depth() {
            return path.length;
        }
    }

    /**
     * @param cuts  quality with every sentence stopped at depth k as {@code --depth k} runs it: the first k layers, or the
     *              model's k-layer path where it names one
     * @param rungs one row per depth path, shortest first; empty for a model without any
     */
    public record Result(Path file, int pairs, int sentences, int truncated, long tokens, int numLayers, ExitPolicy base,
                         double fullSpearman, double fullPearson, List<LayerRow> layers, FixedCuts cuts, List<ThetaRow> thetas,
                         List<RungRow> rungs, SpeedTest.Timing batch1, SpeedTest.Timing batch32, Recommendation recommendation) {}

    public static Result run(EarlyExitEncoder enc, StsData data, SweepOptions o, Progress progress) {
        o.base().checkDepth(enc.numLayers());
        List<String> sentences = data.sentences();
        Tracing tr = Tracing.run(enc, sentences, o.batchSize(), progress, "trace");
        // a depth path is not a prefix of the full stack, so the trace cannot replay it: each one runs the sentences itself
        List<Rung> rungs = new ArrayList<>();
        List<ExitPolicy> timed = new ArrayList<>(o.policies());
        for (int[] p : enc.depthPaths().paths()) {
            ExitPolicy atPath = ExitPolicy.fullDepth().withDepth(p.length);
            progress.update("depth path of " + p.length + " layers", 0, sentences.size());
            float[][] emb = Tracing.liveEmbeddings(enc, sentences, atPath, o.batchSize());
            progress.update("depth path of " + p.length + " layers", sentences.size(), sentences.size());
            rungs.add(new Rung(p, emb));
            timed.add(atPath);
        }
        SpeedTest.Timing b1 = null, b32 = null;
        if (o.speedSample() > 0) {
            b1 = SpeedTest.measure(enc, SpeedTest.sample(sentences, o.speedSample()), timed, 1, o.repeats(), progress, "time batch 1");
            b32 = SpeedTest.measure(enc, SpeedTest.sample(sentences, o.speedSampleBatch32()), timed, SweepOptions.SPEED_BATCH, o.repeats(), progress,
                    "time batch " + SweepOptions.SPEED_BATCH);
        }
        return sweep(data.file(), tr, data.gold(), o, b1, b32, rungs);
    }

    /** The sweep of a model without depth paths. */
    public static Result sweep(Path file, Tracing tr, double[] gold, SweepOptions o, SpeedTest.Timing b1, SpeedTest.Timing b32) {
        return sweep(file, tr, gold, o, b1, b32, List.of());
    }

    /**
     * The quality half of the evaluation, from traces alone: traces hold sentence1 of every pair, then sentence2
     * of every pair ({@link StsData#sentences()}); timings (null when not measured) list the sweep's policies in order,
     * then one depth cap per rung, in the rungs' order.
     */
    public static Result sweep(Path file, Tracing tr, double[] gold, SweepOptions o, SpeedTest.Timing b1, SpeedTest.Timing b32, List<Rung> rungs) {
        int L = tr.numLayers(), n = gold.length;
        if (tr.size() != 2 * n) throw new IllegalArgumentException("traces hold " + tr.size() + " sentences; " + n + " pairs need " + 2 * n);
        o.base().checkDepth(L);
        List<LayerAgreement> agreement = tr.agreement();
        List<LayerRow> layers = new ArrayList<>();
        for (LayerAgreement a : agreement) {
            double[] sims = similarities(tr.embeddingsAtLayer(a.layer()), n);
            layers.add(new LayerRow(a.layer(), a.meanCosToPrevious(), a.meanCosToFinal(), Metrics.spearman(sims, gold)));
        }
        double[] cutQuality = layers.stream().mapToDouble(LayerRow::spearman).toArray();
        double[] full = similarities(tr.embeddingsAtLayer(L), n);
        double fullSpearman = Metrics.spearman(full, gold), fullPearson = Metrics.pearson(full, gold);

        List<ExitPolicy> policies = o.policies();
        List<RungRow> rungRows = new ArrayList<>();
        for (int j = 0; j < rungs.size(); j++) {
            Rung r = rungs.get(j);
            int k = r.path().length, t = policies.size() + j;
            if (r.embeddings().length != 2 * n) throw new IllegalArgumentException("depth path of " + k + " layers holds " + r.embeddings().length + " sentences; " + n + " pairs need " + 2 * n);
            double[] sims = similarities(r.embeddings(), n);
            RungRow row = new RungRow(r.path().clone(), Metrics.spearman(sims, gold), Metrics.pearson(sims, gold), cutQuality[k - 1],
                    b1 == null ? Double.NaN : b1.speedup(t), b32 == null ? Double.NaN : b32.speedup(t),
                    b1 == null ? Double.NaN : b1.policyMs()[t], b32 == null ? Double.NaN : b32.policyMs()[t]);
            rungRows.add(row);
            cutQuality[k - 1] = row.spearman();
        }
        FixedCuts cuts = new FixedCuts(cutQuality);
        List<ThetaRow> rows = new ArrayList<>();
        List<Recommendation.Candidate> candidates = new ArrayList<>();
        for (int i = 0; i < policies.size(); i++) {
            ExitPolicy p = policies.get(i);
            double[] sims = similarities(tr.embeddings(tr.exitLayers(p)), n);
            ThresholdOutcome out = tr.outcome(p);
            double s1 = b1 == null ? Double.NaN : b1.speedup(i), s32 = b32 == null ? Double.NaN : b32.speedup(i);
            ThetaRow row = new ThetaRow(p.theta(), Metrics.spearman(sims, gold), Metrics.pearson(sims, gold), out, s1, s32,
                    b1 == null ? Double.NaN : b1.policyMs()[i], b32 == null ? Double.NaN : b32.policyMs()[i], cuts.bestWithin(out.meanExitLayer()));
            rows.add(row);
            candidates.add(new Recommendation.Candidate(p.theta(), row.spearman(), out.meanExitLayer(), out.earlyExitRate(), s32));
        }
        Recommendation rec = Recommendation.recommend("Spearman", fullSpearman, candidates, L, o.maxDrop(), cuts);
        return new Result(file, n, tr.size(), tr.truncated(), tr.tokens(), L, o.base(), fullSpearman, fullPearson,
                layers, cuts, rows, List.copyOf(rungRows), b1, b32, rec);
    }

    /** Cosine of pair i = dot of the normalised embeddings of sentence i and sentence n + i. */
    static double[] similarities(float[][] emb, int n) {
        double[] s = new double[n];
        for (int i = 0; i < n; i++) s[i] = dot(emb[i], emb[n + i]);
        return s;
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return s;
    }
}
