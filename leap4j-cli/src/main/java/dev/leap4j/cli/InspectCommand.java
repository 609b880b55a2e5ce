package dev.leap4j.cli;

import dev.leap4j.api.UsageException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.leap4j.exit.EarlyExitEncoder;
import dev.leap4j.api.ExitPolicy;
import dev.leap4j.exit.LayerDiagnostics;
import dev.leap4j.eval.Progress;
import dev.leap4j.eval.SpeedTest;
import dev.leap4j.eval.SweepOptions;
import dev.leap4j.eval.Tracing;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Per-layer agreement (with the previous and the final layer), exit rates per theta, and monitoring overhead.")
final class InspectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption model = new ModelOption();

    @Option(names = "--input", required = true, description = "text file, one input per line, or - for stdin")
    String input;

    @Mixin
    ExitOptions exit = new ExitOptions();

    @Option(names = "--thetas", split = ",", description = "thresholds to report (default: those of eval's sweep, 0.80,0.85,0.90,0.93,0.95,0.97,0.98,0.99)")
    double[] thetas;

    @Option(names = "--json", description = "also write the diagnostics as JSON to this file")
    Path json;

    @Mixin
    ThreadsOption threads = new ThreadsOption();

    @Option(names = "--batch-size", defaultValue = "32")
    int batchSize;

    @Override
    public Integer call() throws IOException {
        java.io.PrintWriter out = spec.commandLine().getOut();
        List<String> texts = EmbedCommand.readLines(input);
        if (texts.isEmpty()) throw new UsageException(input + " has no lines to inspect");
        try (EarlyExitEncoder enc = model.open(threads.get())) {
            // diagnostics replay every theta on one trace: the model's calibration does not choose anything here
            ExitPolicy base = ExitPolicy.uncalibrated(enc.numLayers()).with(null, exit.minLayer(), exit.patience(), exit.depth());
            base.checkDepth(enc.numLayers());
            Tracing tr = Tracing.run(enc, texts, batchSize, Progress.NONE, "inspect");
            var agreement = tr.agreement();
            List<LayerDiagnostics.ThresholdOutcome> outcomes = new ArrayList<>();
            for (double t : thetas != null ? Arrays.stream(thetas).boxed().toList() : SweepOptions.DEFAULT_THETAS) outcomes.add(tr.outcome(base.withTheta(t)));
            // Monitoring overhead: the exit check on every layer (theta 1.0 never fires on real text) against none,
            // timed as eval times its speed columns (interleaved in alternating order, two warm-up rounds, median of 5)
            List<String> sample = SpeedTest.sample(texts, 64);
            SpeedTest.Timing timing = SpeedTest.measure(enc, sample, List.of(new ExitPolicy(1.0, 1, 1)), batchSize, 5, Progress.NONE, "overhead");
            double overhead = timing.policyMs()[0] / timing.fullMs();

            out.printf(Locale.ROOT, "model %s, %d inputs, min layer %d, patience %d%n", enc.name(), texts.size(), base.minLayer(), base.patience());
            for (int[] p : enc.depthPaths().paths()) {
                out.printf(Locale.ROOT, "depth path: --depth %d runs layers %s%n", p.length,
                        Arrays.stream(p).mapToObj(Integer::toString).collect(java.util.stream.Collectors.joining(",")));
            }
            out.printf(Locale.ROOT, "%-6s %-14s %-14s%n", "layer", "cos_to_prev", "cos_to_final");
            for (var a : agreement) {
                out.printf(Locale.ROOT, "%-6d %-14s %-14.4f%n", a.layer(), Double.isNaN(a.meanCosToPrevious()) ? "-" : String.format(Locale.ROOT, "%.4f", a.meanCosToPrevious()), a.meanCosToFinal());
            }
            out.printf(Locale.ROOT, "%-6s %-10s %-10s %-10s %s%n", "theta", "early", "mean_exit", "reduction", "exit share by layer");
            for (var o : outcomes) {
                StringBuilder sb = new StringBuilder();
                for (int l = 0; l < o.exitShareByLayer().length; l++) {
                    if (o.exitShareByLayer()[l] > 0) sb.append(String.format(Locale.ROOT, "L%d:%.1f%% ", l + 1, 100 * o.exitShareByLayer()[l]));
                }
                out.printf(Locale.ROOT, "%-6.2f %-10s %-10.2f %-10.2f %s%n", o.theta(), String.format(Locale.ROOT, "%.1f%%", 100 * o.earlyExitRate()), o.meanExitLayer(), o.layerReduction(), sb.toString().trim());
            }
            out.printf(Locale.ROOT, "monitoring overhead (exit check on every layer, no exits), median of 5 interleaved passes over %d inputs: %.3fx (%.1f ms vs %.1f ms)%n",
                    sample.size(), overhead, timing.policyMs()[0], timing.fullMs());
            if (json != null) {
                ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
                ObjectNode root = m.createObjectNode();
                root.put("model", enc.name());
                root.put("inputs", texts.size());
                root.put("min_layer", base.minLayer());
                root.put("patience", base.patience());
                ArrayNode layers = root.putArray("layers");
                for (var a : agreement) {
                    ObjectNode n = layers.addObject().put("layer", a.layer()).put("cos_to_final", a.meanCosToFinal());
                    if (Double.isNaN(a.meanCosToPrevious())) n.putNull("cos_to_previous"); else n.put("cos_to_previous", a.meanCosToPrevious());
                }
                ArrayNode th = root.putArray("thresholds");
                for (var o : outcomes) {
                    ObjectNode n = th.addObject().put("theta", o.theta()).put("early_exit_rate", o.earlyExitRate())
                            .put("mean_exit_layer", o.meanExitLayer()).put("layer_reduction", o.layerReduction());
                    ArrayNode s = n.putArray("exit_share_by_layer");
                    for (double v : o.exitShareByLayer()) s.add(v);
                }
                root.putObject("monitoring_overhead").put("ratio", overhead).put("monitored_ms", timing.policyMs()[0]).put("unmonitored_ms", timing.fullMs()).put("inputs", sample.size());
                m.writeValue(json.toFile(), root);
            }
        }
        return 0;
    }
}
