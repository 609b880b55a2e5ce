package dev.leap4j.cli;

import dev.leap4j.eval.Progress;
import dev.leap4j.eval.StsData;
import dev.leap4j.eval.StsEvaluation;
import dev.leap4j.eval.SweepOptions;
import dev.leap4j.eval.Tracing;
import dev.leap4j.exit.EarlyExitEncoder;
import dev.leap4j.api.ExitPolicy;
import dev.leap4j.model.BertConfig;
import dev.leap4j.model.BertWeights;
import dev.leap4j.tokenize.TextTokenizer;
import dev.leap4j.train.Probe;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The training run's quality proxy: STS Spearman of the student as the engine runs it (its own pooling, the exit
 * rule), from one trace replayed per theta. Keys: {@code full}, {@code layer<l>} (every input stopped at layer l),
 * and per theta {@code theta<t>.spearman}, {@code theta<t>.exit_by_<m+1>} (share of inputs out by layer minLayer + 1)
 * and {@code theta<t>.mean_exit}. Meant for STS-B dev: choices made on test would overfit the test.
 */
record StsProbe(StsData data, Path tokenizerJson, int every, List<Double> thetas, Integer minLayer, int threads) implements Probe {
    @Override
    public Map<String, Double> measure(BertConfig config, BertWeights weights) {
        ExitPolicy base = minLayer == null ? ExitPolicy.uncalibrated(config.numLayers()) : new ExitPolicy(ExitPolicy.NO_EXIT, minLayer, 1);
        SweepOptions o = new SweepOptions(base, thetas, 32, 0, 0, 1, 0.01);
        try (EarlyExitEncoder enc = new EarlyExitEncoder(config, weights, TextTokenizer.load(tokenizerJson, config.maxLength()), threads, "probe")) {
            Tracing tr = Tracing.run(enc, data.sentences(), o.batchSize(), Progress.NONE, "probe");
            StsEvaluation.Result r = StsEvaluation.sweep(data.file(), tr, data.gold(), o, null, null);
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("full", r.fullSpearman());
            for (StsEvaluation.LayerRow row : r.layers()) m.put("layer" + row.layer(), row.spearman());
            int by = Math.min(config.numLayers(), base.minLayer() + 1);
            for (StsEvaluation.ThetaRow row : r.thetas()) {
                String k = String.format(Locale.ROOT, "theta%.2f.", row.theta());
                m.put(k + "spearman", row.spearman());
                double out = 0;
                for (int l = 1; l <= by; l++) out += row.outcome().exitShareByLayer()[l - 1];
                m.put(k + "exit_by_" + by, out);
                m.put(k + "mean_exit", row.outcome().meanExitLayer());
            }
            return m;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot load the tokenizer " + tokenizerJson, e);
        }
    }
}
