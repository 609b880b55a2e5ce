package dev.leap4j.bench;

import dev.leap4j.exit.EarlyExitEncoder;
import dev.leap4j.exit.Embedding;
import dev.leap4j.exit.ExitPolicy;
import dev.leap4j.model.BuiltinModel;
import dev.leap4j.model.ModelFolder;
import dev.leap4j.model.OrtOracle;
import dev.leap4j.tokenize.TokenizedText;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Side-by-side benchmark of leap4j and ONNX Runtime (optimisation level ALL, intra-op threads = threads under
 * test) on the same ONNX file: batch-1 latency for a short and a ~64-token text, batch-32 throughput on STS-B
 * sentences, and the cost of exit monitoring. Rounds alternate between the engines so drift hits both alike.
 * One JVM per (model, threads) configuration: bench/engine.sh loops over them.
 * Usage: EngineBenchmark MODEL THREADS
 */
public final class EngineBenchmark {
    static final String SHORT = "A man is playing a large flute on the stage."; // 13 tokens with [CLS]/[SEP]
    static final String LONG = "The committee said on Tuesday that the new rules, which take effect next year, would require "
            + "all large companies to publish detailed reports on their greenhouse gas emissions, including those of their "
            + "suppliers, and to explain how they plan to reach their climate targets by the end of the decade.";

    static final int ROUNDS = Integer.parseInt(System.getenv().getOrDefault("BENCH_ROUNDS", "2000"));

    public static void main(String[] args) throws Exception {
        List<String> models = List.of(args[0]);
        int[] threadCounts = {Integer.parseInt(args[1])};
        List<String> sts = stsSentences(Path.of("../shared/data/stsb/derived/sts-test.tsv"), 512);
        System.out.printf(Locale.ROOT, "JDK %s, %s, %d cores%n", Runtime.version(), cpu(), Runtime.getRuntime().availableProcessors());
        for (String name : models) {
            BuiltinModel b = BuiltinModel.byName(name);
            ModelFolder f = ModelFolder.load(b.folder(Path.of("target/model-cache")));
            for (int threads : threadCounts) {
                try (EarlyExitEncoder enc = new EarlyExitEncoder(f, threads);
                     OrtOracle ort = new OrtOracle(b.onnxBytes(), f.config().numLayers(), false, threads)) {
                    System.out.printf(Locale.ROOT, "%n== %s, %d thread(s)%n", name, threads);
                    for (String text : List.of(SHORT, LONG)) {
                        TokenizedText t = enc.tokenize(text);
                        List<TokenizedText> one = List.of(t);
                        ExitPolicy monitorOnly = new ExitPolicy(1.0, 1, 1);
                        double[][] r = alternate(ROUNDS, ROUNDS / 5,
                                () -> enc.embedTokens(one, ExitPolicy.fullDepth()),
                                () -> ort.run(t.ids()),
                                () -> { List<Embedding> e = enc.embedTokens(one, monitorOnly); if (e.get(0).exitLayer() != f.config().numLayers()) throw new IllegalStateException("exited"); });
                        System.out.printf(Locale.ROOT, "batch 1, %d tokens: leap4j median %.3f ms p99 %.3f | ORT median %.3f ms p99 %.3f | ratio %.2fx | monitoring on %.3f ms (%.3fx)%n",
                                t.length(), median(r[0]), p99(r[0]), median(r[1]), p99(r[1]), median(r[0]) / median(r[1]), median(r[2]), median(r[2]) / median(r[0]));
                    }
                    List<TokenizedText> tok = enc.tokenizer().encodeAll(sts);
                    List<List<TokenizedText>> batches = new ArrayList<>();
                    for (int i = 0; i + 32 <= tok.size(); i += 32) batches.add(tok.subList(i, i + 32));
                    List<long[][][]> ortBatches = new ArrayList<>();
                    for (var bt : batches) ortBatches.add(padded(bt));
                    int[] k = {0, 0};
                    double[][] r = alternate(6, 2,
                            () -> { for (var bt : batches) enc.embedTokens(bt, ExitPolicy.fullDepth()); },
                            () -> { for (var ob : ortBatches) ort.runBatch(ob[0], ob[1]); },
                            () -> {});
                    int n = batches.size() * 32;
                    double ours = n / (median(r[0]) / 1000), theirs = n / (median(r[1]) / 1000);
                    System.out.printf(Locale.ROOT, "batch 32 (%d STS-B sentences): leap4j %.0f sent/s | ORT %.0f sent/s | ratio %.2fx%n", n, ours, theirs, ours / theirs);
                }
            }
        }
    }

    interface Run {
        void run() throws Exception;
    }

    /** Times each run `rounds` times after `warm` untimed rounds, interleaved; returns milliseconds per run. */
    static double[][] alternate(int rounds, int warm, Run... runs) throws Exception {
        double[][] ms = new double[runs.length][rounds];
        for (int i = 0; i < warm + rounds; i++) {
            for (int j = 0; j < runs.length; j++) {
                long a = System.nanoTime();
                runs[j].run();
                long b = System.nanoTime();
                if (i >= warm) ms[j][i - warm] = (b - a) / 1e6;
            }
        }
        return ms;
    }

    static long[][][] padded(List<TokenizedText> batch) {
        int T = batch.stream().mapToInt(TokenizedText::length).max().orElse(1);
        long[][] ids = new long[batch.size()][T], mask = new long[batch.size()][T];
        for (int i = 0; i < batch.size(); i++) {
            int[] t = batch.get(i).ids();
            for (int j = 0; j < t.length; j++) {
                ids[i][j] = t[j];
                mask[i][j] = 1;
            }
        }
        return new long[][][]{ids, mask};
    }

    static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static double p99(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.ceil(0.99 * s.length) - 1)];
    }

    static List<String> stsSentences(Path tsv, int n) throws Exception {
        List<String> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(tsv, StandardCharsets.UTF_8);
        for (int i = 1; i < lines.size() && out.size() < n; i++) {
            String[] f = lines.get(i).split("\t");
            if (f.length >= 7) {
                out.add(f[5]);
                if (out.size() < n) out.add(f[6]);
            }
        }
        return out;
    }

    static String cpu() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) if (l.startsWith("model name")) return l.substring(l.indexOf(':') + 1).trim();
        } catch (Exception e) {
            return "unknown CPU";
        }
        return "unknown CPU";
    }
}
