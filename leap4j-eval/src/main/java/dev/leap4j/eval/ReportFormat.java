package dev.leap4j.eval;

import dev.leap4j.api.UsageException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.leap4j.exit.LayerDiagnostics.ThresholdOutcome;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Shared pieces of the JSON and Markdown reports. */
final class ReportFormat {
    private ReportFormat() {}

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** NaN (not measured) becomes JSON null, never the invalid token NaN. */
    static void put(ObjectNode n, String field, double v) {
        if (Double.isFinite(v)) n.put(field, v); else n.putNull(field);
    }

    static ObjectNode runInfo(ObjectNode root, RunInfo info) {
        ObjectNode r = root.putObject("run");
        r.put("model", info.model()).put("data", info.data()).put("jdk", info.jdk()).put("cpu", info.cpu())
                .put("threads", info.threads()).put("date", info.date()).put("command", info.command());
        ObjectNode prompts = root.putObject("prompts");
        info.prompts().forEach((role, p) -> {
            ObjectNode n = prompts.putObject(role);
            if (p.name() == null) n.putNull("name"); else n.put("name", p.name());
            n.put("text", p.text());
        });
        return r;
    }

    static void outcome(ObjectNode n, ThresholdOutcome o) {
        n.put("mean_exit_layer", o.meanExitLayer()).put("early_exit_rate", o.earlyExitRate()).put("layer_reduction", o.layerReduction());
        ArrayNode share = n.putArray("exit_share_by_layer");
        for (double s : o.exitShareByLayer()) share.add(s);
    }

    static void timing(ObjectNode parent, String field, SpeedTest.Timing t) {
        if (t == null) {
            parent.putNull(field);
            return;
        }
        ObjectNode n = parent.putObject(field);
        n.put("batch_size", t.batchSize()).put("texts", t.texts()).put("repeats", t.repeats()).put("full_depth_ms_median", t.fullMs()).put("full_depth_ms_min", t.fullMinMs());
        ArrayNode med = n.putArray("policy_ms_median"), min = n.putArray("policy_ms_min");
        for (double v : t.policyMs()) med.add(v);
        for (double v : t.policyMinMs()) min.add(v);
    }

    static void recommendation(ObjectNode parent, String field, Recommendation r) {
        ObjectNode n = parent.putObject(field);
        n.put("verdict", r.verdict().name().toLowerCase(Locale.ROOT)).put("metric", r.metric()).put("max_relative_drop", r.maxDrop())
                .put("full_depth", r.fullQuality()).put("message", r.message());
        if (r.chosen() == null) n.putNull("theta");
        else {
            n.put("theta", r.chosen().theta()).put("quality", r.chosen().quality()).put("relative_drop", r.relativeDrop(r.chosen()))
                    .put("mean_exit_layer", r.chosen().meanExitLayer());
            put(n, "speedup_batch32", r.chosen().speedup());
        }
        ArrayNode w = n.putArray("warnings");
        r.warnings().forEach(w::add);
    }

    static void write(Path file, ObjectNode root) throws IOException {
        JSON.writeValue(file.toFile(), root);
    }

    static void writeText(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    static String f(String fmt, Object... args) {
        return String.format(Locale.ROOT, fmt, args);
    }

    /** A measured speedup for a table, marked as noise when the saved layers cannot explain it. */
    static String speedup(double speedup, double layerReduction) {
        String s = num("%.2fx", speedup);
        return SpeedTest.implausible(speedup, layerReduction) ? s + " (noise)" : s;
    }

    /** A number for a table cell, "–" when not measured. */
    static String num(String fmt, double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, fmt, v) : "–";
    }

    /**
     * The head of a report's "Depth paths" section, down to its table's header: what a depth path is, and what the rows
     * embed (e.g. "every sentence"). columns: the table's columns after "depth" and "layers run".
     */
    static String depthPathsHead(int paths, String embeds, List<String> columns) {
        StringBuilder sb = new StringBuilder("\n## Depth paths\n\n");
        sb.append(f("This model names %s (leap4j_paths.json): `--depth k` runs the k-layer path below instead of its first k layers. "
                + "Each row embeds %s through the path itself, and is timed in the same interleaved runs as the theta sweep.%n%n",
                paths == 1 ? "1 depth path" : paths + " depth paths", embeds));
        sb.append("| depth | layers run | ").append(String.join(" | ", columns)).append(" |\n|---|---|").append("---|".repeat(columns.size())).append('\n');
        return sb.toString();
    }

    /** A path's layers as "2,5,7,9". */
    static String layers(int[] path) {
        return java.util.Arrays.stream(path).mapToObj(String::valueOf).collect(java.util.stream.Collectors.joining(","));
    }

    /** A depth path's entry in a report's "depth_paths" list: its depth and its layers; the caller adds the scores. */
    static ObjectNode depthPathJson(ArrayNode list, int[] path) {
        ObjectNode n = list.addObject().put("depth", path.length);
        ArrayNode layers = n.putArray("layers");
        for (int l : path) layers.add(l);
        return n;
    }

    static String shares(ThresholdOutcome o) {
        StringBuilder sb = new StringBuilder();
        double[] s = o.exitShareByLayer();
        for (int l = 0; l < s.length; l++) if (s[l] > 0) sb.append(f("L%d %.1f%% ", l + 1, 100 * s[l]));
        return sb.toString().trim();
    }

    static String header(RunInfo info) {
        StringBuilder prompts = new StringBuilder();
        info.prompts().forEach((role, p) -> prompts.append(prompts.isEmpty() ? "" : "; ").append(role).append(": ").append(p.describe()));
        return f("- model: `%s`%n- data: `%s`%n- prompts: %s%n- JDK %s, CPU %s, %d threads, %s%n- command: `%s`%n%n",
                info.model(), info.data(), prompts.isEmpty() ? "none" : prompts.toString(), info.jdk(), info.cpu(), info.threads(), info.date(), info.command());
    }

    /** report.json and report.md of one evaluation, in dir (created if needed). */
    static void writeReport(Path dir, ObjectNode json, String markdown) throws IOException {
        ensureDir(dir);
        write(dir.resolve("report.json"), json);
        writeText(dir.resolve("report.md"), markdown);
    }

    /** The JSON report's root: the task and how it was run. */
    static ObjectNode root(String task, RunInfo info) {
        ObjectNode root = JSON.createObjectNode();
        root.put("task", task);
        runInfo(root, info);
        return root;
    }

    static void ensureDir(Path dir) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) throw new UsageException("output path " + dir + " exists and is not a folder");
        Files.createDirectories(dir);
    }
}
