package dev.leap4j.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeSet;

/**
 * The tables of docs/BENCHMARKS.md from the raw outputs the bench scripts keep: lines
 * {@code RESULT model=M threads=T engine=leap4j|ort case=C key=value ... repeat=R}, one per process and
 * measurement. Each cell is the median over repeats ({@link PerInputTime#median}), with the repeats themselves in
 * brackets so a reader sees the spread; ratios are of the medians.
 * Usage: BenchTables engine RAW | int8 RAW | cli RAW | train RAW | noisy RAW | agree ENGINE_RAW CLI_RAW
 */
public final class BenchTables {
    private BenchTables() {
    }

    /** One measurement line of a raw output. */
    record Result(String model, int threads, String engine, String kase, Map<String, Double> values) {
        static Result parse(String line) {
            Map<String, String> kv = new LinkedHashMap<>();
            for (String field : line.trim().split("\\s+")) {
                int eq = field.indexOf('=');
                if (eq > 0) kv.put(field.substring(0, eq), field.substring(eq + 1));
            }
            Map<String, Double> values = new LinkedHashMap<>();
            for (var e : kv.entrySet())
                if (!Set.of("model", "threads", "engine", "case", "repeat").contains(e.getKey())) values.put(e.getKey(), Double.parseDouble(e.getValue()));
            return new Result(kv.get("model"), Integer.parseInt(kv.get("threads")), kv.get("engine"), kv.get("case"), values);
        }

        String config() {
            return model + " " + threads;
        }
    }

    public static void main(String[] args) throws IOException {
        String out = switch (args.length > 0 ? args[0] : "") {
            case "engine" -> engineTable(read(Path.of(args[1])));
            case "int8" -> int8Table(read(Path.of(args[1])));
            case "cli" -> cliTable(read(Path.of(args[1])));
            case "agree" -> agreement(read(Path.of(args[1])), read(Path.of(args[2])));
            case "train" -> trainTable(read(Path.of(args[1])));
            case "noisy" -> noisyTable(read(Path.of(args[1])), Runtime.getRuntime().availableProcessors());
            default -> throw new IllegalArgumentException("usage: BenchTables engine RAW | int8 RAW | cli RAW | train RAW | noisy RAW | agree ENGINE_RAW CLI_RAW");
        };
        System.out.print(out);
    }

    static List<Result> read(Path raw) throws IOException {
        List<Result> out = new ArrayList<>();
        for (String line : Files.readAllLines(raw, StandardCharsets.UTF_8)) if (line.startsWith("RESULT ")) out.add(Result.parse(line));
        return out;
    }

    /** Every value of {@code key} for (config, engine, case), in file order (one per repeat). */
    static double[] values(List<Result> rs, String config, String engine, String kase, String key) {
        return rs.stream().filter(r -> r.config().equals(config) && r.engine().equals(engine) && r.kase().equals(kase) && r.values().containsKey(key))
                .mapToDouble(r -> r.values().get(key)).toArray();
    }

    static Set<String> configs(List<Result> rs) {
        Set<String> out = new LinkedHashSet<>();
        for (Result r : rs) out.add(r.config());
        return out;
    }

    /** The batch-1 token counts measured for a config, ascending. */
    static Set<Integer> tokenCounts(List<Result> rs, String config) {
        Set<Integer> out = new TreeSet<>();
        for (Result r : rs) if (r.config().equals(config) && r.kase().startsWith("b1-")) out.add(Integer.parseInt(r.kase().substring(3)));
        return out;
    }

    /** The cases measured for a config, in the order they first appear. */
    static Set<String> caseNames(List<Result> rs, String config) {
        Set<String> out = new LinkedHashSet<>();
        for (Result r : rs) if (r.config().equals(config)) out.add(r.kase());
        return out;
    }

    /** "b1-13" as "batch 1, 13 tokens"; "b32-57" as "batch 32, 57 tokens"; "b32" as "batch 32". */
    static String describeCase(String k) {
        String[] p = k.substring(1).split("-");
        return "batch " + p[0] + (p.length > 1 ? ", " + p[1] + " tokens" : "");
    }

    /** "median (r1 r2 r3)", or "-" when nothing was measured. */
    static String withRepeats(double[] v, String fmt) {
        if (v.length == 0) return "-";
        StringJoiner j = new StringJoiner(" ", " (", ")");
        for (double x : v) j.add(String.format(Locale.ROOT, fmt, x));
        return String.format(Locale.ROOT, fmt, PerInputTime.median(v)) + (v.length > 1 ? j.toString() : "");
    }

    static String ratio(double[] a, double[] b) {
        return a.length == 0 || b.length == 0 ? "-" : String.format(Locale.ROOT, "%.2fx", PerInputTime.median(a) / PerInputTime.median(b));
    }

    static String engineTable(List<Result> rs) {
        StringBuilder sb = new StringBuilder();
        sb.append("| model | threads | case | leap4j ms/input (repeats) | leap4j p50 / p99 ms | ORT ms/input (repeats) | ORT p50 / p99 ms | leap4j / ORT |\n");
        sb.append("|---|---|---|---|---|---|---|---|\n");
        for (String cfg : configs(rs)) {
            String[] mt = cfg.split(" ");
            for (int n : tokenCounts(rs, cfg)) {
                String k = "b1-" + n;
                double[] l = values(rs, cfg, "leap4j", k, "ms_per_input"), o = values(rs, cfg, "ort", k, "ms_per_input");
                sb.append(String.format(Locale.ROOT, "| %s | %s | batch 1, %d tokens | %s | %s | %s | %s | %s |%n", mt[0], mt[1], n,
                        withRepeats(l, "%.2f"), percentiles(rs, cfg, "leap4j", k), withRepeats(o, "%.2f"), percentiles(rs, cfg, "ort", k), ratio(l, o)));
            }
            double[] l = values(rs, cfg, "leap4j", "b32", "sent_per_s"), o = values(rs, cfg, "ort", "b32", "sent_per_s");
            if (l.length + o.length > 0)
                sb.append(String.format(Locale.ROOT, "| %s | %s | batch 32, sentences/s | %s | | %s | | %s throughput |%n", mt[0], mt[1],
                        withRepeats(l, "%.0f"), withRepeats(o, "%.0f"), ratio(l, o)));
        }
        sb.append('\n');
        for (String cfg : configs(rs)) {
            String[] mt = cfg.split(" ");
            for (int n : tokenCounts(rs, cfg)) {
                double[] m = values(rs, cfg, "leap4j", "monitor" + n, "ratio");
                if (m.length > 0) sb.append(String.format(Locale.ROOT, "monitoring on / off, %s, %s thread(s), %d tokens: %s%n", mt[0], mt[1], n, withRepeats(m, "%.3f")));
            }
        }
        return sb.toString();
    }

    /**
     * The int8 comparison: leap4j fp32 and int8, ONNX Runtime fp32 and int8 (LangChain4j's quantized file), the
     * median over repeats of each, and the ratios that say whether int8 pays: leap4j int8 against its own fp32 and
     * against each ONNX Runtime file (time ratios at batch 1, where below 1 is faster; throughput ratios at batch 32).
     */
    static String int8Table(List<Result> rs) {
        StringBuilder sb = new StringBuilder();
        sb.append("| model | threads | case | leap4j fp32 | leap4j int8 | ORT fp32 | ORT int8 | leap4j int8 / fp32 | leap4j int8 / ORT int8 | leap4j int8 / ORT fp32 |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|\n");
        String[] engines = {"leap4j", "leap4j-int8", "ort", "ort-int8"};
        for (String cfg : configs(rs)) {
            String[] mt = cfg.split(" ");
            List<String[]> cases = new ArrayList<>();
            for (int n : tokenCounts(rs, cfg)) cases.add(new String[]{"b1-" + n, "ms_per_input", "batch 1, " + n + " tokens, ms", "%.2f"});
            cases.add(new String[]{"b32", "sent_per_s", "batch 32, sentences/s", "%.0f"});
            for (String[] c : cases) {
                double[][] v = new double[engines.length][];
                for (int e = 0; e < engines.length; e++) v[e] = values(rs, cfg, engines[e], c[0], c[1]);
                if (v[1].length == 0) continue;
                sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", mt[0], mt[1], c[2],
                        withRepeats(v[0], c[3]), withRepeats(v[1], c[3]), withRepeats(v[2], c[3]), withRepeats(v[3], c[3]),
                        ratio(v[1], v[0]), ratio(v[1], v[3]), ratio(v[1], v[2])));
            }
        }
        return sb.toString();
    }

    private static String percentiles(List<Result> rs, String cfg, String engine, String kase) {
        double[] p50 = values(rs, cfg, engine, kase, "p50"), p99 = values(rs, cfg, engine, kase, "p99");
        return p50.length == 0 ? "-" : String.format(Locale.ROOT, "%.2f / %.2f", PerInputTime.median(p50), PerInputTime.median(p99));
    }

    static String cliTable(List<Result> rs) {
        StringBuilder sb = new StringBuilder();
        sb.append("| model | threads | input | leap4j embed ms/input (repeats) | ONNX Runtime (Python) ms/input (repeats) | leap4j / ORT |\n");
        sb.append("|---|---|---|---|---|---|\n");
        for (String cfg : configs(rs)) {
            String[] mt = cfg.split(" ");
            for (int n : tokenCounts(rs, cfg)) {
                double[] l = values(rs, cfg, "leap4j", "b1-" + n, "ms_per_input"), o = values(rs, cfg, "ort", "b1-" + n, "ms_per_input");
                sb.append(String.format(Locale.ROOT, "| %s | %s | %d tokens | %s | %s | %s |%n", mt[0], mt[1], n, withRepeats(l, "%.2f"), withRepeats(o, "%.2f"), ratio(l, o)));
            }
        }
        return sb.toString();
    }

    /** Training tokens/s per thread count: leap4j, PyTorch SDPA and eager, with repeats, spread and the two ratios. */
    static String trainTable(List<Result> rs) {
        StringBuilder sb = new StringBuilder();
        sb.append("| model | threads | leap4j tokens/s (repeats) | PyTorch SDPA tokens/s (repeats) | PyTorch eager tokens/s (repeats) | largest spread | leap4j / SDPA | leap4j / eager |\n");
        sb.append("|---|---|---|---|---|---|---|---|\n");
        for (String cfg : configs(rs)) {
            String[] mt = cfg.split(" ");
            double[] l = values(rs, cfg, "leap4j", "train", "tokens_per_s"), sd = values(rs, cfg, "torch-sdpa", "train", "tokens_per_s"),
                    ea = values(rs, cfg, "torch-eager", "train", "tokens_per_s");
            double spread = 0;
            for (double[] v : List.of(l, sd, ea)) if (v.length > 0) spread = Math.max(spread, PerInputTime.spread(v));
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %.0f%% | %s | %s |%n", mt[0], mt[1], withRepeats(l, "%.0f"),
                    withRepeats(sd, "%.0f"), withRepeats(ea, "%.0f"), 100 * spread, ratio(l, sd), ratio(l, ea)));
        }
        return sb.toString();
    }

    /**
     * Slowdown beside one CPU-bound neighbour against the slowdown the lost CPU share explains, per engine, thread
     * count and case. Engines appear as E (alone) and E+hog (beside the neighbour). For batch 1 the slowdown is the
     * ratio of times per input; for batch 32 the ratio of throughputs, alone over beside.
     */
    static String noisyTable(List<Result> rs, int cores) {
        StringBuilder sb = new StringBuilder();
        sb.append("| engine | model | threads | case | alone | beside a CPU hog | slowdown | explained by lost CPU share | verdict |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|\n");
        for (String cfg : configs(rs)) {
            String[] mt = cfg.split(" ");
            int t = Integer.parseInt(mt[1]);
            double fair = Math.min(t, cores) / (t * Math.min(1.0, (double) cores / (t + 1)));
            for (String engine : List.of("leap4j", "ort")) {
                List<String[]> cases = new ArrayList<>();
                for (String k : caseNames(rs, cfg)) {
                    if (k.startsWith("monitor")) continue;
                    boolean perInput = values(rs, cfg, engine, k, "ms_per_input").length > 0;
                    cases.add(new String[]{k, perInput ? "ms_per_input" : "sent_per_s", describeCase(k) + (perInput ? ", ms/input" : ", sentences/s")});
                }
                for (String[] c : cases) {
                    double[] alone = values(rs, cfg, engine, c[0], c[1]), beside = values(rs, cfg, engine + "+hog", c[0], c[1]);
                    if (alone.length == 0 || beside.length == 0) continue;
                    double slow = PerInputTime.median(beside) / PerInputTime.median(alone);
                    if (c[1].equals("sent_per_s")) slow = 1 / slow;
                    String verdict = slow <= fair * 1.05 ? "within its share" : String.format(Locale.ROOT, "%.2fx beyond its share", slow / fair);
                    sb.append(String.format(Locale.ROOT, "| %s | %s | %d | %s | %s | %s | %.2fx | %.2fx | %s |%n", engine, mt[0], t, c[2],
                            withRepeats(alone, "%.2f"), withRepeats(beside, "%.2f"), slow, fair, verdict));
                }
            }
        }
        return sb.toString();
    }

    /**
     * leap4j's time per input inside a whole command against the engine's alone, for the cases both measured. The
     * command does the engine's work plus tokenization and JSON output, so its time can only be the larger; a
     * command median below every engine repeat is a contradiction, and one of the two measurements is wrong.
     */
    static String agreement(List<Result> engine, List<Result> cli) {
        StringBuilder sb = new StringBuilder();
        sb.append("| model | threads | tokens | engine ms/input | `leap4j embed` ms/input | command - engine | verdict |\n");
        sb.append("|---|---|---|---|---|---|---|\n");
        for (String cfg : configs(cli)) {
            String[] mt = cfg.split(" ");
            for (int n : tokenCounts(cli, cfg)) {
                double[] e = values(engine, cfg, "leap4j", "b1-" + n, "ms_per_input"), c = values(cli, cfg, "leap4j", "b1-" + n, "ms_per_input");
                if (e.length == 0 || c.length == 0) continue;
                double em = PerInputTime.median(e), cm = PerInputTime.median(c);
                double lowest = java.util.Arrays.stream(e).min().orElseThrow();
                String verdict = cm < lowest ? "CONTRADICTION: the command is faster than the engine inside it" : "consistent";
                sb.append(String.format(Locale.ROOT, "| %s | %s | %d | %s | %s | %+.2f ms | %s |%n", mt[0], mt[1], n,
                        withRepeats(e, "%.2f"), withRepeats(c, "%.2f"), cm - em, verdict));
            }
        }
        return sb.toString();
    }
}
