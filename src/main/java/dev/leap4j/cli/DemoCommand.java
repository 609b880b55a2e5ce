package dev.leap4j.cli;

import dev.leap4j.exit.EarlyExitEncoder;
import dev.leap4j.exit.Embedding;
import dev.leap4j.exit.ExitPolicy;
import dev.leap4j.model.ModelLocator;
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
        description = "Embed a few sentences with early exit; print each input's exit layer, the layers saved and the time.")
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

    @Option(names = "--threads", description = "worker threads (default: all cores)")
    Integer threads;

    @Override
    public Integer call() throws IOException {
        java.io.PrintWriter out = spec.commandLine().getOut();
        try (EarlyExitEncoder enc = new EarlyExitEncoder(ModelLocator.load(model, Main.cacheDir()), Main.threads(threads))) {
            ExitPolicy policy = exit.policy(enc.numLayers());
            int L = enc.numLayers();
            enc.embed(SENTENCES, ExitPolicy.fullDepth(), 1); // warm-up: JIT compilation
            enc.embed(SENTENCES, policy, 1);
            long t0 = System.nanoTime();
            List<Embedding> full = enc.embed(SENTENCES, ExitPolicy.fullDepth(), 1);
            long t1 = System.nanoTime();
            List<Embedding> early = enc.embed(SENTENCES, policy, 1);
            long t2 = System.nanoTime();
            out.printf(Locale.ROOT, "model %s: %d layers, dim %d, %d threads; theta %.2f, min layer %d, patience %d%n",
                    enc.name(), L, enc.dimension(), enc.threads(), policy.theta(), policy.minLayer(), policy.patience());
            out.printf(Locale.ROOT, "%-5s %-6s %-9s %s%n", "exit", "tokens", "cos_full", "text");
            int layers = 0;
            for (int i = 0; i < SENTENCES.size(); i++) {
                Embedding e = early.get(i);
                layers += e.exitLayer();
                double cos = EarlyExitEncoder.cosine(e.vector(), 0, full.get(i).vector(), 0, e.vector().length);
                out.printf(Locale.ROOT, "%-5d %-6d %-9.4f %s%n", e.exitLayer(), e.tokens(), cos, SENTENCES.get(i));
            }
            int total = L * SENTENCES.size();
            out.printf(Locale.ROOT, "layers run %d of %d (%.1f%% saved); batch-1 time: full depth %.1f ms, early exit %.1f ms%n",
                    layers, total, 100.0 * (total - layers) / total, (t1 - t0) / 1e6, (t2 - t1) / 1e6);
        }
        return 0;
    }
}
