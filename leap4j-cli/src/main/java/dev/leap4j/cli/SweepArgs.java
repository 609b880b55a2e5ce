package dev.leap4j.cli;

import dev.leap4j.eval.SweepOptions;
import dev.leap4j.api.ExitPolicy;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Arrays;
import java.util.List;

/** Options shared by the evaluation commands: which thresholds, how to time, and the quality budget. */
final class SweepArgs {
    @Option(names = "--thetas", split = ",", description = "thresholds to sweep (default 0.80,0.85,0.90,0.93,0.95,0.97,0.98,0.99)")
    double[] thetas;

    @Option(names = "--min-layer", description = "first layer allowed to exit (default: half the model's depth)")
    Integer minLayer;

    @Option(names = "--patience", description = "consecutive agreeing layers needed (default 1)")
    Integer patience;

    @Option(names = "--max-drop", defaultValue = "0.01", description = "relative quality budget for the recommended theta (default 0.01 = 1%%)")
    double maxDrop;

    @Option(names = "--speed-sample", defaultValue = "32", description = "texts timed at batch 1, a fixed spread-out sample; 0 = no timing (default 32)")
    int speedSample;

    @Option(names = "--speed-sample-b32", defaultValue = "128", description = "texts timed at batch 32 (default 128)")
    int speedSampleBatch32;

    @Option(names = "--repeats", defaultValue = "3", description = "timed passes per configuration, median reported (default 3)")
    int repeats;

    @Option(names = "--batch-size", defaultValue = "32", description = "inputs per batch for the quality run (default 32)")
    int batchSize;

    @Mixin
    ThreadsOption threads = new ThreadsOption();

    int threads() {
        return threads.get();
    }

    SweepOptions options(int numLayers) {
        // the model is judged afresh, whatever its calibration says: only min layer and patience carry over to the sweep
        ExitPolicy base = ExitPolicy.uncalibrated(numLayers).with(null, minLayer, patience, null);
        base.checkDepth(numLayers);
        List<Double> ts = thetas == null ? SweepOptions.DEFAULT_THETAS : Arrays.stream(thetas).boxed().toList();
        return new SweepOptions(base, ts, batchSize, speedSample, speedSampleBatch32, repeats, maxDrop);
    }
}
