package dev.leap4j.eval;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.leap4j.eval.StsEvaluation.LayerRow;
import dev.leap4j.eval.StsEvaluation.Result;
import dev.leap4j.eval.StsEvaluation.RungRow;
import dev.leap4j.eval.StsEvaluation.ThetaRow;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.leap4j.eval.ReportFormat.f;
import static dev.leap4j.eval.ReportFormat.num;

/** Writes an STS evaluation as report.json, report.md and four PNG charts into a folder. */
public final class StsReport {
    private StsReport() {}

    public static final List<String> FILES = List.of("report.json", "report.md", "quality-vs-speedup.png", "exit-histogram.png", "layer-agreement.png",
            "quality-vs-layers.png");

    static CutComparison cuts(Result r) {
        List<CutComparison.Row> rows = new ArrayList<>();
        for (ThetaRow t : r.thetas()) rows.add(new CutComparison.Row(t.theta(), t.outcome().meanExitLayer(), t.spearman(), t.bestCut()));
        return new CutComparison("Spearman", "sentence", r.cuts(), r.fullSpearman(), rows,
                r.rungs().stream().map(StsEvaluation.RungRow::depth).collect(java.util.stream.Collectors.toSet()));
    }

    public static void write(Path dir, Result r, RunInfo info) throws IOException {
        ReportFormat.writeReport(dir, json(r, info), markdown(r, info));
        plots(dir, r, info);
    }

    static ObjectNode json(Result r, RunInfo info) {
        ObjectNode root = ReportFormat.root("sts", info);
        ObjectNode d = root.putObject("data");
        d.put("file", r.file().toString()).put("pairs", r.pairs()).put("sentences", r.sentences()).put("truncated", r.truncated()).put("tokens", r.tokens());
        root.putObject("policy").put("min_layer", r.base().minLayer()).put("patience", r.base().patience()).put("num_layers", r.numLayers());
        root.putObject("full_depth").put("spearman", r.fullSpearman()).put("pearson", r.fullPearson());
        ArrayNode layers = root.putArray("layers");
        for (LayerRow l : r.layers()) {
            ObjectNode n = layers.addObject().put("layer", l.layer());
            ReportFormat.put(n, "mean_cos_to_previous", l.meanCosToPrevious());
            n.put("mean_cos_to_final", l.meanCosToFinal()).put("spearman_if_all_exit_here", l.spearman());
        }
        ObjectNode speed = root.putObject("speed");
        speed.put("method", "wall-clock of embed() over the same fixed sample, full depth vs each theta, interleaved in alternating order, 2 warm-up rounds, median of repeats");
        ReportFormat.timing(speed, "batch1", r.batch1());
        ReportFormat.timing(speed, "batch32", r.batch32());
        ArrayNode th = root.putArray("thetas");
        for (int i = 0; i < r.thetas().size(); i++) {
            ThetaRow t = r.thetas().get(i);
            ObjectNode n = th.addObject().put("theta", t.theta()).put("spearman", t.spearman()).put("pearson", t.pearson())
                    .put("spearman_relative_drop", Recommendation.relativeDrop(r.fullSpearman(), t.spearman()));
            ReportFormat.outcome(n, t.outcome());
            ReportFormat.put(n, "speedup_batch1", t.speedupBatch1());
            ReportFormat.put(n, "speedup_batch32", t.speedupBatch32());
            n.put("speedup_batch1_noise", SpeedTest.implausible(t.speedupBatch1(), t.outcome().layerReduction()));
            n.put("speedup_batch32_noise", SpeedTest.implausible(t.speedupBatch32(), t.outcome().layerReduction()));
            ReportFormat.put(n, "ms_batch1", t.msBatch1());
            ReportFormat.put(n, "ms_batch32", t.msBatch32());
            ReportFormat.put(n, "speedup_batch1_best_of_repeats", r.batch1() == null ? Double.NaN : r.batch1().speedupOfMinimum(i));
            ReportFormat.put(n, "speedup_batch32_best_of_repeats", r.batch32() == null ? Double.NaN : r.batch32().speedupOfMinimum(i));
        }
        ArrayNode rungs = root.putArray("depth_paths");
        for (RungRow g : r.rungs()) {
            ObjectNode n = ReportFormat.depthPathJson(rungs, g.path());
            n.put("spearman", g.spearman()).put("pearson", g.pearson()).put("spearman_relative_drop", Recommendation.relativeDrop(r.fullSpearman(), g.spearman()))
                    .put("spearman_first_layers", g.firstLayersSpearman()).put("layer_reduction", (double) r.numLayers() / g.depth());
            ReportFormat.put(n, "speedup_batch1", g.speedupBatch1());
            ReportFormat.put(n, "speedup_batch32", g.speedupBatch32());
            ReportFormat.put(n, "ms_batch1", g.msBatch1());
            ReportFormat.put(n, "ms_batch32", g.msBatch32());
        }
        cuts(r).json(root);
        ReportFormat.recommendation(root, "recommendation", r.recommendation());
        return root;
    }

    static String markdown(Result r, RunInfo info) {
        StringBuilder sb = new StringBuilder();
        sb.append("# STS evaluation: ").append(info.model()).append("\n\n").append(ReportFormat.header(info));
        sb.append(f("%d pairs (%d sentences, %d truncated), %d layers; exit rule: min layer %d, patience %d.%n%n",
                r.pairs(), r.sentences(), r.truncated(), r.numLayers(), r.base().minLayer(), r.base().patience()));
        sb.append(f("**Full depth: Spearman %.4f, Pearson %.4f** (cosine similarity vs gold, ×100: %.2f).%n%n", r.fullSpearman(), r.fullPearson(), 100 * r.fullSpearman()));
        sb.append("## Recommendation\n\n").append(r.recommendation().message()).append("\n\n");
        for (String w : r.recommendation().warnings()) sb.append("- warning: ").append(w).append('\n');
        if (!r.recommendation().warnings().isEmpty()) sb.append('\n');
        sb.append("## Theta sweep\n\n");
        if (r.batch1() != null) {
            sb.append(f("Speedups are measured wall-clock ratios (full depth / early exit) of `embed()` on the same inputs in this run: batch 1 over a fixed sample of %d sentences, batch %d over %d sentences; median of %d interleaved repeats (order alternating) after two warm-up rounds (report.json also holds the best-of-repeats ratios, which other load on a shared machine disturbs less). A ratio marked (noise) is one the saved layers cannot explain: more than 10%% above the layer reduction, or more than 10%% away from 1.00x where nothing exits; it says the machine was busy, not that the model is fast. Full depth took %.1f ms (batch 1) and %.1f ms (batch %d).%n%n",
                    r.batch1().texts(), r.batch32().batchSize(), r.batch32().texts(), r.batch1().repeats(), r.batch1().fullMs(), r.batch32().fullMs(), r.batch32().batchSize()));
        } else {
            sb.append("Speed was not measured in this run (speed sample 0).\n\n");
        }
        sb.append("| theta | Spearman | Δ rel | Pearson | early exit | mean exit layer | layer reduction | speedup b1 | speedup b32 | exit share by layer |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|\n");
        sb.append(f("| full | %.4f | – | %.4f | 0%% | %d | 1.00x | 1.00x | 1.00x | L%d 100%% |%n", r.fullSpearman(), r.fullPearson(), r.numLayers(), r.numLayers()));
        for (ThetaRow t : r.thetas()) {
            sb.append(f("| %.2f | %.4f | %+.2f%% | %.4f | %.1f%% | %.2f | %.2fx | %s | %s | %s |%n", t.theta(), t.spearman(),
                    -100 * Recommendation.relativeDrop(r.fullSpearman(), t.spearman()), t.pearson(), 100 * t.outcome().earlyExitRate(),
                    t.outcome().meanExitLayer(), t.outcome().layerReduction(), ReportFormat.speedup(t.speedupBatch1(), t.outcome().layerReduction()),
                    ReportFormat.speedup(t.speedupBatch32(), t.outcome().layerReduction()),
                    ReportFormat.shares(t.outcome())));
        }
        sb.append(rungsMarkdown(r));
        sb.append(cuts(r).markdown());
        sb.append("\n## Per layer\n\nMean cosine of each layer's pooled state to the previous layer (what the exit rule watches) and to the final layer (what quality depends on), and the Spearman if every sentence stopped at that layer.\n\n");
        sb.append("| layer | cos to previous | cos to final | Spearman if all exit here |\n|---|---|---|---|\n");
        for (LayerRow l : r.layers()) sb.append(f("| %d | %s | %.4f | %.4f |%n", l.layer(), num("%.4f", l.meanCosToPrevious()), l.meanCosToFinal(), l.spearman()));
        sb.append("\n![quality vs speedup](quality-vs-speedup.png)\n\n![exit histogram](exit-histogram.png)\n\n![layer agreement](layer-agreement.png)\n");
        return sb.toString();
    }

    /** The depth dial: each depth path embedded through itself and timed with the sweep; empty without paths. */
    static String rungsMarkdown(Result r) {
        if (r.rungs().isEmpty()) return "";
        StringBuilder sb = new StringBuilder(ReportFormat.depthPathsHead(r.rungs().size(), "every sentence", List.of("Spearman", "Δ rel", "Pearson",
                "the first k layers instead", "layer reduction", "speedup b1", "speedup b32")));
        sb.append(f("| %d (full) | 1-%d | %.4f | – | %.4f | – | 1.00x | 1.00x | 1.00x |%n", r.numLayers(), r.numLayers(), r.fullSpearman(), r.fullPearson()));
        for (RungRow g : r.rungs().reversed()) {
            double red = (double) r.numLayers() / g.depth();
            sb.append(f("| %d | %s | %.4f | %+.2f%% | %.4f | %.4f | %.2fx | %s | %s |%n", g.depth(),
                    ReportFormat.layers(g.path()), g.spearman(),
                    -100 * Recommendation.relativeDrop(r.fullSpearman(), g.spearman()), g.pearson(), g.firstLayersSpearman(), red,
                    ReportFormat.speedup(g.speedupBatch1(), red), ReportFormat.speedup(g.speedupBatch32(), red)));
        }
        return sb.toString();
    }

    static void plots(Path dir, Result r, RunInfo info) throws IOException {
        int n = r.thetas().size();
        double[] thetas = new double[n], spear = new double[n], red = new double[n], s1 = new double[n], s32 = new double[n];
        String[] labels = new String[n];
        double[][] shares = new double[n][];
        for (int i = 0; i < n; i++) {
            ThetaRow t = r.thetas().get(i);
            thetas[i] = t.theta();
            spear[i] = t.spearman();
            red[i] = t.outcome().layerReduction();
            s1[i] = t.speedupBatch1();
            s32[i] = t.speedupBatch32();
            labels[i] = f("%.2f", t.theta());
            shares[i] = t.outcome().exitShareByLayer();
        }
        List<Plots.Series> series = new ArrayList<>();
        if (r.batch1() != null) {
            series.add(new Plots.Series("measured, batch 1", s1, spear, labels, false));
            series.add(new Plots.Series("measured, batch 32", s32, spear, labels, false));
        }
        series.add(new Plots.Series("theoretical (layer reduction)", red, spear, labels));
        Plots.qualityVsSpeedup(dir.resolve("quality-vs-speedup.png"), "STS-B Spearman vs speedup per theta: " + info.model(),
                "speedup over full depth (x)", "Spearman", series, r.fullSpearman());
        Plots.exitHistogram(dir.resolve("exit-histogram.png"), "Exit layer per theta: " + info.model(), thetas, shares);
        cuts(r).plot(dir.resolve("quality-vs-layers.png"), "STS-B Spearman vs layers run: early exit and fixed cuts, " + info.model());
        int L = r.layers().size();
        double[] layer = new double[L], prev = new double[L], fin = new double[L], sp = new double[L];
        for (int i = 0; i < L; i++) {
            LayerRow l = r.layers().get(i);
            layer[i] = l.layer();
            prev[i] = l.meanCosToPrevious();
            fin[i] = l.meanCosToFinal();
            sp[i] = l.spearman();
        }
        Plots.layerCurves(dir.resolve("layer-agreement.png"), "Per-layer agreement: " + info.model(), "mean cosine / Spearman",
                List.of(new Plots.Series("cos to final layer", layer, fin, null), new Plots.Series("cos to previous layer", layer, prev, null),
                        new Plots.Series("Spearman if all exit here", layer, sp, null)));
    }
}
