package dev.leap4j.eval;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.leap4j.eval.ReportFormat.f;

/**
 * Early exit beside the fixed-cut curve in a report: the curve itself, and for each theta the best fixed cut that runs
 * no more layers, as JSON, a Markdown section and the quality-vs-layers chart with both curves. One place for the STS
 * and the retrieval report.
 *
 * @param metric what the quality is (e.g. "Spearman")
 * @param inputs what a cut stops (e.g. "input", "document and query")
 * @param rows   one per theta, in sweep order
 * @param pathDepths depths at which the model names a depth path: there {@code --depth k} runs that path, and the cut's
 *                   quality is the path's
 */
record CutComparison(String metric, String inputs, FixedCuts cuts, double fullQuality, List<Row> rows, java.util.Set<Integer> pathDepths) {
    /** A model without depth paths: every cut is the model's first k layers. */
    CutComparison(String metric, String inputs, FixedCuts cuts, double fullQuality, List<Row> rows) {
        this(metric, inputs, cuts, fullQuality, rows, java.util.Set.of());
    }

    /** One theta: its cost in mean layers, its quality, and the best cut within that cost (null: none). */
    record Row(double theta, double meanLayers, double quality, FixedCuts.Best bestCut) {
        boolean beatsCuts() {
            return bestCut == null || quality >= bestCut.quality();
        }
    }

    void json(ObjectNode root) {
        ArrayNode curve = root.putArray("fixed_cuts");
        for (int k = 1; k <= cuts.numLayers(); k++) curve.addObject().put("layer", k).put("quality", cuts.at(k)).put("depth_path", pathDepths.contains(k));
        ArrayNode th = root.putArray("exit_vs_fixed_cut");
        for (Row r : rows) {
            ObjectNode n = th.addObject().put("theta", r.theta()).put("mean_exit_layer", r.meanLayers()).put("quality", r.quality());
            if (r.bestCut() == null) n.putNull("best_fixed_cut_layer").putNull("best_fixed_cut_quality");
            else n.put("best_fixed_cut_layer", r.bestCut().layer()).put("best_fixed_cut_quality", r.bestCut().quality());
            n.put("beats_fixed_cuts", r.beatsCuts());
        }
    }

    String markdown() {
        StringBuilder sb = new StringBuilder("\n## Early exit against fixed cuts\n\n");
        sb.append(f("A fixed cut stops every " + inputs + " at layer k (`--depth k`): the simple alternative. For each theta, the best cut that runs no more "
                + "layers than the theta's mean exit layer; early exit earns its place only where it scores at least as well.%n%n"));
        if (!pathDepths.isEmpty()) {
            sb.append(f("At depth %s this model names a depth path: there `--depth k` runs the path, so the cut is the path (marked *), not the first k layers.%n%n",
                    pathDepths.stream().sorted().map(String::valueOf).collect(java.util.stream.Collectors.joining(", "))));
        }
        sb.append(f("| theta | mean exit layer | %s | best cut within | its %s | exit − cut | exit at least as good |%n|---|---|---|---|---|---|---|%n", metric, metric));
        for (Row r : rows) {
            sb.append(r.bestCut() == null
                    ? f("| %.2f | %.2f | %.4f | – | – | – | yes (no cut is that cheap) |%n", r.theta(), r.meanLayers(), r.quality())
                    : f("| %.2f | %.2f | %.4f | layer %d | %.4f | %+.4f | %s |%n", r.theta(), r.meanLayers(), r.quality(), r.bestCut().layer(),
                    r.bestCut().quality(), r.quality() - r.bestCut().quality(), r.beatsCuts() ? "yes" : "**no**"));
        }
        sb.append(f("%n| layer k | %s with every %s stopped at k |%n|---|---|%n", metric, inputs));
        for (int k = 1; k <= cuts.numLayers(); k++) sb.append(f("| %d%s | %.4f |%n", k, pathDepths.contains(k) ? "*" : "", cuts.at(k)));
        sb.append("\n![quality vs layers](quality-vs-layers.png)\n");
        return sb.toString();
    }

    void plot(Path file, String title) throws IOException {
        int L = cuts.numLayers(), n = rows.size();
        double[] k = new double[L], q = new double[L], x = new double[n], y = new double[n];
        String[] kLabels = new String[L], tLabels = new String[n];
        for (int i = 0; i < L; i++) {
            k[i] = i + 1;
            q[i] = cuts.at(i + 1);
            kLabels[i] = "L" + (i + 1) + (pathDepths.contains(i + 1) ? "*" : "");
        }
        for (int i = 0; i < n; i++) {
            x[i] = rows.get(i).meanLayers();
            y[i] = rows.get(i).quality();
            tLabels[i] = f("%.2f", rows.get(i).theta());
        }
        List<Plots.Series> series = new ArrayList<>();
        series.add(new Plots.Series("fixed cut (every " + inputs + " at depth k" + (pathDepths.isEmpty() ? "" : "; * its depth path") + ")", k, q, kLabels));
        series.add(new Plots.Series("early exit (mean exit layer per theta)", x, y, tLabels));
        Plots.qualityVsSpeedup(file, title, "layers run per input (mean)", metric, series, fullQuality);
    }
}
