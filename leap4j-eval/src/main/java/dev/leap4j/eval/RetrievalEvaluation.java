package dev.leap4j.eval;

import dev.leap4j.api.UsageException;
import dev.leap4j.exit.EarlyExitEncoder;
import dev.leap4j.api.ExitPolicy;
import dev.leap4j.exit.LayerDiagnostics.LayerAgreement;
import dev.leap4j.exit.LayerDiagnostics.ThresholdOutcome;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * BEIR retrieval: nDCG@10, Recall@100 and MRR@10 at full depth and per theta, in two deployments: documents and
 * queries both embedded with early exit ("both"), and documents indexed at full depth with only queries exiting
 * early ("mixed", which keeps an existing index). Embeddings come from one trace run of the corpus and one of
 * the queries, replayed per theta; speed from timing real early-exit runs on fixed samples.
 */
public final class RetrievalEvaluation {
    private RetrievalEvaluation() {}

    public enum Search { EXACT, HNSW, BOTH }

    /** Queries used to measure HNSW recall against exact search when only HNSW is asked for. */
    static final int HNSW_CHECK_QUERIES = 100;
    static final int DEPTH = 100;

    /**
     * @param docSpeedSample documents timed at batch 1 (batch 32 times 8x as many); 0 = no document timing
     */
    public record Options(SweepOptions sweep, Search search, int docSpeedSample) {
        public Options {
            if (docSpeedSample < 0) throw new UsageException("document speed sample must be >= 0, got " + docSpeedSample);
        }
    }

    public record Scores(double ndcg10, double recall100, double mrr10) {}

    /**
     * @param exact              scores of exact search (null when not run)
     * @param hnsw               scores of HNSW search (null when not run)
     * @param hnswRecallVsExact  mean share of the exact top 100 that HNSW found (NaN when not measured)
     */
    public record SearchScores(Scores exact, Scores hnsw, double hnswRecallVsExact) {
        public Scores primary() {
            return exact != null ? exact : hnsw;
        }
    }

    /**
     * @param bothCut the best fixed cut (documents and queries stopped at one layer) that runs no more layers than the
     *                documents' mean exit layer, the index's cost (null when none does)
     */
    public record ThetaRow(double theta, SearchScores both, SearchScores mixed, ThresholdOutcome docs, ThresholdOutcome queries,
                           double docSpeedupBatch1, double docSpeedupBatch32, double querySpeedupBatch1, double querySpeedupBatch32,
                           FixedCuts.Best bothCut) {
        /** Whether early exit on both sides scores at least as well as every fixed cut that runs no more layers. */
        public boolean beatsFixedCuts() {
            return bothCut == null || both.primary().ndcg10() >= bothCut.quality();
        }
    }

    /**
     * Documents and queries embedded through one of the model's depth paths ({@link dev.leap4j.exit.DepthPaths}), what
     * {@code --depth k} runs on it in place of its first k layers.
     *
     * @param queriesOnly       queries through the path, documents at full depth: an index built once at full quality,
     *                          searched with cheap queries
     * @param firstLayersNdcg10 the same depth as the model's first k layers (the trace's cut): what the path replaces
     */
    public record RungRow(int[] path, SearchScores scores, SearchScores queriesOnly, double firstLayersNdcg10, double docSpeedupBatch1, double docSpeedupBatch32,
                          double querySpeedupBatch1, double querySpeedupBatch32) {
        public int depth() {
            return path.length;
        }
    }

    /**
     * @param cuts  nDCG@10 with documents and queries run to depth k as {@code --depth k} runs it: the first k layers, or
     *              the model's k-layer path where it names one
     * @param rungs one row per depth path, shortest first; empty for a model without any
     */
    public record Result(BeirData data, Search search, int numLayers, ExitPolicy base, int docTruncated, long docTokens, int queryTruncated,
                         long queryTokens, SearchScores full, FixedCuts cuts, List<LayerAgreement> docLayers, List<LayerAgreement> queryLayers,
                         List<ThetaRow> thetas, List<RungRow> rungs, SpeedTest.Timing docBatch1, SpeedTest.Timing docBatch32, SpeedTest.Timing queryBatch1,
                         SpeedTest.Timing queryBatch32, Recommendation both, Recommendation mixed) {}

    public static Result run(EarlyExitEncoder enc, BeirData data, Options o, Progress progress) {
        SweepOptions s = o.sweep();
        s.base().checkDepth(enc.numLayers());
        Tracing docs = Tracing.run(enc, data.docTexts(), s.batchSize(), progress, "trace documents");
        Tracing queries = Tracing.run(enc, data.queryTexts(), s.batchSize(), progress, "trace queries");
        int L = docs.numLayers();
        List<ExitPolicy> policies = s.policies();

        float[][] fullDocs = docs.embeddingsAtLayer(L), fullQueries = queries.embeddingsAtLayer(L);
        List<int[]> paths = enc.depthPaths().paths();
        int configs = 1 + 2 * policies.size() + (L - 1) + 2 * paths.size();
        int step = 0;
        progress.update("search", 0, configs);
        SearchScores full = score(fullDocs, fullQueries, data, o.search());
        progress.update("search", ++step, configs);
        // the fixed-cut curve: documents and queries stopped at layer k, searched as the sweep's primary search
        Search cutSearch = o.search() == Search.HNSW ? Search.HNSW : Search.EXACT;
        double[] cutQuality = new double[L];
        for (int k = 1; k < L; k++) {
            cutQuality[k - 1] = score(docs.embeddingsAtLayer(k), queries.embeddingsAtLayer(k), data, cutSearch).primary().ndcg10();
            progress.update("search", ++step, configs);
        }
        cutQuality[L - 1] = full.primary().ndcg10();
        // a depth path is not a prefix of the full stack, so the traces cannot replay it: each one embeds both sides itself
        List<SearchScores> rungScores = new ArrayList<>(), rungQueriesOnly = new ArrayList<>();
        double[] firstLayers = cutQuality.clone();
        List<ExitPolicy> timed = new ArrayList<>(policies);
        for (int[] p : paths) {
            ExitPolicy atPath = ExitPolicy.fullDepth().withDepth(p.length);
            progress.update("documents through the path of " + p.length + " layers", 0, 1);
            float[][] d = Tracing.liveEmbeddings(enc, data.docTexts(), atPath, s.batchSize()), q = Tracing.liveEmbeddings(enc, data.queryTexts(), atPath, s.batchSize());
            SearchScores sc = score(d, q, data, o.search());
            progress.update("search", ++step, configs);
            rungScores.add(sc);
            rungQueriesOnly.add(score(fullDocs, q, data, o.search()));
            progress.update("search", ++step, configs);
            cutQuality[p.length - 1] = sc.primary().ndcg10();
            timed.add(atPath);
        }
        FixedCuts cuts = new FixedCuts(cutQuality);

        SpeedTest.Timing qb1 = null, qb32 = null, db1 = null, db32 = null;
        if (s.speedSample() > 0) {
            qb1 = SpeedTest.measure(enc, SpeedTest.sample(data.queryTexts(), s.speedSample()), timed, 1, s.repeats(), progress, "time queries b1");
            qb32 = SpeedTest.measure(enc, SpeedTest.sample(data.queryTexts(), s.speedSampleBatch32()), timed, SweepOptions.SPEED_BATCH, s.repeats(), progress, "time queries b32");
        }
        if (o.docSpeedSample() > 0) {
            db1 = SpeedTest.measure(enc, SpeedTest.sample(data.docTexts(), o.docSpeedSample()), timed, 1, s.repeats(), progress, "time docs b1");
            db32 = SpeedTest.measure(enc, SpeedTest.sample(data.docTexts(), 8 * o.docSpeedSample()), timed, SweepOptions.SPEED_BATCH, s.repeats(), progress, "time docs b32");
        }
        List<RungRow> rungs = new ArrayList<>();
        for (int j = 0; j < paths.size(); j++) {
            int[] p = paths.get(j);
            int t = policies.size() + j;
            rungs.add(new RungRow(p.clone(), rungScores.get(j), rungQueriesOnly.get(j), firstLayers[p.length - 1], speedup(db1, t), speedup(db32, t), speedup(qb1, t), speedup(qb32, t)));
        }

        List<ThetaRow> rows = new ArrayList<>();
        List<Recommendation.Candidate> bothC = new ArrayList<>(), mixedC = new ArrayList<>();
        for (int i = 0; i < policies.size(); i++) {
            ExitPolicy p = policies.get(i);
            float[][] d = docs.embeddings(docs.exitLayers(p)), q = queries.embeddings(queries.exitLayers(p));
            SearchScores both = score(d, q, data, o.search());
            progress.update("search", ++step, configs);
            SearchScores mixed = score(fullDocs, q, data, o.search());
            progress.update("search", ++step, configs);
            ThresholdOutcome od = docs.outcome(p), oq = queries.outcome(p);
            ThetaRow row = new ThetaRow(p.theta(), both, mixed, od, oq, speedup(db1, i), speedup(db32, i), speedup(qb1, i), speedup(qb32, i),
                    cuts.bestWithin(od.meanExitLayer()));
            rows.add(row);
            bothC.add(new Recommendation.Candidate(p.theta(), both.primary().ndcg10(), od.meanExitLayer(), od.earlyExitRate(), row.docSpeedupBatch32()));
            mixedC.add(new Recommendation.Candidate(p.theta(), mixed.primary().ndcg10(), oq.meanExitLayer(), oq.earlyExitRate(), row.querySpeedupBatch32()));
        }
        double fullNdcg = full.primary().ndcg10();
        Recommendation recBoth = Recommendation.recommend("nDCG@10 (documents and queries exit early)", fullNdcg, bothC, L, s.maxDrop(), cuts);
        Recommendation recMixed = Recommendation.recommend("nDCG@10 (queries exit early, documents full depth)", fullNdcg, mixedC, L, s.maxDrop());
        return new Result(data, o.search(), L, s.base(), docs.truncated(), docs.tokens(), queries.truncated(), queries.tokens(), full, cuts,
                docs.agreement(), queries.agreement(), rows, List.copyOf(rungs), db1, db32, qb1, qb32, recBoth, recMixed);
    }

    private static double speedup(SpeedTest.Timing t, int i) {
        return t == null ? Double.NaN : t.speedup(i);
    }

    static SearchScores score(float[][] docs, float[][] queries, BeirData data, Search search) {
        int k = Math.min(DEPTH, docs.length);
        int[][] exact = null, hnsw = null;
        double recall = Double.NaN;
        if (search != Search.HNSW) exact = VectorSearch.exact(docs, queries, k);
        if (search != Search.EXACT) {
            try (VectorSearch.Hnsw index = new VectorSearch.Hnsw(docs)) {
                hnsw = index.search(queries, k);
            }
            int[][] ref = exact;
            int checked = queries.length;
            if (ref == null) {
                checked = Math.min(HNSW_CHECK_QUERIES, queries.length);
                ref = VectorSearch.exact(docs, Arrays.copyOf(queries, checked), k);
            }
            double sum = 0;
            for (int q = 0; q < checked; q++) sum += Metrics.overlapAt(k, ref[q], hnsw[q]);
            recall = sum / checked;
        }
        return new SearchScores(exact == null ? null : scores(exact, data), hnsw == null ? null : scores(hnsw, data), recall);
    }

    /** Mean nDCG@10, Recall@100, MRR@10 over the evaluated queries (each has at least one relevant document). */
    static Scores scores(int[][] ranked, BeirData data) {
        double ndcg = 0, recall = 0, mrr = 0;
        int n = data.queryIds().size();
        for (int q = 0; q < n; q++) {
            List<String> ranking = new ArrayList<>(ranked[q].length);
            for (int d : ranked[q]) ranking.add(data.docIds().get(d));
            Map<String, Integer> rel = data.qrels().get(data.queryIds().get(q));
            ndcg += Metrics.ndcgAt(10, ranking, rel);
            recall += Metrics.recallAt(100, ranking, rel);
            mrr += Metrics.mrrAt(10, ranking, rel);
        }
        return new Scores(ndcg / n, recall / n, mrr / n);
    }
}
