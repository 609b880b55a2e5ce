package dev.leap4j.cli;

import dev.leap4j.exit.EarlyExitEncoder;
import dev.leap4j.api.Embedding;
import dev.leap4j.api.ExitPolicy;
import dev.leap4j.load.ModelLocator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Embed a few sentences with early exit; print each input's exit layer, the layers saved and, when layers are saved, the time against full depth.")
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    static final List<String> SENTENCES = List.of(
            "A man is playing a guitar.",
            "The new movie is awesome and I loved every minute of it.",
            "Early exit lets an encoder stop as soon as its sentence embedding has converged.",
            "Der schnelle braune Fuchs springt über den faulen Hund.",
            "Quantum chromodynamics describes the strong interaction between quarks and gluons, mediated by gluons.",
            "ok",
            "Stock markets fell sharply on Tuesday after the central bank raised interest rates by half a percentage point.",
            "東京は日本の首都です。");

    @Option(names = "--model", defaultValue = "all-minilm-l6-v2", description = "built-in name or model folder (default all-minilm-l6-v2)")
    String model;

    @Mixin
    ExitOptions exit = new ExitOptions();

    @Mixin
    ThreadsOption threads = new ThreadsOption();

    @Override
    public Integer call() throws IOException {
        java.io.PrintWriter out = spec.commandLine().getOut();
        try (EarlyExitEncoder enc = new EarlyExitEncoder(ModelLocator.load(model, Main.cacheDir()), threads.get())) {
            // a demonstration of early exit: without --theta it shows the paper's theta, whatever the model's default
            ExitPolicy policy = exit.theta() == null ? enc.policy(ExitPolicy.PAPER_THETA, exit.minLayer(), exit.patience(), exit.depth()) : exit.policy(enc);
            int L = enc.numLayers();
            List<Embedding> full = enc.embed(SENTENCES, ExitPolicy.fullDepth(), 1);
            List<Embedding> early = enc.embed(SENTENCES, policy, 1);
            out.printf(Locale.ROOT, "model %s: %d layers, dim %d, %d threads; %s%n",
                    enc.name(), L, enc.dimension(), enc.threads(), policy.describe());
            out.printf(Locale.ROOT, "%-5s %-6s %-9s %s%n", "exit", "tokens", "cos_full", "text");
            int layers = 0;
            for (int i = 0; i < SENTENCES.size(); i++) {
                Embedding e = early.get(i);
                layers += e.exitLayer();
                double cos = EarlyExitEncoder.cosine(e.vector(), 0, full.get(i).vector(), 0, e.vector().length);
                out.printf(Locale.ROOT, "%-5d %-6d %-9.4f %s%n", e.exitLayer(), e.tokens(), cos, SENTENCES.get(i));
            }
            int total = L * SENTENCES.size();
            if (layers == total) {
                out.printf(Locale.ROOT, "layers run %d of %d: no layers saved, so early exit does the same work as full depth (no timing shown)%n", layers, total);
                return 0;
            }
            double ceiling = (double) total / layers;
            // JIT warm-up, then repeats that alternate which configuration goes first, so drift and warm-up
            // order favour neither; the medians and the spread are reported, not a single pair of runs
            for (int w = 0; w < 5; w++) {
                enc.embed(SENTENCES, ExitPolicy.fullDepth(), 1);
                enc.embed(SENTENCES, policy, 1);
            }
            int repeats = 15;
            double[] fullMs = new double[repeats], earlyMs = new double[repeats];
            for (int r = 0; r < repeats; r++) {
                boolean fullFirst = r % 2 == 0;
                double a = timeMs(enc, fullFirst ? ExitPolicy.fullDepth() : policy), b = timeMs(enc, fullFirst ? policy : ExitPolicy.fullDepth());
                fullMs[r] = fullFirst ? a : b;
                earlyMs[r] = fullFirst ? b : a;
            }
            java.util.Arrays.sort(fullMs);
            java.util.Arrays.sort(earlyMs);
            double speedup = median(fullMs) / median(earlyMs);
            out.printf(Locale.ROOT, "layers run %d of %d (%.1f%% saved, at most %.2fx faster); batch-1 time over %d alternating repeats: "
                            + "full depth %.1f ms (%.1f-%.1f), early exit %.1f ms (%.1f-%.1f): %.2fx%n",
                    layers, total, 100.0 * (total - layers) / total, ceiling, repeats, median(fullMs), fullMs[0], fullMs[repeats - 1],
                    median(earlyMs), earlyMs[0], earlyMs[repeats - 1], speedup);
            if (speedup > 1.1 * ceiling || speedup < 1 / 1.1) {
                out.println("that ratio is outside what the saved layers allow: the machine is busy, so treat it as noise");
            }
        }
        return 0;
    }

    private static double timeMs(EarlyExitEncoder enc, ExitPolicy policy) {
        long t = System.nanoTime();
        enc.embed(SENTENCES, policy, 1);
        return (System.nanoTime() - t) / 1e6;
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
