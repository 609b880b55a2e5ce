package dev.leap4j.exit;

import dev.leap4j.api.ExitPolicy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.leap4j.api.ModelFormatException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What evaluation found about early exit on one model, kept in the model folder ({@value #FILE}) so that every
 * entry point defaults to a rule known to keep quality. Early exit is on by default only when every entry says
 * "recommended"; a model without the file, or judged not viable on any task, runs at full depth by default. The
 * reason: on a model whose layers were not trained to agree with the last one (every stock checkpoint measured so
 * far), queries and documents exit at different layers and vectors from different layers get compared, which
 * ranks wrongly while looking fine.
 *
 * @param entries one per task, the latest evaluation of each
 */
public record ExitCalibration(List<Entry> entries) {
    public static final String FILE = "leap4j_exit.json";
    public static final ExitCalibration NONE = new ExitCalibration(List.of());

    public enum Task {
        STS, RETRIEVAL;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public enum Verdict {
        RECOMMENDED, NOT_VIABLE;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One evaluation's conclusion.
     *
     * @param policy      the recommended rule (for NOT_VIABLE: the rule that was judged, its theta unused)
     * @param quality     the task metric at the recommended rule (NaN when not viable)
     * @param maxDrop     the relative quality budget it was judged under
     * @param meanExit    mean exit layer at the recommended rule (NaN when not viable)
     * @param data        what it was judged on, e.g. "stsb dev, 1500 pairs"
     */
    public record Entry(Task task, Verdict verdict, ExitPolicy policy, String metric, double fullQuality, double quality,
                        double maxDrop, double meanExit, String data, String date) {
        public Entry {
            java.util.Objects.requireNonNull(task, "task");
            java.util.Objects.requireNonNull(verdict, "verdict");
            java.util.Objects.requireNonNull(policy, "policy");
        }

        public String summary() {
            return verdict == Verdict.RECOMMENDED
                    ? String.format(Locale.ROOT, "%s: %s recommended (%s %.4f vs %.4f at full depth, budget %.1f%%, %s)", task.key(),
                    policy.describe(), metric, quality, fullQuality, 100 * maxDrop, data)
                    : String.format(Locale.ROOT, "%s: early exit not viable (%s %.4f at full depth, budget %.1f%%, %s)", task.key(), metric,
                    fullQuality, 100 * maxDrop, data);
        }
    }

    public ExitCalibration {
        entries = List.copyOf(entries);
    }

    /** Whether early exit is on by default: at least one entry, and every one recommends a rule. */
    public boolean recommendsExit() {
        return !entries.isEmpty() && entries.stream().allMatch(e -> e.verdict() == Verdict.RECOMMENDED);
    }

    /**
     * The rule a run that sets nothing uses. With several recommendations the strictest value of each wins (the
     * highest theta, min layer and patience), so no task gets a rule looser than the one it was judged under.
     */
    public ExitPolicy defaultPolicy(int numLayers) {
        if (!recommendsExit()) return ExitPolicy.uncalibrated(numLayers);
        double theta = 0;
        int minLayer = 1, patience = 1, depth = ExitPolicy.FULL_DEPTH;
        for (Entry e : entries) {
            theta = Math.max(theta, e.policy().theta());
            minLayer = Math.max(minLayer, e.policy().minLayer());
            patience = Math.max(patience, e.policy().patience());
            int d = e.policy().depth();
            if (d != ExitPolicy.FULL_DEPTH) depth = depth == ExitPolicy.FULL_DEPTH ? d : Math.max(depth, d);
        }
        return new ExitPolicy(theta, Math.min(minLayer, numLayers), patience, depth > numLayers ? ExitPolicy.FULL_DEPTH : depth);
    }

    /** Why early exit is off by default on this model; empty when it is on. */
    public String whyFullDepth() {
        if (recommendsExit()) return "";
        if (entries.isEmpty()) {
            return "it has no exit calibration (" + FILE + ", written by `leap4j eval sts|retrieval --calibrate`)";
        }
        StringBuilder b = new StringBuilder("its evaluation found early exit not viable");
        for (Entry e : entries) if (e.verdict() == Verdict.NOT_VIABLE) b.append(" (").append(e.summary()).append(')');
        return b.toString();
    }

    /** One line per entry, for /info, reports and logs. */
    public List<String> summaries() {
        return entries.stream().map(Entry::summary).toList();
    }

    /** This calibration with e replacing any entry of the same task. */
    public ExitCalibration with(Entry e) {
        List<Entry> out = new ArrayList<>();
        for (Entry x : entries) if (x.task() != e.task()) out.add(x);
        out.add(e);
        return new ExitCalibration(out);
    }


    /** The calibration in a model folder; {@link #NONE} when the folder has none. */
    public static ExitCalibration read(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) return NONE;
        JsonNode root = FolderJson.read(file);
        if (root == null || !root.path("entries").isArray()) throw new ModelFormatException(file + ": expected an object with an \"entries\" list");
        List<Entry> entries = new ArrayList<>();
        for (JsonNode n : root.path("entries")) {
            try {
                entries.add(entry(n));
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(file + ": entry " + entries.size() + ": " + e.getMessage());
            }
        }
        return new ExitCalibration(entries);
    }

    private static Entry entry(JsonNode n) {
        Task task = parse(Task.class, n, "task");
        Verdict verdict = parse(Verdict.class, n, "verdict");
        for (String f : List.of("theta", "min_layer", "patience")) {
            if (!n.path(f).isNumber()) throw new IllegalArgumentException("\"" + f + "\" must be a number");
        }
        ExitPolicy p = new ExitPolicy(n.path("theta").asDouble(), n.path("min_layer").asInt(), n.path("patience").asInt(),
                n.path("depth").asInt(ExitPolicy.FULL_DEPTH));
        return new Entry(task, verdict, p, n.path("metric").asText(""), number(n, "full_quality"), number(n, "quality"),
                number(n, "max_drop"), number(n, "mean_exit_layer"), n.path("data").asText(""), n.path("date").asText(""));
    }

    private static <E extends Enum<E>> E parse(Class<E> type, JsonNode n, String field) {
        String v = n.path(field).asText("");
        for (E e : type.getEnumConstants()) if (e.name().toLowerCase(Locale.ROOT).equals(v)) return e;
        throw new IllegalArgumentException("\"" + field + "\" is '" + v + "', expected one of "
                + java.util.Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT)).toList());
    }

    private static double number(JsonNode n, String field) {
        return n.path(field).isNumber() ? n.path(field).asDouble() : Double.NaN;
    }

    /** Writes the calibration into a model folder, replacing the file whole (temporary file, then rename). */
    public void write(Path dir) throws IOException {
        ObjectNode root = FolderJson.JSON.createObjectNode();
        root.put("about", "leap4j's exit calibration: the exit rule each evaluation recommends, or that early exit is not viable; "
                + "every entry point defaults to full depth unless all entries recommend a rule");
        ArrayNode arr = root.putArray("entries");
        for (Entry e : entries) {
            ObjectNode o = arr.addObject();
            o.put("task", e.task().key()).put("verdict", e.verdict().key());
            o.put("theta", e.policy().theta()).put("min_layer", e.policy().minLayer()).put("patience", e.policy().patience());
            if (e.policy().depth() != ExitPolicy.FULL_DEPTH) o.put("depth", e.policy().depth());
            o.put("metric", e.metric());
            putNumber(o, "full_quality", e.fullQuality());
            putNumber(o, "quality", e.quality());
            putNumber(o, "max_drop", e.maxDrop());
            putNumber(o, "mean_exit_layer", e.meanExit());
            o.put("data", e.data()).put("date", e.date());
        }
        FolderJson.write(dir, FILE, root);
    }

    private static void putNumber(ObjectNode o, String field, double v) {
        if (Double.isFinite(v)) o.put(field, v);
        else o.putNull(field);
    }
}
