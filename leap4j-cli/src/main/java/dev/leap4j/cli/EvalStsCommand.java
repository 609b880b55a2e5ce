package dev.leap4j.cli;

import dev.leap4j.api.UsageException;
import dev.leap4j.eval.StsData;
import dev.leap4j.eval.StsEvaluation;
import dev.leap4j.eval.StsReport;
import dev.leap4j.eval.SweepOptions;
import dev.leap4j.exit.EarlyExitEncoder;
import dev.leap4j.exit.ExitCalibration;
import dev.leap4j.api.Prompt;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "sts", mixinStandardHelpOptions = true,
        description = "STS-B: Spearman/Pearson of cosine similarity vs gold at full depth and per theta, exit distributions, measured speedups.")
final class EvalStsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption model = new ModelOption();

    @Option(names = "--data", required = true, description = "folder with sts-{train,dev,test}.tsv (or its derived/ subfolder), or one .tsv file")
    Path data;

    @Option(names = "--split", defaultValue = "test", description = "test or dev (default test)")
    String split;

    @Mixin
    SweepArgs sweep = new SweepArgs();

    @Mixin
    PromptOptions prompt = new PromptOptions();

    @Mixin
    CalibrateOption calibrate = new CalibrateOption();

    @Option(names = "--out", required = true, description = "folder for report.json, report.md and the PNG charts")
    Path out;

    @Override
    public Integer call() throws IOException {
        StsData.Split which = switch (split.trim().toLowerCase(Locale.ROOT)) {
            case "test" -> StsData.Split.TEST;
            case "dev" -> StsData.Split.DEV;
            default -> throw new UsageException("--split must be test or dev, got '" + split + "'");
        };
        prompt.check();
        StsData sts = StsData.read(StsData.locate(data, which));
        int threads = sweep.threads();
        ProgressBar progress = ProgressBar.stderr();
        try (EarlyExitEncoder enc = model.open(threads)) {
            Prompt p = prompt.resolve(enc.prompts());
            SweepOptions o = sweep.options(enc.numLayers());
            StsEvaluation.Result r = StsEvaluation.run(enc, sts.withPrefix(p.text()), o, progress);
            StsReport.write(out, r, EvalCommand.runInfo(model.described(), sts.file().toString(), threads,
                    spec.commandLine().getParseResult().originalArgs().toArray(String[]::new), Map.of("sentences", p)));
            System.out.printf(Locale.ROOT, "%s on %s (%d pairs, prompt %s): full depth Spearman %.4f, Pearson %.4f%n", model.name, sts.file(), r.pairs(),
                    p.describe(), r.fullSpearman(), r.fullPearson());
            System.out.printf(Locale.ROOT, "%-6s %-9s %-9s %-10s %-10s %-11s %-10s %s%n", "theta", "spearman", "early", "mean_exit", "speedup_b1",
                    "speedup_b32", "reduction", "best fixed cut within its layers");
            for (var t : r.thetas()) {
                System.out.printf(Locale.ROOT, "%-6.2f %-9.4f %-9s %-10.2f %-10s %-11s %-10s %s%n", t.theta(), t.spearman(),
                        String.format(Locale.ROOT, "%.1f%%", 100 * t.outcome().earlyExitRate()), t.outcome().meanExitLayer(),
                        fmt(t.speedupBatch1()), fmt(t.speedupBatch32()), String.format(Locale.ROOT, "%.2fx", t.outcome().layerReduction()),
                        cut(t.bestCut(), t.beatsFixedCuts()));
            }
            for (var g : r.rungs()) {
                System.out.printf(Locale.ROOT, "depth %d (path %s): spearman %.4f (first %d layers: %.4f), speedup b1 %s, b32 %s%n", g.depth(),
                        java.util.Arrays.toString(g.path()), g.spearman(), g.depth(), g.firstLayersSpearman(), fmt(g.speedupBatch1()), fmt(g.speedupBatch32()));
            }
            System.out.println(r.recommendation().message());
            for (String w : r.recommendation().warnings()) System.out.println("warning: " + w);
            String written = calibrate.apply(model.name, r.recommendation().calibration(ExitCalibration.Task.STS, r.base(),
                    String.format(Locale.ROOT, "%s, %d pairs", sts.file().getFileName(), r.pairs())));
            if (written != null) System.out.println(written);
            System.out.println("report: " + out.resolve("report.md"));
        }
        return 0;
    }

    /** "depth 6: 0.8302 (exit behind)" or "-" when no cut is as cheap. */
    static String cut(dev.leap4j.eval.FixedCuts.Best best, boolean exitAtLeastAsGood) {
        return best == null ? "-" : String.format(Locale.ROOT, "depth %d: %.4f%s", best.layer(), best.quality(), exitAtLeastAsGood ? "" : " (exit behind)");
    }

    static String fmt(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.2fx", v) : "-";
    }
}
