package dev.leap4j.eval;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.leap4j.eval.RetrievalEvaluation.Result;
import dev.leap4j.eval.RetrievalEvaluation.Scores;
import dev.leap4j.eval.RetrievalEvaluation.SearchScores;
import dev.leap4j.eval.RetrievalEvaluation.ThetaRow;
import dev.leap4j.exit.LayerDiagnostics.LayerAgreement;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.leap4j.eval.ReportFormat.f;
import static dev.leap4j.eval.ReportFormat.num;

/** Writes a retrieval evaluation as report.json, report.md and four PNG charts into a folder. */
public final class RetrievalReport {
    private RetrievalReport() {}

    /** Documents and queries at one layer, against both exiting early; the cost compared is the documents' mean exit layer. */
    static CutComparison cuts(Result r) {
        List<CutComparison.Row> rows = new ArrayList<>();
        for (ThetaRow t : r.thetas()) rows.add(new CutComparison.Row(t.theta(), t.docs().meanExitLayer(), t.both().primary().ndcg10(), t.bothCut()));
        return new CutComparison("nDCG@10", "document and query", r.cuts(), r.full().primary().ndcg10(), rows,
                r.rungs().stream().map(RetrievalEvaluation.RungRow::depth).collect(java.util.stream.Collectors.toSet()));
    }

    public static void write(Path dir, Result r, RunInfo info) throws IOException {
        ReportFormat.writeReport(dir, json(r, info), markdown(r, info));
        plots(dir, r, info);
    }

    static ObjectNode json(Result r, RunInfo info) {
        ObjectNode root = ReportFormat.root("retrieval", info);
        BeirData d = r.data();
        ObjectNode dn = root.putObject("data");
        dn.put("dir", d.dir().toString()).put("split", d.split()).put("documents", d.docIds().size()).put("queries", d.queryIds().size())
                .put("judgements", d.judgements()).put("documents_truncated", r.docTruncated()).put("document_tokens", r.docTokens())
                .put("queries_truncated", r.queryTruncated()).put("query_tokens", r.queryTokens());
        dn.putObject("skipped").put("judgements_unknown_document", d.skips().judgementsUnknownDocument())
                .put("judgements_unknown_query", d.skips().judgementsUnknownQuery()).put("queries_without_relevant", d.skips().queriesWithoutRelevant());
        root.putObject("policy").put("min_layer", r.base().minLayer()).put("patience", r.base().patience()).put("num_layers", r.numLayers());
        root.put("search", r.search().name().toLowerCase(java.util.Locale.ROOT));
        search(root.putObject("full_depth"), r.full());
        layers(root.putArray("document_layers"), r.docLayers());
        layers(root.putArray("query_layers"), r.queryLayers());
        ObjectNode speed = root.putObject("speed");
        speed.put("method", "wall-clock of embed() over the same fixed samples, full depth vs each theta, interleaved in alternating order, 2 warm-up rounds, median of repeats");
        ReportFormat.timing(speed, "documents_batch1", r.docBatch1());
        ReportFormat.timing(speed, "documents_batch32", r.docBatch32());
        ReportFormat.timing(speed, "queries_batch1", r.queryBatch1());
        ReportFormat.timing(speed, "queries_batch32", r.queryBatch32());
        ArrayNode th = root.putArray("thetas");
        for (ThetaRow t : r.thetas()) {
            ObjectNode n = th.addObject().put("theta", t.theta());
            search(n.putObject("both_early"), t.both());
            search(n.putObject("mixed"), t.mixed());
            ReportFormat.outcome(n.putObject("documents"), t.docs());
            ReportFormat.outcome(n.putObject("queries"), t.queries());
            ReportFormat.put(n, "document_speedup_batch1", t.docSpeedupBatch1());
            ReportFormat.put(n, "document_speedup_batch32", t.docSpeedupBatch32());
            ReportFormat.put(n, "query_speedup_batch1", t.querySpeedupBatch1());
            ReportFormat.put(n, "query_speedup_batch32", t.querySpeedupBatch32());
        }
        ArrayNode rungs = root.putArray("depth_paths");
        for (RetrievalEvaluation.RungRow g : r.rungs()) {
            ObjectNode n = ReportFormat.depthPathJson(rungs, g.path());
            search(n.putObject("scores"), g.scores());
            search(n.putObject("queries_only_scores"), g.queriesOnly());
            n.put("ndcg_at_10_first_layers", g.firstLayersNdcg10()).put("layer_reduction", (double) r.numLayers() / g.depth());
            ReportFormat.put(n, "document_speedup_batch1", g.docSpeedupBatch1());
            ReportFormat.put(n, "document_speedup_batch32", g.docSpeedupBatch32());
            ReportFormat.put(n, "query_speedup_batch1", g.querySpeedupBatch1());
            ReportFormat.put(n, "query_speedup_batch32", g.querySpeedupBatch32());
        }
        cuts(r).json(root);
        ReportFormat.recommendation(root, "recommendation_both_early", r.both());
        ReportFormat.recommendation(root, "recommendation_mixed", r.mixed());
        return root;
    }

    private static void search(ObjectNode n, SearchScores s) {
        if (s.exact() != null) scores(n.putObject("exact"), s.exact());
        if (s.hnsw() != null) scores(n.putObject("hnsw"), s.hnsw());
        ReportFormat.put(n, "hnsw_recall_at_100_vs_exact", s.hnswRecallVsExact());
    }

    private static void scores(ObjectNode n, Scores s) {
        n.put("ndcg_at_10", s.ndcg10()).put("recall_at_100", s.recall100()).put("mrr_at_10", s.mrr10());
    }

    private static void layers(ArrayNode a, List<LayerAgreement> ls) {
        for (LayerAgreement l : ls) {
            ObjectNode n = a.addObject().put("layer", l.layer());
            ReportFormat.put(n, "mean_cos_to_previous", l.meanCosToPrevious());
            n.put("mean_cos_to_final", l.meanCosToFinal());
        }
    }

    /** The depth dial: documents and queries embedded through each depth path and timed with the sweep; empty without paths. */
    static String rungsMarkdown(Result r) {
        if (r.rungs().isEmpty()) return "";
        StringBuilder sb = new StringBuilder(ReportFormat.depthPathsHead(r.rungs().size(), "every document and query", List.of("nDCG@10", "R@100", "MRR@10",
                "nDCG@10, queries only (documents full depth)", "nDCG@10 of the first k layers instead", "layer reduction", "doc speedup b1 / b32",
                "query speedup b1 / b32")));
        Scores full = r.full().primary();
        sb.append(f("| %d (full) | 1-%d | %.4f | %.4f | %.4f | %.4f | – | 1.00x | 1.00x | 1.00x |%n", r.numLayers(), r.numLayers(), full.ndcg10(), full.recall100(),
                full.mrr10(), full.ndcg10()));
        for (RetrievalEvaluation.RungRow g : r.rungs().reversed()) {
            Scores s = g.scores().primary();
            double red = (double) r.numLayers() / g.depth();
            sb.append(f("| %d | %s | %.4f | %.4f | %.4f | %.4f | %.4f | %.2fx | %s / %s | %s / %s |%n", g.depth(),
                    ReportFormat.layers(g.path()), s.ndcg10(), s.recall100(), s.mrr10(), g.queriesOnly().primary().ndcg10(), g.firstLayersNdcg10(), red, ReportFormat.speedup(g.docSpeedupBatch1(), red),
                    ReportFormat.speedup(g.docSpeedupBatch32(), red), ReportFormat.speedup(g.querySpeedupBatch1(), red), ReportFormat.speedup(g.querySpeedupBatch32(), red)));
        }
        return sb.toString();
    }

    static String markdown(Result r, RunInfo info) {
        BeirData d = r.data();
        StringBuilder sb = new StringBuilder();
        sb.append("# Retrieval evaluation: ").append(info.model()).append("\n\n").append(ReportFormat.header(info));
        sb.append(f("%d documents (%d truncated at the model's max length), %d queries with %d judgements (split %s); skipped: %d judgements naming unknown documents, %d naming unknown queries, %d queries without a relevant document. %d layers; exit rule: min layer %d, patience %d. Search: %s.%n%n",
                d.docIds().size(), r.docTruncated(), d.queryIds().size(), d.judgements(), d.split(), d.skips().judgementsUnknownDocument(),
                d.skips().judgementsUnknownQuery(), d.skips().queriesWithoutRelevant(), r.numLayers(), r.base().minLayer(), r.base().patience(),
                r.search().name().toLowerCase(java.util.Locale.ROOT)));
        Scores full = r.full().primary();
        sb.append(f("**Full depth: nDCG@10 %.4f, Recall@100 %.4f, MRR@10 %.4f**%s.%n%n", full.ndcg10(), full.recall100(), full.mrr10(),
                Double.isFinite(r.full().hnswRecallVsExact()) ? f(" (HNSW recall@100 vs exact: %.4f)", r.full().hnswRecallVsExact()) : ""));
        sb.append("## Recommendation\n\n- documents and queries exit early: ").append(r.both().message()).append("\n- queries exit early, documents at full depth: ")
                .append(r.mixed().message()).append("\n");
        for (String w : r.both().warnings()) sb.append("- warning (both): ").append(w).append('\n');
        for (String w : r.mixed().warnings()) sb.append("- warning (mixed): ").append(w).append('\n');
        sb.append("\n## Theta sweep\n\n");
        sb.append("Quality columns use ").append(r.full().exact() != null ? "exact search" : "HNSW search").append(". Speedups are measured wall-clock ratios (full depth / early exit) of `embed()` on fixed samples in this run");
        if (r.docBatch1() != null) sb.append(f(": documents %d at batch 1, %d at batch 32", r.docBatch1().texts(), r.docBatch32().texts()));
        if (r.queryBatch1() != null) sb.append(f("; queries %d at batch 1, %d at batch 32", r.queryBatch1().texts(), r.queryBatch32().texts()));
        if (r.queryBatch1() != null || r.docBatch1() != null) sb.append(f("; median of %d interleaved repeats (order alternating) after two warm-up rounds", r.queryBatch1() != null ? r.queryBatch1().repeats() : r.docBatch1().repeats()));
        sb.append(".\n\n");
        sb.append("| theta | nDCG@10 both | R@100 both | MRR@10 both | nDCG@10 mixed | R@100 mixed | MRR@10 mixed | doc mean exit | doc early | query mean exit | query early | doc speedup b1 / b32 | query speedup b1 / b32 | HNSW recall (both) |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        sb.append(f("| full | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f | %d | 0%% | %d | 0%% | 1.00x | 1.00x | %s |%n", full.ndcg10(), full.recall100(), full.mrr10(),
                full.ndcg10(), full.recall100(), full.mrr10(), r.numLayers(), r.numLayers(), num("%.4f", r.full().hnswRecallVsExact())));
        for (ThetaRow t : r.thetas()) {
            Scores b = t.both().primary(), m = t.mixed().primary();
            sb.append(f("| %.2f | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f | %.2f | %.1f%% | %.2f | %.1f%% | %s / %s | %s / %s | %s |%n", t.theta(),
                    b.ndcg10(), b.recall100(), b.mrr10(), m.ndcg10(), m.recall100(), m.mrr10(), t.docs().meanExitLayer(), 100 * t.docs().earlyExitRate(),
                    t.queries().meanExitLayer(), 100 * t.queries().earlyExitRate(), ReportFormat.speedup(t.docSpeedupBatch1(), t.docs().layerReduction()),
                    ReportFormat.speedup(t.docSpeedupBatch32(), t.docs().layerReduction()), ReportFormat.speedup(t.querySpeedupBatch1(), t.queries().layerReduction()),
                    ReportFormat.speedup(t.querySpeedupBatch32(), t.queries().layerReduction()), num("%.4f", t.both().hnswRecallVsExact())));
        }
        if (r.full().exact() != null && r.full().hnsw() != null) {
            sb.append("\n## HNSW vs exact\n\n| theta | nDCG@10 exact | nDCG@10 HNSW | R@100 exact | R@100 HNSW | HNSW recall@100 vs exact |\n|---|---|---|---|---|---|\n");
            sb.append(hnswRow("full", r.full()));
            for (ThetaRow t : r.thetas()) sb.append(hnswRow(f("%.2f (both)", t.theta()), t.both()));
        }
        sb.append(rungsMarkdown(r));
        sb.append(cuts(r).markdown());
        sb.append("\n## Exit distribution\n\n| theta | documents: exit share by layer | queries: exit share by layer |\n|---|---|---|\n");
        for (ThetaRow t : r.thetas()) sb.append(f("| %.2f | %s | %s |%n", t.theta(), ReportFormat.shares(t.docs()), ReportFormat.shares(t.queries())));
        sb.append("\n## Per layer\n\n| layer | doc cos to previous | doc cos to final | query cos to previous | query cos to final |\n|---|---|---|---|---|\n");
        for (int i = 0; i < r.docLayers().size(); i++) {
            LayerAgreement a = r.docLayers().get(i), b = r.queryLayers().get(i);
            sb.append(f("| %d | %s | %.4f | %s | %.4f |%n", a.layer(), num("%.4f", a.meanCosToPrevious()), a.meanCosToFinal(), num("%.4f", b.meanCosToPrevious()), b.meanCosToFinal()));
        }
        sb.append("\n![quality vs speedup](quality-vs-speedup.png)\n\n![exit histogram](exit-histogram.png)\n\n![layer agreement](layer-agreement.png)\n");
        return sb.toString();
    }

    private static String hnswRow(String label, SearchScores s) {
        return f("| %s | %.4f | %.4f | %.4f | %.4f | %.4f |%n", label, s.exact().ndcg10(), s.hnsw().ndcg10(), s.exact().recall100(), s.hnsw().recall100(), s.hnswRecallVsExact());
    }

    static void plots(Path dir, Result r, RunInfo info) throws IOException {
        int n = r.thetas().size();
        double[] thetas = new double[n], both = new double[n], mixed = new double[n], dRed = new double[n], qRed = new double[n],
                d32 = new double[n], q32 = new double[n];
        String[] labels = new String[n];
        double[][] docShares = new double[n][], queryShares = new double[n][];
        for (int i = 0; i < n; i++) {
            ThetaRow t = r.thetas().get(i);
            thetas[i] = t.theta();
            both[i] = t.both().primary().ndcg10();
            mixed[i] = t.mixed().primary().ndcg10();
            dRed[i] = t.docs().layerReduction();
            qRed[i] = t.queries().layerReduction();
            d32[i] = t.docSpeedupBatch32();
            q32[i] = t.querySpeedupBatch32();
            labels[i] = f("%.2f", t.theta());
            docShares[i] = t.docs().exitShareByLayer();
            queryShares[i] = t.queries().exitShareByLayer();
        }
        List<Plots.Series> series = new ArrayList<>();
        if (r.docBatch32() != null) series.add(new Plots.Series("both early: measured document speedup, batch 32", d32, both, labels, false));
        if (r.queryBatch32() != null) series.add(new Plots.Series("mixed: measured query speedup, batch 32", q32, mixed, labels, false));
        series.add(new Plots.Series("both early: document layer reduction", dRed, both, labels));
        series.add(new Plots.Series("mixed: query layer reduction", qRed, mixed, labels));
        Plots.qualityVsSpeedup(dir.resolve("quality-vs-speedup.png"), "nDCG@10 vs speedup per theta: " + info.model(),
                "speedup over full depth (x)", "nDCG@10", series, r.full().primary().ndcg10());
        // Documents dominate indexing cost, so their distribution is the one drawn; queries are in the tables.
        Plots.exitHistogram(dir.resolve("exit-histogram.png"), "Document exit layer per theta: " + info.model(), thetas, docShares);
        cuts(r).plot(dir.resolve("quality-vs-layers.png"), "nDCG@10 vs document layers: early exit (both) and fixed cuts, " + info.model());
        int L = r.docLayers().size();
        double[] layer = new double[L], dp = new double[L], df = new double[L], qp = new double[L], qf = new double[L];
        for (int i = 0; i < L; i++) {
            layer[i] = i + 1;
            dp[i] = r.docLayers().get(i).meanCosToPrevious();
            df[i] = r.docLayers().get(i).meanCosToFinal();
            qp[i] = r.queryLayers().get(i).meanCosToPrevious();
            qf[i] = r.queryLayers().get(i).meanCosToFinal();
        }
        Plots.layerCurves(dir.resolve("layer-agreement.png"), "Per-layer agreement: " + info.model(), "mean cosine",
                List.of(new Plots.Series("documents: cos to final", layer, df, null), new Plots.Series("documents: cos to previous", layer, dp, null),
                        new Plots.Series("queries: cos to final", layer, qf, null), new Plots.Series("queries: cos to previous", layer, qp, null)));
    }
}
